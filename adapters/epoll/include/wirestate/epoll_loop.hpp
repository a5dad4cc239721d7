#pragma once
// wirestate on epoll: a server loop for one thread, edge-triggered sockets,
// writev straight from the connections' iovecs. fd() is its epoll
// descriptor. What it offers is PolledLoop's (loop.hpp);
// docs/adapters.md has the whole guide.
#include "wirestate/loop.hpp"

#include <memory>

namespace wirestate {

class EpollLoop final : public PolledLoop {
 public:
  // Null, with `error` set, when the kernel gives no epoll or eventfd.
  [[nodiscard]] static std::unique_ptr<EpollLoop> create(LoopOptions options, std::error_code& error);

 private:
  using PolledLoop::PolledLoop;
};

}  // namespace wirestate
