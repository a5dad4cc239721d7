#pragma once
// The io_uring binding of the client role: one socket, one ClientConnection
// and one ring, with the server loop's steps (uring_steps.hpp).
#include <liburing.h>

#include "../common/client_loop.hpp"
#include "uring_steps.hpp"

namespace wirestate::adapters {

class UringClient final : public ClientLoop {
 public:
  // `fd`: a connected socket (connect_socket); `ring`: open (open_ring).
  // Both are owned from here; the ring is started on this thread.
  UringClient(int fd, const Config& config, const io_uring& ring);
  ~UringClient() override;

  ClientConnection& http() override { return http_; }
  bool run_until(const std::function<bool()>& done, std::string& error) override;

 private:
  void service();
  void reap(Time now);

  io_uring ring_;
  UringSocket io_;
  ClientConnection http_;
  int failure_ = 0;  // errno of a failed socket
};

}  // namespace wirestate::adapters
