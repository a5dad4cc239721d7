#include "loop_timers.hpp"

#include <ctime>

namespace wirestate::adapters {

Timers::Token LoopTimers::start(Duration after, Callback callback, void* context) {
  const TimerHeap::Id id = heap_.start(now_ + after, callback, context);
  return (std::uint64_t{id.slot} << 32 | id.generation) + 1;
}

void LoopTimers::cancel(Token token) {
  if (token == 0) return;
  --token;
  TimerHeap::Id id{static_cast<std::uint32_t>(token >> 32), static_cast<std::uint32_t>(token)};
  heap_.cancel(id);
}

Time clock_now() { return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now()); }

void LoopTimers::tick() {
  now_ = clock_();
  date_.set(static_cast<std::int64_t>(std::time(nullptr)));
}

}  // namespace wirestate::adapters
