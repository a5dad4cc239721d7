#pragma once
#include "wirestate/api.hpp"

#include <string_view>

namespace wirestate {

// The reason phrase registered for a status code, or "Unknown".
WIRESTATE_API std::string_view reason_phrase(int status) noexcept;

}  // namespace wirestate

namespace wirestate {

// The complete response an adapter sends to a connection it will not serve
// (admission control, out of file descriptors): 503 with Retry-After: 5 and
// Connection: close. Static bytes; no connection object is needed.
WIRESTATE_API std::string_view overload_response() noexcept;

}  // namespace wirestate
