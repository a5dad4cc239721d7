#pragma once
// The epoll binding of the client role: one socket, one ClientConnection,
// driven until the caller's condition holds. Like the server loop it moves
// bytes and time and nothing else.
#include "../common/client_loop.hpp"
#include "socket_steps.hpp"

namespace wirestate::adapters {

class EpollClient final : public ClientLoop {
 public:
  // `fd`: a connected socket (connect_socket), owned from here.
  EpollClient(int fd, const Config& config);
  ~EpollClient() override;

  ClientConnection& http() override { return http_; }
  bool run_until(const std::function<bool()>& done, std::string& error) override;

 private:
  bool service(std::string& error);

  int fd_;
  int epoll_fd_;
  SocketReadiness io_;
  ClientConnection http_;
};

}  // namespace wirestate::adapters
