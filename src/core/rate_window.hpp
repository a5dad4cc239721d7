#pragma once
// A minimum data rate, checked window by window (slowloris in its slow-body
// and slow-reader forms). A window runs only while the connection waits on
// the peer; when the wait ends, so does the window, so an application that
// is slow itself is never held against the peer.
//
// A wait can begin in a call that carries no time (next_write, or the app's
// read_body between adapter calls), where the connection's idea of now may
// be stale; the window then starts at the next call that brings the time.
#include <cstdint>
#include <optional>

#include "wirestate/time.hpp"

namespace wirestate::detail {

class RateWindow {
 public:
  // Called after every state change: `waiting` says whether the connection
  // now waits on the peer.
  void track(bool waiting) noexcept {
    armed_ = waiting;
    if (!waiting) start_.reset();
  }
  // A call brought the time: a wait that began without one starts here.
  void clock(Time now) noexcept {
    if (armed_ && !start_) start_ = now, bytes_ = 0;
  }
  void add(std::uint64_t n) noexcept {
    if (start_) bytes_ += n;
  }
  // When the running window ends, if one runs and a minimum is set.
  std::optional<Time> ends(Duration window, std::uint64_t min_per_sec) const noexcept {
    if (!start_ || min_per_sec == 0) return std::nullopt;
    return *start_ + window;
  }
  // At or after the window's end: whether fewer bytes came than the rate
  // asks for. A window that met it makes way for the next.
  bool too_slow(Time now, Duration window, std::uint64_t min_per_sec) noexcept {
    if (!start_ || min_per_sec == 0 || now < *start_ + window) return false;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(window).count();
    const std::uint64_t needed = min_per_sec * static_cast<std::uint64_t>(ms) / 1000;
    if (bytes_ < needed) return true;
    start_ = now;
    bytes_ = 0;
    return false;
  }

 private:
  bool armed_ = false;
  std::optional<Time> start_;
  std::uint64_t bytes_ = 0;
};

}  // namespace wirestate::detail
