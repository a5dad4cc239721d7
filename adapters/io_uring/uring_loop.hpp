#pragma once
// The io_uring binding: one ring and one loop per thread, a multishot accept
// on each loop's SO_REUSEPORT listener, readiness-then-recv reads and
// linked writes (uring_steps.hpp), one timer heap whose earliest entry
// bounds each turn's single submit-and-wait. It moves bytes and time between
// the kernel and wirestate::ServerConnection, and nothing else; the
// application is whatever Handler the factory makes.
#include <liburing.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "../common/server_main.hpp"
#include "../common/loop_timers.hpp"
#include "uring_steps.hpp"
#include "wirestate/wirestate.hpp"

namespace wirestate::adapters {

class UringLoop final : public EventLoop {
 public:
  // `ring` is open (open_ring); the loop owns it from here.
  UringLoop(ServerShared& shared, int listen_fd, const AppFactory& make_app, const io_uring& ring);
  ~UringLoop() override;
  void run() override;
  void stop() override;

 private:
  struct Connection;

  void arm_accept();
  void accepted(const io_uring_cqe& cqe);
  void admit(int fd);
  void reject(int fd);
  void arm_wake();
  void complete(const io_uring_cqe& cqe);
  void service(Connection& c);
  void schedule(Connection& c);
  void arm_deadline(Connection& c);
  void begin_linger(Connection& c);
  void finish(Connection& c);
  void destroy(Connection& c);
  void begin_stop();
  static void on_deadline(void* context);
  static void on_linger_timeout(void* context);
  static void on_grace_timeout(void* context);
  int wait();
  void drain();

  ServerShared& shared_;
  LoopTimers timers_;  // the application's Timers too
  const Duration busy_poll_;
  io_uring ring_;
  int listen_fd_ = -1;
  bool accept_armed_ = false;
  bool wake_armed_ = false;
  bool multishot_accept_ = true;  // else one accept at a time (kernels before 5.19)
  int wake_fd_ = -1;              // eventfd: stop() from another thread
  std::uint64_t wake_count_ = 0;  // the wake read's buffer
  int reserve_fd_ = -1;           // closed to accept one connection when out of fds
  std::atomic<bool> stop_requested_{false};
  bool stopping_ = false;
  bool grace_over_ = false;
  FreeListPool buffers_;  // idle connections give their buffers back here
  // Shared by every connection of the loop (each co-owns it).
  std::shared_ptr<Config> config_ = std::make_shared<Config>();
  std::unique_ptr<Handler> app_;
  char discard_[16384];                    // what lingering connections read, unread
  // Each recv in flight holds a read buffer lent from the pool, and the pool
  // keeps what it lent at the busiest moment. Four at a time keep the loop
  // as lean as epoll's one-at-a-time (10,000 connections arriving at once:
  // 538 bytes each against 574 with no cap) and, with fewer buffers
  // touched, cost less CPU under pipelined load.
  static constexpr unsigned max_recvs_in_flight = 4;
  unsigned recvs_in_flight_ = 0;
  std::vector<Connection*> waiting_;  // readable, waiting for a recv slot
  std::vector<Connection*> ready_;        // woken by their application or a completion
  std::vector<Connection*> connections_;  // every open one, for stop()
};

}  // namespace wirestate::adapters
