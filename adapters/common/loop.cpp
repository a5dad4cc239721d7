#include "wirestate/loop.hpp"

#include <chrono>

#include "loop_core.hpp"
#include "wirestate/sockets.hpp"

namespace wirestate {

Loop::~Loop() { backend_.release(); }

std::error_code Loop::serve(int listen_fd) {
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

void Loop::adopt(int fd) { adopt(fd, backend_.core.handler()); }

void Loop::adopt(int fd, Handler& handler) {
  backend_.core.timers().tick();
  backend_.core.accepted(fd, &handler);
  backend_.poke();
}

std::error_code Loop::connect(std::string_view address, std::uint16_t port, ClientSession& session) {
  std::error_code error;
  const int fd = connect_tcp(address, port, error);
  if (fd < 0) return error;
  adopt_client(fd, session);
  return {};
}

void Loop::adopt_client(int fd, ClientSession& session) {
  backend_.core.timers().tick();
  backend_.core.adopt_client(fd, session);
  backend_.poke();
}

void Loop::close_when_idle(ClientSession& session) {
  backend_.core.close_when_idle(session);
  backend_.poke();
}

void Loop::stop() noexcept {
  backend_.core.request_stop();
  backend_.notify();
}

bool Loop::finished() const noexcept { return backend_.finished(); }
LoopCounters Loop::counters() const { return backend_.core.counters(); }
Timers& Loop::timers() noexcept { return backend_.core.timers(); }

void PolledLoop::run() {
  while (backend_.turn(std::chrono::seconds(1))) {
  }
}

bool PolledLoop::run_once(Duration max_wait) { return backend_.turn(max_wait); }
int PolledLoop::fd() { return backend_.poll_fd(); }
Duration PolledLoop::timeout() const noexcept { return backend_.core.wait_bound(); }

}  // namespace wirestate
