#pragma once
// The IMF-fixdate of RFC 9110 §5.6.7 ("Sun, 06 Nov 1994 08:49:37 GMT"),
// formatted from a time the caller supplies. An adapter keeps one per loop
// and calls set() when the second changes; connections read it via
// Config::date.
#include "wirestate/api.hpp"

#include <cstdint>
#include <string_view>

namespace wirestate {

class WIRESTATE_API HttpDate {
 public:
  static constexpr std::size_t size = 29;

  // Seconds since the Unix epoch, UTC.
  void set(std::int64_t unix_seconds);
  std::string_view view() const { return {text_, size}; }

 private:
  char text_[size] = {};
  std::int64_t seconds_ = -1;
};

}  // namespace wirestate
