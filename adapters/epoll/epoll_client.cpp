#include "epoll_client.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace wirestate::adapters {
namespace {

Time clock_now() { return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now()); }

int wait_ms(Time now, std::optional<Time> deadline) {
  if (!deadline) return 1000;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*deadline - now).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, 1000));
}

}  // namespace

std::unique_ptr<EpollClient> EpollClient::connect(const std::string& host, std::uint16_t port,
                                                  const Config& config, Duration timeout,
                                                  std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return nullptr;
  }
  int fd = -1;
  for (addrinfo* a = found; a; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) {
    error = "cannot connect to " + host + ":" + std::to_string(port) + ": " + std::strerror(errno);
    return nullptr;
  }
  // Wait for the connection to complete, then ask how it went.
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLOUT;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  const int ready = epoll_wait(ep, &ev, 1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(timeout).count()));
  close(ep);
  int so_error = 0;
  socklen_t len = sizeof so_error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
  if (ready != 1 || so_error != 0) {
    error = "cannot connect to " + host + ":" + std::to_string(port) + ": " +
            (ready != 1 ? "timed out" : std::strerror(so_error));
    close(fd);
    return nullptr;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return std::unique_ptr<EpollClient>(new EpollClient(fd, config, clock_now()));
}

EpollClient::EpollClient(int fd, const Config& config, Time now)
    : fd_(fd), epoll_fd_(epoll_create1(EPOLL_CLOEXEC)), io_{fd}, http_(config, now) {
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
