#pragma once
// One timer structure per event loop: a binary min-heap, O(log n) to start and
// to fire, O(1) to cancel. Cancelled entries stay in the heap until their time
// comes and are skipped then, so callers that move a deadline often should
// re-arm lazily (see the epoll adapter's connection deadline).
#include <cstdint>
#include <optional>
#include <vector>

#include "wirestate/time.hpp"

namespace wirestate::adapters {

class TimerHeap {
 public:
  using Callback = void (*)(void* context);
  struct Id {
    std::uint32_t slot = UINT32_MAX;
    std::uint32_t generation = 0;
    bool valid() const { return slot != UINT32_MAX; }
  };

  Id start(Time when, Callback callback, void* context);
  // Safe on an Id that already fired or was cancelled.
  void cancel(Id& id);
  // The earliest time something may be due.
  std::optional<Time> next() const;
  // Runs every callback due at `now`; a callback may start or cancel timers.
  void run_due(Time now);
  std::size_t pending() const { return heap_.size(); }

 private:
  struct Entry {
    Time when;
    std::uint32_t slot, generation;
  };
  struct Slot {
    std::uint32_t generation = 0;
    Callback callback = nullptr;
    void* context = nullptr;
  };
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
};

}  // namespace wirestate::adapters
