#include "memory/write_window.hpp"

#include <algorithm>

namespace wirestate::detail {

namespace {
constexpr std::size_t array_bytes = max_iovecs * sizeof(IoVec);
}

void WriteWindow::reset(BufferPool& pool, std::size_t max_in_flight) noexcept {
  pool_ = &pool;
  size_ = std::clamp<std::size_t>(max_in_flight, 1, max_slots);
  for (std::size_t i = 0; i < size_; ++i) slots_[i] = {WriteToken{}, 0, i == 0 ? first_array_ : nullptr};
  head_ = count_ = offered_ = 0;
  next_token_ = 1;
  rewinding_ = false;
  parked_.clear();
}

void WriteWindow::release_arrays() noexcept {
  for (std::size_t i = 1; i < size_; ++i) {
    if (slots_[i].iovecs) pool_->release(reinterpret_cast<char*>(slots_[i].iovecs), array_bytes);
    slots_[i].iovecs = nullptr;
  }
}

IoVec* WriteWindow::next_array() noexcept {
  Slot& s = slot(count_);
  if (!s.iovecs) s.iovecs = reinterpret_cast<IoVec*>(pool_->acquire(array_bytes));
  return s.iovecs;
}

WriteOp WriteWindow::offer(std::size_t iovec_count) noexcept {
  Slot& s = slot(count_);
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < iovec_count; ++i) bytes += s.iovecs[i].len;
  s.token = WriteToken{next_token_++};
  s.bytes = bytes;
  ++count_;
  offered_ += bytes;
  return {WriteOp::write, {s.iovecs, iovec_count}, s.token};
}

WriteToken WriteWindow::oldest() const noexcept { return count_ ? slot(0).token : WriteToken{}; }

WriteWindow::Report WriteWindow::report(WriteToken token, std::size_t n) noexcept {
  if (count_ == 0 || token != slot(0).token) return {0, true};
  const Slot& s = slot(0);
  // After a short write, the rest of the chain must have been cancelled.
  if (n > s.bytes || (rewinding_ && n > 0)) return {0, true};
  if (n < s.bytes && count_ > 1) rewinding_ = true;
  offered_ -= s.bytes;
  head_ = wrap(head_ + 1);
  --count_;
  if (count_ == 0) rewinding_ = false;
  return {n, false};
}

void WriteWindow::release_parked(BlockArena& arena) noexcept {
  if (count_ > 0) return;
  for (Segment& s : parked_) release_segment(arena, s);
  parked_.clear();
}

void WriteWindow::forget_all(BlockArena& arena) noexcept {
  head_ = count_ = offered_ = 0;
  rewinding_ = false;
  release_parked(arena);
}

}  // namespace wirestate::detail
