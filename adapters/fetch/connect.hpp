#pragma once
// wirestate-fetch's own connect: names resolved, as the loops leave to
// their embedder, and the connect waited for, so that a refusal is said as
// one ("cannot connect to HOST:PORT: ...") before a loop takes the socket.
#include <cstdint>
#include <string>

#include "wirestate/time.hpp"

namespace wirestate::fetch {

// Resolves and connects a non-blocking TCP socket with TCP_NODELAY, waiting
// at most `timeout`. The fd, or -1 with `error` set.
int connect_socket(const std::string& host, std::uint16_t port, Duration timeout, std::string& error);

}  // namespace wirestate::fetch
