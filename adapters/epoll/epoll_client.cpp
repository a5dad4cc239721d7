#include "epoll_client.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace wirestate::adapters {
namespace {

int wait_ms(Time now, std::optional<Time> deadline) {
  if (!deadline) return 1000;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*deadline - now).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, 1000));
}

}  // namespace

EpollClient::EpollClient(int fd, const Config& config)
    : fd_(fd), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), io_{fd}, http_(config, clock_now()) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd_, &ev);
}

EpollClient::~EpollClient() {
  close(epoll_fd_);
  close(fd_);
}

bool EpollClient::run_until(const std::function<bool()>& done, std::string& error) {
  for (;;) {
    if (!service(error)) return false;
    if (done() || http_.is_closed()) return true;
    // done() may have queued requests: they go out before the wait.
    if (!service(error)) return false;
    epoll_event ev{};
    const int n = epoll_wait(epoll_fd_, &ev, 1, wait_ms(clock_now(), http_.deadline()));
    if (n == 1) {
      if (ev.events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) io_.readable = true;
      if (ev.events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) io_.hangup = true;
      if (ev.events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) io_.writable = true;
    }
    const Time now = clock_now();
    if (auto t = http_.deadline(); t && *t <= now) http_.on_deadline(now);
  }
}

// One pass over both directions until neither moves, with the server
// loop's steps.
bool EpollClient::service(std::string& error) {
  for (bool progress = true; progress;) {
    const Time now = clock_now();
    const StepResult read = read_step(http_, io_, now);
    if (read.error) {
      error = std::string("read failed: ") + std::strerror(read.error);
      return false;
    }
    bool close = false;  // the client reads on until the caller is done
    const StepResult wrote = write_step(http_, io_, now, close);
    if (wrote.error) {
      error = std::string("write failed: ") + std::strerror(wrote.error);
      return false;
    }
    progress = read.progress || wrote.progress;
  }
  return true;
}

}  // namespace wirestate::adapters
