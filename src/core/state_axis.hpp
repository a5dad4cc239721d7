#pragma once
// One axis of a connection's or an exchange's state: an enum that changes
// only through to(), which checks each move against the axis's table of
// allowed moves (asserted in debug builds). A reader finds every way into a
// state in that table, beside the enum it belongs to; docs/internals.md
// draws its diagrams from the same tables, and a unit test compares them.
//
// A table is a specialization of Moves<E> with
//   static constexpr const char* names[];      // every state, in the enum's order
//   static constexpr bool allowed(E from, E to);
// Staying in a state is not a move, and always allowed.
#include <cassert>

namespace wirestate::detail {

template <class E>
struct Moves;

template <class E>
class Axis {
 public:
  constexpr Axis(E initial) noexcept : value_(initial) {}  // NOLINT: a field's initializer
  Axis& operator=(E) = delete;  // every move goes through to()

  constexpr operator E() const noexcept { return value_; }

  void to(E next) noexcept {
    assert((next == value_ || Moves<E>::allowed(value_, next)) && "a move the axis's table does not allow");
    value_ = next;
  }
  // A state lent for a new exchange starts over, from wherever the last one
  // left it (the role's reset()).
  void restart(E initial) noexcept { value_ = initial; }

 private:
  E value_;
};

}  // namespace wirestate::detail
