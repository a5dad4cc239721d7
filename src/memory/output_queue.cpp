#include "memory/output_queue.hpp"

#include <cassert>
#include <cstring>
#include <new>

namespace wirestate::detail {

void BlockArena::give_back(Block* b) noexcept {
  b->~Block();
  pool_.release(reinterpret_cast<char*>(b), block_bytes_);
}

void BlockArena::release_all() noexcept {
  if (!tail_) return;
  assert(tail_->refs == 0);
  give_back(tail_);
  tail_ = nullptr;
}

Block* BlockArena::tail_with_room(std::size_t room) noexcept {
  if (tail_ && capacity() - tail_->used >= room) return tail_;
  Block* old = tail_;
  tail_ = new (pool_.acquire(block_bytes_)) Block();
  if (old && old->refs == 0) give_back(old);
  return tail_;
}

void BlockArena::unref(Block* b) noexcept {
  assert(b->refs > 0);
  if (--b->refs != 0) return;
  if (b == tail_)
    b->used = 0;  // nothing points into it: fill it again from the start
  else
    give_back(b);
}

void SegmentQueue::grow() noexcept {
  std::vector<Segment> bigger(ring_.empty() ? 8 : ring_.size() * 2);
  for (std::size_t i = 0; i < count_; ++i) bigger[i] = at(i);
  ring_.swap(bigger);
  head_ = 0;
}

void SegmentQueue::pop() noexcept {
  assert(count_ > 0);
  bytes_ -= ring_[head_].size;
  ring_[head_] = {};
  head_ = (head_ + 1) & (ring_.size() - 1);
  --count_;
}

void SegmentQueue::consume_front(std::size_t n) noexcept {
  Segment& s = front();
  assert(n <= s.size);
  s.data += n;
  s.size -= n;
  bytes_ -= n;
}

void release_segment(BlockArena& arena, Segment& s) noexcept {
  if (s.block) arena.unref(s.block);
  else if (s.release.fn) s.release.fn(s.release.context);
}

void gather(const SegmentQueue& q, IoVec* iovecs, std::size_t& n, std::size_t& skip) noexcept {
  for (std::size_t i = 0; i < q.size(); ++i) {
    const Segment& s = q.at(i);
    if (skip >= s.size) {
      skip -= s.size;
      continue;
    }
    const char* data = s.data + skip;
    const std::size_t size = s.size - skip;
    skip = 0;
    if (n > 0 && static_cast<const char*>(iovecs[n - 1].base) + iovecs[n - 1].len == data)
      iovecs[n - 1].len += size;
    else if (n == max_iovecs)
      return;
    else
      iovecs[n++] = {data, size};
  }
}

void push_copied(BlockArena& arena, SegmentQueue& q, Block* b, char* dst, std::size_t n) noexcept {
  if (n == 0) return;
  b->used += n;
  if (!q.empty() && q.back().block == b && q.back().data + q.back().size == dst) {
    q.grow_back(n);
  } else {
    arena.ref(b);
    q.push({dst, n, b, {}});
  }
}

void append_copy(BlockArena& arena, SegmentQueue& q, std::string_view data) noexcept {
  while (!data.empty()) {
    Block* b = arena.tail_with_room();
    const std::size_t n = std::min(data.size(), arena.capacity() - b->used);
    char* dst = b->data() + b->used;
    std::memcpy(dst, data.data(), n);
    push_copied(arena, q, b, dst, n);
    data.remove_prefix(n);
  }
}

}  // namespace wirestate::detail
