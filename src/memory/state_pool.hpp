#pragma once
// Exchange states kept for reuse by every connection of a thread (an event
// loop), so that a connection holds exchange state only while it has an
// exchange: an idle keep-alive connection holds none. States keep the
// capacity they grew (head storage, queues), so after warm-up taking and
// giving back allocate nothing. Past `max_free` kept states, one given back
// is freed, so a burst of connections does not pin its peak forever.
//
// Free states are linked through their own `next` member, the one a
// connection's ExchangeList uses: a state is in one list or the other. Taking
// and giving back are a few instructions, with nothing to grow.
//
// A state the application can hold a handle to (Exchange, ClientExchange)
// has a `slot`: the handle names the slot and the generation it saw, and
// giving the state back starts the slot's next generation, so every handle
// to the exchange that ended stops working there, in one place. Slots
// outlive the states they served (a freed state's slot is reused by the next
// state made), so a stale handle reads only its slot, never freed memory;
// they cost 24 bytes for each state alive at the thread's busiest moment.
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "wirestate/exchange_handle.hpp"

namespace wirestate::detail {

template <class T>
concept HasHandles = requires(T& t) {
  { t.slot } -> std::same_as<Slot<T>*&>;
};

template <class T>
class StatePool {
 public:
  static constexpr std::size_t max_free = 1024;

  static T* take() {
    Free& f = list();
    T* state = f.first;
    if (!state) return make();
    f.first = state->next;
    state->next = nullptr;
    --f.count;
    return state;
  }
  // The exchange `state` served is over: its handles go stale here.
  static void give(T* state) noexcept {
    Free& f = list();
    if constexpr (HasHandles<T>) ++state->slot->generation;
    if (f.count >= max_free) {
      if constexpr (HasHandles<T>) f.unbind(state->slot);
      return delete state;
    }
    state->next = f.first;
    f.first = state;
    ++f.count;
  }

 private:
  // Out of line: the hot take() stays a few instructions.
  [[gnu::noinline]] static T* make() {
    T* state = new T();
    if constexpr (HasHandles<T>) state->slot = list().bind(state);
    return state;
  }

  struct Free {
    T* first = nullptr;
    std::size_t count = 0;
    // A deque never moves what it holds, so handles may point into it.
    std::deque<Slot<T>> slots;
    Slot<T>* free_slots = nullptr;

    Slot<T>* bind(T* state) {
      Slot<T>* s = free_slots;
      if (s) {
        free_slots = s->next_free;
      } else {
        s = &slots.emplace_back();
      }
      s->state = state;
      s->next_free = nullptr;
      return s;
    }
    void unbind(Slot<T>* s) noexcept {
      s->state = nullptr;
      s->next_free = free_slots;
      free_slots = s;
    }
    ~Free() {
      while (T* s = first) {
        first = s->next;
        delete s;
      }
    }
  };
  static Free& list() noexcept {
    thread_local Free free;
    return free;
  }
};

}  // namespace wirestate::detail
