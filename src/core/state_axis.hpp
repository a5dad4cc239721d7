#pragma once
// One axis of a connection's or an exchange's state: an enum that changes
// only through to(), which checks each move against the axis's table of
// allowed moves (asserted in debug builds). A reader finds every way into a
// state in that table, beside the enum it belongs to; docs/internals.md
// draws its diagrams from the same tables, and a unit test compares them.
//
// A table is a specialization of Moves<E> with
//   static constexpr const char* names[];  // every state, in the enum's order
//   static constexpr std::string_view moves;  // "from>to from>to ...": every move allowed
// Staying in a state is not a move, and always allowed. The moves are text
// so that the table and its drawing in docs/internals.md are the same line.
#include <cassert>
#include <cstddef>
#include <string_view>

namespace wirestate::detail {

template <class E>
struct Moves;

// Whether "from>to" is one of the space-separated `moves`.
constexpr bool listed(std::string_view moves, std::string_view from, std::string_view to) noexcept {
  while (!moves.empty()) {
    const std::size_t end = moves.find(' ');
    const std::string_view move = moves.substr(0, end);
    const std::size_t arrow = move.find('>');
    if (move.substr(0, arrow) == from && move.substr(arrow + 1) == to) return true;
    if (end == std::string_view::npos) break;
    moves.remove_prefix(end + 1);
  }
  return false;
}

template <class E>
constexpr bool allowed(E from, E to) noexcept {
  return listed(Moves<E>::moves, Moves<E>::names[static_cast<std::size_t>(from)],
                Moves<E>::names[static_cast<std::size_t>(to)]);
}

template <class E>
class Axis {
 public:
  // Implicit, so that a field reads `Axis<In> in = In::head;`.
  constexpr Axis(E initial) noexcept : value_(initial) {}
  Axis& operator=(E) = delete;  // every move goes through to()

  constexpr operator E() const noexcept { return value_; }

  void to(E next) noexcept {
    assert((next == value_ || allowed(value_, next)) && "a move the axis's table does not allow");
    value_ = next;
  }
  // A state lent for a new exchange starts over, from wherever the last one
  // left it (the role's reset()).
  void restart(E initial) noexcept { value_ = initial; }

 private:
  E value_;
};

}  // namespace wirestate::detail
