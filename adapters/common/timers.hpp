#pragma once
// What the sample application needs of a loop's timers; each adapter
// implements it on its own loop.
#include <cstdint>

#include "wirestate/time.hpp"

namespace wirestate::adapters {

class Timers {
 public:
  using Callback = void (*)(void* context);
  using Token = std::uint64_t;  // 0: none
  virtual ~Timers() = default;
  virtual Time now() const = 0;
  virtual Token start(Duration after, Callback callback, void* context) = 0;
  virtual void cancel(Token token) = 0;
};

}  // namespace wirestate::adapters
