#pragma once
// wirestate on io_uring: a server loop for one thread with a ring of its
// own: a multishot accept, readiness-then-recv reads, linked writes, and one
// submit-and-wait per turn. fd() is an eventfd registered with the ring.
// The ring takes as its one submitter the thread of the first run() or
// run_once(). What it offers is PolledLoop's (loop.hpp);
// docs/adapters.md has the whole guide.
#include "wirestate/loop.hpp"

#include <memory>
#include <string>

namespace wirestate {

class UringLoop final : public PolledLoop {
 public:
  // Null, with `error` set, when this process may not have a ring (see
  // unavailable()) or the kernel lacks what the loop needs (Linux 6.1).
  // `ring_entries`: submissions a turn queues before the ring submits on
  // its own; its pages count in the process's memory.
  [[nodiscard]] static std::unique_ptr<UringLoop> create(LoopOptions options, std::error_code& error,
                                                         unsigned ring_entries = 1024);
  // One line naming why create() failed with `error`, from what the machine
  // says (kernel.io_uring_disabled, a seccomp filter, RLIMIT_MEMLOCK, ...).
  [[nodiscard]] static std::string unavailable(std::error_code error);

 private:
  using PolledLoop::PolledLoop;
};

}  // namespace wirestate
