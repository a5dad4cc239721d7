#pragma once
// What Exchange and ClientExchange have in common: each is a handle, a small
// value naming the connection's state for one exchange and the generation it
// saw. The connection moves a state's slot to its next generation when the
// exchange ends, so every copy of a handle to it knows it is stale, however
// the thread's pool reuses or frees the state underneath.
#include "wirestate/api.hpp"

#include <cstdint>

namespace wirestate {

namespace detail {
// The thread's pool owns slots (src/memory/state_pool.hpp); a slot outlives
// the states it serves, so a stale handle reads only its slot.
template <class State>
struct Slot {
  State* state = nullptr;
  std::uint64_t generation = 0;  // the exchange's; only ever grows
  Slot* next_free = nullptr;
};
}  // namespace detail

template <class State>
class ExchangeHandle {
 public:
  // The exchange has ended (on_exchange_end returned), or this handle never
  // named one: every call returns Error::exchange_ended and touches nothing.
  [[nodiscard]] bool ended() const noexcept { return live() == nullptr; }
  // Two handles to the same exchange (or both to none) compare equal.
  friend bool operator==(const ExchangeHandle&, const ExchangeHandle&) noexcept = default;
  // Keep a copy: the reference a callback gets names the exchange of that
  // callback, and its address would outlive it.
  ExchangeHandle* operator&() = delete;
  const ExchangeHandle* operator&() const = delete;

 protected:
  ExchangeHandle() noexcept = default;
  explicit ExchangeHandle(detail::Slot<State>& slot) noexcept : slot_(&slot), generation_(slot.generation) {}
  State* live() const noexcept { return slot_ && slot_->generation == generation_ ? slot_->state : nullptr; }

 private:
  detail::Slot<State>* slot_ = nullptr;
  std::uint64_t generation_ = 0;
};

}  // namespace wirestate
