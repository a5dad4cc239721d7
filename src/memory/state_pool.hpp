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
#include <cstddef>

namespace wirestate::detail {

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
  static void give(T* state) noexcept {
    Free& f = list();
    if (f.count >= max_free) return delete state;
    state->next = f.first;
    f.first = state;
    ++f.count;
  }

 private:
  // Out of line: the hot take() stays a few instructions.
  [[gnu::noinline]] static T* make() { return new T(); }

  struct Free {
    T* first = nullptr;
    std::size_t count = 0;
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
