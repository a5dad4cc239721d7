#pragma once
// The epoll binding of the client role: one socket, one ClientConnection,
// driven until the caller's condition holds. Like the server loop it moves
// bytes and time and nothing else.
#include <functional>
#include <memory>
#include <string>

#include "socket_steps.hpp"
#include "wirestate/wirestate.hpp"

namespace wirestate::adapters {

class EpollClient {
 public:
  // Resolves and connects (non-blocking, bounded by `timeout`). Null and
  // `error` set on failure.
  static std::unique_ptr<EpollClient> connect(const std::string& host, std::uint16_t port,
                                              const Config& config, Duration timeout,
                                              std::string& error);
  ~EpollClient();

  ClientConnection& http() { return http_; }
  // Drives the connection until `done()` or until it closes. False, with
  // `error` set, if the socket failed.
  bool run_until(const std::function<bool()>& done, std::string& error);

 private:
  EpollClient(int fd, const Config& config, Time now);
  bool service(std::string& error);

  int fd_;
  int epoll_fd_;
  SocketReadiness io_;
  ClientConnection http_;
};

}  // namespace wirestate::adapters
