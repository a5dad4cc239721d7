#pragma once
// The writes handed to the adapter and not yet reported, for both roles.
//
// A completion-based adapter (io_uring) submits a write and asks for the next
// before the first completes; each write's iovecs must then stay put until
// its own report. The window gives every write its own iovec array and a
// token, and turns reports back into "consume this many bytes from the front
// of the output", which is all the connections' queues understand.
//
// Reports come in the order the writes were handed out (on one stream socket
// the adapter links them, so they also complete in that order). A short
// report stops the stream there: every later write in flight must come back
// with 0 bytes (a linked chain is cancelled after a short write), and its
// bytes are handed out again in a new write once the window is empty.
#include <array>
#include <cstddef>
#include <vector>

#include "memory/output_queue.hpp"
#include "wirestate/buffer_pool.hpp"
#include "wirestate/io.hpp"

namespace wirestate::detail {

class WriteWindow {
 public:
  // At most max_slots writes in flight, whatever `max_in_flight` asks.
  static constexpr std::size_t max_slots = 16;
  WriteWindow() noexcept = default;
  ~WriteWindow() { release_arrays(); }
  // Starts over, empty, for a connection with these settings; call
  // release_arrays() first if the window was used.
  void reset(BufferPool& pool, std::size_t max_in_flight) noexcept;
  // Gives the arrays of the writes past the first back to the pool.
  void release_arrays() noexcept;
  WriteWindow(const WriteWindow&) = delete;
  WriteWindow& operator=(const WriteWindow&) = delete;

  bool empty() const noexcept { return count_ == 0; }
  // Another write may be handed out now.
  bool can_offer() const noexcept { return count_ < size_ && !rewinding_; }
  // Bytes in writes still in flight: the next write starts after them.
  std::size_t offered() const noexcept { return offered_; }

  // The array the next write's iovecs go into (max_iovecs long).
  IoVec* next_array() noexcept;
  // Records the write just gathered into next_array()'s first `iovec_count`.
  WriteOp offer(std::size_t iovec_count) noexcept;

  struct Report {
    std::size_t consumed = 0;  // bytes to take off the front of the output
    bool misuse = false;       // not the oldest write, or more than it held
  };
  Report report(WriteToken token, std::size_t n) noexcept;
  // The token of the oldest write in flight (what a plain wrote(n) reports).
  WriteToken oldest() const noexcept;

  // Output that ends while it may still be in flight waits here for the
  // window to empty before its memory is released.
  void park(Segment s) noexcept { parked_.push_back(s); }
  bool has_parked() const noexcept { return !parked_.empty(); }
  // Once empty: releases what was parked.
  void release_parked(BlockArena& arena) noexcept;
  // The adapter will report none of the writes in flight (the socket failed).
  void forget_all(BlockArena& arena) noexcept;

 private:
  struct Slot {
    WriteToken token;
    std::size_t bytes;
    IoVec* iovecs;  // the window's own array for slot 0, else from the pool
  };
  // The ring's i-th slot from head_; i < size_, so no division (on the
  // path of every write) is needed to wrap.
  std::size_t wrap(std::size_t i) const noexcept { return i >= size_ ? i - size_ : i; }
  Slot& slot(std::size_t i) noexcept { return slots_[wrap(head_ + i)]; }
  const Slot& slot(std::size_t i) const noexcept { return slots_[wrap(head_ + i)]; }

  BufferPool* pool_ = nullptr;
  std::array<Slot, max_slots> slots_{};  // a ring of size_ entries, set up by reset()
  std::size_t size_ = 0;
  IoVec first_array_[max_iovecs];  // one write in flight (the usual) takes nothing more
  std::size_t head_ = 0, count_ = 0;
  std::size_t offered_ = 0;
  std::uint64_t next_token_ = 1;
  bool rewinding_ = false;  // a short report came; later writes return 0
  std::vector<Segment> parked_;
};

}  // namespace wirestate::detail
