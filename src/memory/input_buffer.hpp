#pragma once
// A connection's received bytes: [begin, end) of a buffer borrowed from a
// BufferPool. Both roles read through one of these.
//
// A body piece handed to the application points into the buffer before
// `begin`; while the connection holds such a piece (`pinned`), the bytes
// must not move, so compaction waits.
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>

#include "wirestate/buffer_pool.hpp"

namespace wirestate::detail {

class InputBuffer {
 public:
  InputBuffer(BufferPool& pool, std::size_t capacity) noexcept : pool_(pool), capacity_(capacity) {}
  ~InputBuffer() { give_back(); }
  InputBuffer(const InputBuffer&) = delete;
  InputBuffer& operator=(const InputBuffer&) = delete;

  // The unread bytes.
  bool empty() const noexcept { return begin_ == end_; }
  std::string_view unread() const noexcept { return {data_ + begin_, end_ - begin_}; }
  void consume(std::size_t n) noexcept { begin_ += n; }
  void consume_all() noexcept { begin_ = end_; }
  void discard() noexcept { begin_ = end_ = 0; }

  // Where the next read goes; takes a buffer from the pool if none is held.
  // Moves unread bytes to the front first when the tail is full and nothing
  // is pinned.
  std::span<char> free_space(bool pinned) noexcept {
    compact(pinned);
    if (!data_) data_ = pool_.acquire(capacity_);
    return {data_ + end_, capacity_ - end_};
  }
  bool full(bool pinned) noexcept {
    compact(pinned);
    return end_ == capacity_;
  }
  void commit(std::size_t n) noexcept { end_ += n; }

  // Returns the buffer to the pool; only when no unread or pinned byte is in it.
  void give_back() noexcept {
    if (data_) pool_.release(data_, capacity_);
    data_ = nullptr;
    begin_ = end_ = 0;
  }

 private:
  void compact(bool pinned) noexcept {
    if (pinned) return;
    if (begin_ == end_) {
      begin_ = end_ = 0;
    } else if (begin_ > 0 && end_ == capacity_) {
      std::memmove(data_, data_ + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
  }

  BufferPool& pool_;
  std::size_t capacity_;
  char* data_ = nullptr;
  std::size_t begin_ = 0, end_ = 0;
};

}  // namespace wirestate::detail
