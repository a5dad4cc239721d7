#include "timer_heap.hpp"

#include <algorithm>

namespace wirestate::adapters {
namespace {
struct Later {
  template <class E>
  bool operator()(const E& a, const E& b) const { return a.when > b.when; }
};
}  // namespace

TimerHeap::Id TimerHeap::start(Time when, Callback callback, void* context) {
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.callback = callback;
  s.context = context;
  heap_.push_back({when, slot, s.generation});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  return {slot, s.generation};
}

void TimerHeap::cancel(Id& id) {
  if (!id.valid()) return;
  Slot& s = slots_[id.slot];
  if (s.generation == id.generation && s.callback) {
    // The heap entry keeps the slot until it surfaces; bumping the generation
    // makes it stale.
    ++s.generation;
    s.callback = nullptr;
  }
  id = {};
}

std::optional<Time> TimerHeap::next() const {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().when;
}

void TimerHeap::run_due(Time now) {
  while (!heap_.empty() && heap_.front().when <= now) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    const Entry e = heap_.back();
    heap_.pop_back();
    Slot& s = slots_[e.slot];
    const bool live = s.generation == e.generation && s.callback;
    const Callback cb = s.callback;
    void* ctx = s.context;
    if (s.generation == e.generation) ++s.generation;
    s.callback = nullptr;
    free_.push_back(e.slot);
    if (live) cb(ctx);
  }
}

}  // namespace wirestate::adapters
