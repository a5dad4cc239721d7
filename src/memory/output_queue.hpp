#pragma once
// Response bytes waiting to be written. Copied bytes live in fixed-size blocks
// shared by all exchanges of a connection; borrowed bytes are referenced where
// the application keeps them. Blocks never move, so iovecs handed to the
// adapter stay valid until their write is reported; a block goes back to the
// pool once no queued segment points into it and it is not the one being
// filled, so a connection holds only the blocks its queued output needs.
#include <cstddef>
#include <string_view>
#include <vector>

#include "wirestate/buffer_pool.hpp"
#include "wirestate/exchange.hpp"
#include "wirestate/io.hpp"

namespace wirestate::detail {

// The head of a pooled block; its bytes follow it in the same buffer.
struct Block {
  std::size_t used = 0;  // bytes filled
  std::size_t refs = 0;  // segments pointing into this block
  char* data() noexcept { return reinterpret_cast<char*>(this + 1); }
};

class BlockArena {
 public:
  // Blocks of `block_bytes` (head included, at least min_block_bytes) from
  // `pool`.
  static constexpr std::size_t min_block_bytes = 128;
  BlockArena(std::size_t block_bytes, BufferPool& pool) noexcept
      : block_bytes_(block_bytes < min_block_bytes ? min_block_bytes : block_bytes), pool_(pool) {}
  ~BlockArena() { release_all(); }
  BlockArena(const BlockArena&) = delete;
  BlockArena& operator=(const BlockArena&) = delete;

  // The block being filled, if `room` bytes are free at its end; else a
  // fresh one (`room` at most capacity()).
  Block* tail_with_room(std::size_t room = 1) noexcept;
  // Bytes a block holds.
  std::size_t capacity() const noexcept { return block_bytes_ - sizeof(Block); }
  void ref(Block* b) noexcept { ++b->refs; }
  void unref(Block* b) noexcept;
  // Gives the block being filled back; only when no segment points into it.
  void release_all() noexcept;

 private:
  void give_back(Block* b) noexcept;
  std::size_t block_bytes_;
  BufferPool& pool_;
  Block* tail_ = nullptr;
};

struct Segment {
  const char* data = nullptr;
  std::size_t size = 0;
  Block* block = nullptr;  // null: borrowed
  Release release;
};

// The queue of one exchange: segments in order, consumed from the front. A
// ring that keeps its capacity, so steady streaming allocates nothing.
class SegmentQueue {
 public:
  bool empty() const noexcept { return count_ == 0; }
  std::size_t size() const noexcept { return count_; }
  std::size_t bytes() const noexcept { return bytes_; }
  Segment& front() noexcept { return ring_[head_]; }
  Segment& at(std::size_t i) noexcept { return ring_[(head_ + i) & (ring_.size() - 1)]; }
  const Segment& at(std::size_t i) const noexcept { return ring_[(head_ + i) & (ring_.size() - 1)]; }
  Segment& back() noexcept { return at(count_ - 1); }
  // Inline, so that a segment built by the caller goes straight into the
  // ring (an out-of-line copy of a just-built one stalls, seen in perf).
  void push(const Segment& s) noexcept {
    if (count_ == ring_.size()) grow();
    ring_[(head_ + count_) & (ring_.size() - 1)] = s;
    ++count_;
    bytes_ += s.size;
  }
  void pop() noexcept;
  void grow_back(std::size_t n) noexcept { back().size += n, bytes_ += n; }
  void consume_front(std::size_t n) noexcept;

 private:
  void grow() noexcept;
  std::vector<Segment> ring_;  // size is zero or a power of two
  std::size_t head_ = 0, count_ = 0, bytes_ = 0;
};

// The connection is done with `s`: unpin its block, or run its release.
void release_segment(BlockArena& arena, Segment& s) noexcept;

// The most iovecs one write gathers (well under IOV_MAX).
inline constexpr std::size_t max_iovecs = 64;

// Adds `q`'s segments to iovecs[0, n), merging ranges that touch (adjacent
// copies in one block), after passing over `skip` bytes (those already in
// writes in flight; what is passed over is taken off `skip`). Stops when the
// array holds max_iovecs.
void gather(const SegmentQueue& q, IoVec* iovecs, std::size_t& n, std::size_t& skip) noexcept;

// Appends copies of `data` to `q`, extending the last segment when the copy
// lands right after it.
void append_copy(BlockArena& arena, SegmentQueue& q, std::string_view data) noexcept;
// `n` bytes were written at `dst`, the free end of `b`: they join `q`.
void push_copied(BlockArena& arena, SegmentQueue& q, Block* b, char* dst, std::size_t n) noexcept;

}  // namespace wirestate::detail
