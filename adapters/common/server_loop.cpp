#include "wirestate/server_loop.hpp"

#include <chrono>

#include "loop_core.hpp"

namespace wirestate {

ServerLoop::~ServerLoop() { backend_.release(); }

std::error_code ServerLoop::serve(int listen_fd) {
  if (listen_fd < 0) return std::make_error_code(std::errc::bad_file_descriptor);
  if (backend_.listen_fd >= 0) return std::make_error_code(std::errc::device_or_resource_busy);
  if (backend_.core.stopping()) return std::make_error_code(std::errc::operation_canceled);
  backend_.listen_fd = listen_fd;
  if (std::error_code error = backend_.listen()) {
    backend_.listen_fd = -1;
    return error;
  }
  return {};
}

void ServerLoop::adopt(int fd) {
  backend_.core.timers().tick();
  backend_.core.accepted(fd);
  backend_.poke();
}

void ServerLoop::stop() noexcept {
  backend_.core.request_stop();
  backend_.notify();
}

bool ServerLoop::finished() const noexcept { return backend_.finished(); }
LoopCounters ServerLoop::counters() const { return backend_.core.counters(); }
Timers& ServerLoop::timers() noexcept { return backend_.core.timers(); }

void PolledLoop::run() {
  while (backend_.turn(std::chrono::seconds(1))) {
  }
}

bool PolledLoop::run_once(Duration max_wait) { return backend_.turn(max_wait); }
int PolledLoop::fd() { return backend_.poll_fd(); }
Duration PolledLoop::timeout() const noexcept { return backend_.core.wait_bound(); }

}  // namespace wirestate
