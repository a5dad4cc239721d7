#pragma once
// A client connection on one event loop: what wirestate-fetch drives, the
// same for every loop (--loop epoll|uring|uv).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "loop_timers.hpp"
#include "wirestate/wirestate.hpp"

namespace wirestate::adapters {

class ClientLoop {
 public:
  virtual ~ClientLoop() = default;
  virtual ClientConnection& http() = 0;
  // Drives the connection until `done()` or until it closes. False, with
  // `error` set, if the socket failed.
  virtual bool run_until(const std::function<bool()>& done, std::string& error) = 0;
};

// Resolves and connects a non-blocking TCP socket with TCP_NODELAY, waiting
// at most `timeout`. The fd, or -1 with `error` set.
int connect_socket(const std::string& host, std::uint16_t port, Duration timeout, std::string& error);

}  // namespace wirestate::adapters
