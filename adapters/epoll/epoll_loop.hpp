#pragma once
// The epoll binding: one loop per thread, edge-triggered sockets, one timer
// heap, writev straight from the connection's iovecs. It moves bytes and time
// between the kernel and wirestate::ServerConnection, and nothing else; the
// application is whatever Handler the factory makes.
#include <atomic>
#include <memory>
#include <vector>

#include "../common/server_main.hpp"
#include "../common/loop_timers.hpp"
#include "wirestate/wirestate.hpp"

struct epoll_event;
struct sockaddr_storage;

namespace wirestate::adapters {

class EpollLoop final : public EventLoop {
 public:
  EpollLoop(ServerShared& shared, int listen_fd, const AppFactory& make_app);
  ~EpollLoop() override;
  void run() override;
  void stop() override;

 private:
  struct Connection;

  void accept_all();
  void reject(int fd);
  void service(Connection& c);
  void schedule(Connection& c);
  void arm_deadline(Connection& c);
  void begin_linger(Connection& c);
  void destroy(Connection& c);
  void begin_stop();
  static void on_deadline(void* context);
  static void on_linger_timeout(void* context);
  static void on_grace_timeout(void* context);
  int sleep_ms() const;
  int wait(std::vector<epoll_event>& events);

  ServerShared& shared_;
  LoopTimers timers_;  // the application's Timers too
  const Duration busy_poll_;
  int epoll_fd_ = -1;
  int listen_fd_ = -1;
  int wake_fd_ = -1;        // eventfd: stop() from another thread
  int reserve_fd_ = -1;     // closed to accept one connection when out of fds
  std::atomic<bool> stop_requested_{false};
  bool stopping_ = false;
  bool grace_over_ = false;
  FreeListPool buffers_;  // idle connections give their buffers back here
  // Shared by every connection of the loop (each co-owns it).
  std::shared_ptr<Config> config_ = std::make_shared<Config>();
  std::unique_ptr<Handler> app_;
  std::vector<Connection*> ready_;      // woken by their application
  std::vector<Connection*> connections_;  // every open one, for stop()
};

}  // namespace wirestate::adapters
