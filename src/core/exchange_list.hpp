#pragma once
// The exchanges of a connection in request order, linked through the
// exchanges themselves: a connection keeps no array for them, so an idle one
// holds nothing here. Pipelining depth is small (Config::max_pipelined_
// requests), so removal by walking is cheap.
#include <cstddef>

namespace wirestate::detail {

template <class T>  // T has a `T* next` member, owned by this list
class ExchangeList {
 public:
  class iterator {
   public:
    explicit iterator(T* p) noexcept : p_(p) {}
    T* operator*() const noexcept { return p_; }
    iterator& operator++() noexcept {
      p_ = p_->next;
      return *this;
    }
    bool operator==(const iterator& o) const noexcept { return p_ == o.p_; }

   private:
    T* p_;
  };

  iterator begin() const noexcept { return iterator(head_); }
  iterator end() const noexcept { return iterator(nullptr); }
  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  T* front() const noexcept { return head_; }
  T* back() const noexcept { return tail_; }

  void push_back(T* x) noexcept {
    x->next = nullptr;
    if (tail_) tail_->next = x;
    else head_ = x;
    tail_ = x;
    ++size_;
  }
  // Takes `x` out if it is in the list.
  void remove(T* x) noexcept {
    T* prev = nullptr;
    for (T* p = head_; p; prev = p, p = p->next) {
      if (p != x) continue;
      (prev ? prev->next : head_) = p->next;
      if (tail_ == p) tail_ = prev;
      p->next = nullptr;
      --size_;
      return;
    }
  }

 private:
  T* head_ = nullptr;
  T* tail_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace wirestate::detail
