#pragma once
// A connection's timers as data: the (due, action) pairs its state calls
// for, in priority order. deadline() is their minimum and on_deadline()
// runs the ones that are due, both from the same list, so the time the
// adapter is told and the work done at that time cannot disagree. Built
// fresh from the state at each call: the state is the truth, the list a view
// of it, and nothing has to be cancelled when the state moves on.
#include <array>
#include <cstddef>
#include <optional>

#include "wirestate/time.hpp"

namespace wirestate::detail {

template <class Action, std::size_t Capacity>
class DeadlineList {
 public:
  struct Entry {
    Time due;
    Action action;
  };

  void add(Time due, Action action) noexcept {
    if (size_ < Capacity) entries_[size_++] = {due, action};
  }
  void add(std::optional<Time> due, Action action) noexcept {
    if (due) add(*due, action);
  }

  std::optional<Time> earliest() const noexcept {
    std::optional<Time> t;
    for (std::size_t i = 0; i < size_; ++i)
      if (!t || entries_[i].due < *t) t = entries_[i].due;
    return t;
  }

  // Runs `fire(action)` for the entries due by `now`, in priority order,
  // until one returns true (it changed the connection's state, so what the
  // list says of the rest no longer holds).
  template <class Fire>
  void run_due(Time now, Fire&& fire) const {
    for (std::size_t i = 0; i < size_; ++i)
      if (entries_[i].due <= now && fire(entries_[i].action)) return;
  }

  std::size_t size() const noexcept { return size_; }
  const Entry& operator[](std::size_t i) const noexcept { return entries_[i]; }

 private:
  std::array<Entry, Capacity> entries_{};
  std::size_t size_ = 0;
};

}  // namespace wirestate::detail
