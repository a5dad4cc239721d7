#pragma once
// What every sample server's loop keeps of time: the monotonic clock read
// once per turn, the Date header, and one timer heap that serves both the
// application's Timers and each connection's deadline.
#include <chrono>
#include <optional>

#include "timer_heap.hpp"
#include "wirestate/loop_options.hpp"
#include "wirestate/http_date.hpp"

namespace wirestate::adapters {

// The monotonic clock every loop gives its connections.
Time clock_now();

class LoopTimers final : public Timers {
 public:
  using Clock = Time (*)();
  // `clock`: the monotonic clock, or a test's.
  explicit LoopTimers(Clock clock = &clock_now) : clock_(clock) { tick(); }

  Time now() const override { return now_; }
  Token start(Duration after, Callback callback, void* context) override;
  void cancel(Token token) override;

  // Reads the clock, and moves the Date on when the second changes.
  void tick();
  const HttpDate& date() const { return date_; }
  TimerHeap& heap() { return heap_; }
  std::optional<Time> next() const { return heap_.next(); }

 private:
  Clock clock_;
  Time now_{};
  HttpDate date_;
  TimerHeap heap_;
};

// A connection's entry for its deadline. The heap keeps one live entry per
// connection: a deadline that moves later is left alone and re-checked when
// the entry fires; only an earlier one replaces it. Per-request re-arming
// would fill the heap with dead entries.
struct DeadlineEntry {
  TimerHeap::Id id;
  std::optional<Time> armed;  // when `id` fires

  // `fire(context)` runs when the entry is due; it calls fired().
  void arm(TimerHeap& heap, std::optional<Time> due, TimerHeap::Callback fire, void* context) {
    if (!due || (armed && *armed <= *due)) return;
    heap.cancel(id);
    armed = due;
    id = heap.start(*due, fire, context);
  }
  // The entry fired: the connection is told if its deadline really passed.
  template <class Connection>
  void fired(Connection& http, Time now) {
    id = {};
    armed.reset();
    const std::optional<Time> due = http.deadline();
    if (due && *due <= now) http.on_deadline(now);
  }
  void cancel(TimerHeap& heap) {
    heap.cancel(id);
    armed.reset();
  }
};

}  // namespace wirestate::adapters
