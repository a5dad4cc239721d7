#pragma once
// wirestate on io_uring: a server loop for one thread with a ring of its
// own: a multishot accept, readiness-then-recv reads, linked writes, and one
// submit-and-wait per turn.
//
// Run it on a thread of its own (run()), or drive it from a loop of yours:
// fd() is an eventfd registered with the ring, readable when completions
// arrive; poll it with your own descriptors, for at most timeout(), and call
// run_once(0) when it is readable or the time is up. The ring takes as its
// one submitter the thread of the first run() or run_once(); everything but
// stop() happens on that thread. docs/adapters.md has the whole guide.
#include "wirestate/cxx20.hpp"

#include <memory>
#include <string>
#include <system_error>

#include "wirestate/loop.hpp"

namespace wirestate {

class UringLoop {
 public:
  // Null, with `error` set, when this process may not have a ring (see
  // unavailable()), or the kernel lacks what the loop needs (Linux 6.1).
  // `ring_entries`: submissions a turn queues before the ring submits on
  // its own; its pages count in the process's memory.
  [[nodiscard]] static std::unique_ptr<UringLoop> create(LoopOptions options, std::error_code& error,
                                                         unsigned ring_entries = 1024);
  // One line naming why create() failed with `error`, from what the machine
  // says (kernel.io_uring_disabled, a seccomp filter, RLIMIT_MEMLOCK, ...).
  [[nodiscard]] static std::string unavailable(std::error_code error);
  // Cancels what is in flight and waits (at most a second) for the kernel
  // to let go of it; stop() first to let connections finish.
  ~UringLoop();
  UringLoop(const UringLoop&) = delete;
  UringLoop& operator=(const UringLoop&) = delete;

  // As EpollLoop's (epoll_loop.hpp).
  [[nodiscard]] std::error_code serve(int listen_fd);
  void adopt(int fd);
  void run();
  bool run_once(Duration max_wait);
  [[nodiscard]] int fd();
  [[nodiscard]] Duration timeout() const noexcept;
  void stop() noexcept;
  [[nodiscard]] bool finished() const noexcept;
  [[nodiscard]] LoopCounters counters() const;
  [[nodiscard]] Timers& timers() noexcept;

  struct Impl;

 private:
  explicit UringLoop(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wirestate
