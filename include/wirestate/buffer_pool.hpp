#pragma once
// Where connections borrow their big buffers from, so that an idle
// connection holds none: the read buffer (Config::read_buffer_bytes), output
// blocks (Config::output_block_bytes) and the iovec arrays. A connection takes
// them when it has bytes to hold and gives them back as soon as it is idle
// (no partial message, nothing queued). One pool per event loop; connections
// of one loop share it. Not thread-safe: a loop's pool is used by that loop.
#include "wirestate/api.hpp"

#include <cstddef>
#include <vector>

namespace wirestate {

class WIRESTATE_API BufferPool {
 public:
  virtual ~BufferPool() = default;
  // A buffer of `bytes`, aligned for any object. Never null: a pool that
  // cannot serve from its free list allocates.
  virtual char* acquire(std::size_t bytes) noexcept = 0;
  // Gives back a buffer acquire(bytes) returned.
  virtual void release(char* buffer, std::size_t bytes) noexcept = 0;
};

// Free lists by size, filled on demand and kept: after warm-up, acquiring and
// releasing allocate nothing. Holds at most `max_free_bytes` of free buffers;
// past that, released buffers are freed.
class WIRESTATE_API FreeListPool final : public BufferPool {
 public:
  explicit FreeListPool(std::size_t max_free_bytes = 64u << 20) : max_free_bytes_(max_free_bytes) {}
  ~FreeListPool() override;
  FreeListPool(const FreeListPool&) = delete;
  FreeListPool& operator=(const FreeListPool&) = delete;

  char* acquire(std::size_t bytes) noexcept override;
  void release(char* buffer, std::size_t bytes) noexcept override;
  std::size_t free_bytes() const noexcept { return free_bytes_; }

 private:
  // Free buffers of one size, linked through their first bytes: giving one
  // back never allocates.
  struct List {
    std::size_t bytes;
    char* first = nullptr;
  };
  List& list_for(std::size_t bytes) noexcept;
  // The first use of a size, an empty list, a full pool: out of line, so
  // that the common case saves and restores no registers.
  char* acquire_new(std::size_t bytes) noexcept;
  void release_slow(char* buffer, std::size_t bytes) noexcept;
  std::vector<List> lists_;
  std::size_t max_free_bytes_;
  std::size_t free_bytes_ = 0;
};

// The pool of connections whose Config names none: a FreeListPool per
// thread, shared without locks by the connections of that thread's loop.
// Its buffers are plain heap memory: a connection that moves to another
// thread gives them back to that thread's pool.
WIRESTATE_API BufferPool& default_buffers() noexcept;

}  // namespace wirestate
