#pragma once
// An object that lives in memory lent by a BufferPool only while it is
// needed: a connection's parser between the first byte of a message and the
// end of the last exchange, its write window while output is in flight. An
// idle connection holds a null pointer instead.
#include <new>
#include <utility>

#include "wirestate/buffer_pool.hpp"

namespace wirestate::detail {

template <class T>
class Lent {
 public:
  explicit Lent(BufferPool& pool) noexcept : pool_(pool) {}
  ~Lent() { reset(); }
  Lent(const Lent&) = delete;
  Lent& operator=(const Lent&) = delete;

  bool held() const noexcept { return object_ != nullptr; }
  // The object, made from `args` if it is not held.
  template <class... Args>
  T& get(Args&&... args) noexcept {
    if (!object_) object_ = new (pool_.acquire(sizeof(T))) T(std::forward<Args>(args)...);
    return *object_;
  }
  T* operator->() const noexcept { return object_; }
  T& operator*() const noexcept { return *object_; }
  void reset() noexcept {
    if (!object_) return;
    object_->~T();
    pool_.release(reinterpret_cast<char*>(object_), sizeof(T));
    object_ = nullptr;
  }

 private:
  BufferPool& pool_;
  T* object_ = nullptr;
};

}  // namespace wirestate::detail
