#pragma once
// Exchange states kept for reuse by every connection of a thread (an event
// loop), so that a connection holds exchange state only while it has an
// exchange: an idle keep-alive connection holds none. States keep the
// capacity they grew (head storage, queues), so after warm-up taking and
// giving back allocate nothing. Past `max_free` kept states, one given back
// is freed, so a burst of connections does not pin its peak forever.
#include <cstddef>
#include <memory>
#include <vector>

namespace wirestate::detail {

template <class T>
class StatePool {
 public:
  static constexpr std::size_t max_free = 1024;

  static T* take() {
    std::vector<std::unique_ptr<T>>& free = list();
    if (free.empty()) return new T();
    T* state = free.back().release();
    free.pop_back();
    return state;
  }
  static void give(T* state) noexcept {
    std::vector<std::unique_ptr<T>>& free = list();
    if (free.size() >= max_free) return delete state;
    free.emplace_back(state);
  }

 private:
  static std::vector<std::unique_ptr<T>>& list() noexcept {
    thread_local std::vector<std::unique_ptr<T>> free;
    return free;
  }
};

}  // namespace wirestate::detail
