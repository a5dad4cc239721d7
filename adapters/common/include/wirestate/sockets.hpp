#pragma once
// The sockets a loop is given, made the way the loops expect them:
// non-blocking and close-on-exec. Addresses are numeric ("127.0.0.1",
// "::1", "0.0.0.0"); resolving names is the embedder's.
#include "wirestate/cxx20.hpp"

#include <cstdint>
#include <string_view>
#include <system_error>

namespace wirestate {

// A TCP listener on address:port with SO_REUSEPORT, so that N loops on N
// threads each serve a listener of their own on one port and the kernel
// spreads connections between them: open one per loop (port 0: the first
// picks a free port, bound_port() says which, the others take it). The fd,
// or -1 with `error` set.
[[nodiscard]] int listen_tcp(std::string_view address, std::uint16_t port, std::error_code& error,
                             int backlog = 4096);
// A TCP socket connecting to address:port, with TCP_NODELAY; the connect
// completes in the background (a loop's adopt_client takes it as it is).
// The fd, or -1 with `error` set (EINVAL: not a numeric address).
[[nodiscard]] int connect_tcp(std::string_view address, std::uint16_t port, std::error_code& error);
// The port a socket is bound to.
[[nodiscard]] std::uint16_t bound_port(int fd);

}  // namespace wirestate
