#pragma once
// Time as the core sees it: values handed in by the caller, never read from a
// clock. The adapter reads its monotonic clock and passes `now` into every call
// that changes state; tests and fuzzers pick any values they like, as long as
// they never go backwards.
#include "wirestate/cxx20.hpp"

#include <chrono>

namespace wirestate {

using Duration = std::chrono::nanoseconds;
// A point on the caller's monotonic clock. Only differences are meaningful.
using Time = std::chrono::time_point<std::chrono::steady_clock, Duration>;

}  // namespace wirestate
