#pragma once
// wirestate on epoll: a server loop for one thread, edge-triggered sockets,
// writev straight from the connections' iovecs.
//
// Run it on a thread of its own (run()), or drive it from a loop of yours:
// fd() is an epoll descriptor, readable when the loop has events; poll it
// with your own descriptors, for at most timeout(), and call run_once(0)
// when it is readable or the time is up. Everything but stop() happens on
// the thread that drives the loop. docs/adapters.md has the whole guide.
#include "wirestate/cxx20.hpp"

#include <memory>
#include <system_error>

#include "wirestate/loop.hpp"

namespace wirestate {

class EpollLoop {
 public:
  // Null, with `error` set, when the kernel gives no epoll or eventfd.
  [[nodiscard]] static std::unique_ptr<EpollLoop> create(LoopOptions options, std::error_code& error);
  // Closes every connection at once; stop() first to let them finish.
  ~EpollLoop();
  EpollLoop(const EpollLoop&) = delete;
  EpollLoop& operator=(const EpollLoop&) = delete;

  // Serve a listening, non-blocking socket (listen_tcp makes one), owned
  // from here and closed at stop(). One per loop: a second is refused with
  // EBUSY.
  [[nodiscard]] std::error_code serve(int listen_fd);
  // Serve a socket accepted elsewhere, owned from here; admitted as an
  // accepted one (the budget, the 503 once stopping).
  void adopt(int fd);

  // Serves until stop() and every connection finished (or the grace
  // period passed).
  void run();
  // One turn: waits at most `max_wait` for events, handles them and what is
  // due. False once stopped and finished.
  bool run_once(Duration max_wait);
  // For a driving loop: the descriptor to poll for readability, and the
  // longest it may sleep before calling run_once (0: call it now).
  [[nodiscard]] int fd() const noexcept;
  [[nodiscard]] Duration timeout() const noexcept;

  // Graceful stop, callable from any thread: stop accepting, finish what is
  // in flight within LoopOptions::grace, then run() returns.
  void stop() noexcept;
  [[nodiscard]] bool finished() const noexcept;

  [[nodiscard]] LoopCounters counters() const;
  [[nodiscard]] Timers& timers() noexcept;

  struct Impl;

 private:
  explicit EpollLoop(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wirestate
