#include "epoll_loop.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>

#include "socket_steps.hpp"

namespace wirestate::adapters {

// IoVec is declared with iovec's layout so the iovecs go to the kernel as
// they are.
static_assert(sizeof(IoVec) == sizeof(iovec) && offsetof(IoVec, base) == offsetof(iovec, iov_base) &&
              offsetof(IoVec, len) == offsetof(iovec, iov_len));

namespace {
constexpr auto linger_period = std::chrono::seconds(2);
// Service a busy connection at most this many read/write rounds before the
// others get a turn.
constexpr int rounds_per_turn = 16;
}  // namespace

struct EpollLoop::Connection final : Waker {
  Connection(EpollLoop& l, int socket)
      : loop(l), fd(socket), http(l.config_, *l.app_, l.timers_.now()), io{socket} {
    http.set_waker(this);
  }
  void wake() noexcept override { loop.schedule(*this); }

  EpollLoop& loop;
  int fd;
  std::unique_ptr<PeerInfo> peer;  // for the access log, if there is one
  ServerConnection http;
  SocketReadiness io;  // its readiness, for the read and write steps
  bool scheduled = false;
  bool lingering = false;
  DeadlineEntry deadline;
  TimerHeap::Id linger_timer;
};

EpollLoop::EpollLoop(ServerShared& shared, int listen_fd, const AppFactory& make_app)
    : shared_(shared),
      busy_poll_(shared.options.busy_poll),
      listen_fd_(listen_fd),
      app_(make_app(timers_, shared)) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // the listener
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev.data.ptr = this;  // the wake fd
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  config_->date = &timers_.date();
  config_->buffers = &buffers_;
  timers_.tick();
}

EpollLoop::~EpollLoop() {
  while (!connections_.empty()) destroy(*connections_.back());
  if (listen_fd_ >= 0) close(listen_fd_);
  close(wake_fd_);
  close(epoll_fd_);
  if (reserve_fd_ >= 0) close(reserve_fd_);
}

void EpollLoop::stop() {
  stop_requested_.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
}

int EpollLoop::sleep_ms() const {
  if (!ready_.empty()) return 0;
  if (auto next = timers_.next()) {
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - timers_.now()).count();
    return static_cast<int>(std::clamp<long long>(wait, 0, 1000));
  }
  return 1000;  // the Date header still moves on
}

int EpollLoop::wait(std::vector<epoll_event>& events) {
  const int capacity = static_cast<int>(events.size());
  int timeout_ms = sleep_ms();
  if (timeout_ms != 0 && busy_poll_.count() > 0) {
    // --busy-poll-us: a peer that writes to a sleeping loop pays for waking
    // it (on loopback, in its own system time), so under steady load the
    // loop first looks again without sleeping, never past its next timer.
    auto until = std::chrono::steady_clock::now() + busy_poll_;
    if (auto next = timers_.next()) until = std::min(until, *next);
    do {
      if (const int n = epoll_wait(epoll_fd_, events.data(), capacity, 0); n != 0) return n;
    } while (std::chrono::steady_clock::now() < until);
    timers_.tick();
    timeout_ms = sleep_ms();
  }
  return epoll_wait(epoll_fd_, events.data(), capacity, timeout_ms);
}

void EpollLoop::run() {
  std::vector<epoll_event> events(256);
  while (!(stopping_ && (connections_.empty() || grace_over_))) {
    const int n = wait(events);
    timers_.tick();
    for (int i = 0; i < n; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == nullptr) {
        accept_all();
      } else if (tag == this) {
        std::uint64_t count;
        [[maybe_unused]] auto r = read(wake_fd_, &count, sizeof count);
      } else {
        Connection& c = *static_cast<Connection*>(tag);
        if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c.io.readable = true;
        if (events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c.io.hangup = true;
        if (events[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) c.io.writable = true;
        schedule(c);
      }
    }
    if (stop_requested_.load() && !stopping_) begin_stop();
    timers_.heap().run_due(timers_.now());
    // Connections woken while serving others are served in this same pass.
    for (std::size_t i = 0; i < ready_.size(); ++i) {
      Connection* c = ready_[i];
      if (!c) continue;  // destroyed after it was scheduled
      c->scheduled = false;
      service(*c);
    }
    ready_.clear();
  }
}

void EpollLoop::schedule(Connection& c) {
  if (c.scheduled) return;
  c.scheduled = true;
  ready_.push_back(&c);
}

void EpollLoop::accept_all() {
  for (int accepted = 0; accepted < 256; ++accepted) {
    sockaddr_storage address{};
    socklen_t address_size = sizeof address;
    int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&address), &address_size, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && reserve_fd_ >= 0) {
        // Out of descriptors: spend the reserve to answer one client, so the
        // accept queue drains instead of waking us forever.
        close(reserve_fd_);
        fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&address), &address_size, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) reject(fd);
        reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
        continue;
      }
      return;  // EAGAIN, or an error that a later wake-up will report again
    }
    // Take a place first, then check: loops on other threads admit at the
    // same time, and a check before the increment would let two through.
    if (stopping_) {
      reject(fd);
      continue;
    }
    if (shared_.open_connections.fetch_add(1) >= shared_.options.max_connections) {
      shared_.open_connections.fetch_sub(1);
      reject(fd);
      continue;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto* c = new Connection(*this, fd);
    c->peer = peer_for_log(shared_, address);
    c->http.set_user_data(c->peer.get());
    connections_.push_back(c);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = c;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    schedule(*c);
  }
}

void EpollLoop::reject(int fd) {
  turn_away(shared_, fd, stopping_);
  close(fd);
}

void EpollLoop::service(Connection& c) {
  if (c.lingering) {
    // Discard what the peer still sends until it closes or the linger ends.
    char scratch[16384];
    for (;;) {
      const ssize_t n = recv(c.fd, scratch, sizeof scratch, 0);
      if (n > 0) continue;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      return destroy(c);
    }
  }
  for (int round = 0; round < rounds_per_turn; ++round) {
    bool close = false;
    const bool read = read_step(c.http, c.io, timers_.now()).progress;
    const bool wrote = write_step(c.http, c.io, timers_.now(), close).progress;
    if (close) return begin_linger(c);
    const bool progress = read || wrote;
    if (!progress) {
      arm_deadline(c);
      return;
    }
  }
  schedule(c);  // still busy: continue after the others had a turn
  arm_deadline(c);
}

void EpollLoop::arm_deadline(Connection& c) {
  c.deadline.arm(timers_.heap(), c.http.deadline(), &EpollLoop::on_deadline, &c);
}

void EpollLoop::on_deadline(void* context) {
  Connection& c = *static_cast<Connection*>(context);
  c.deadline.fired(c.http, c.loop.timers_.now());
  c.loop.schedule(c);
}

void EpollLoop::begin_linger(Connection& c) {
  // RFC 9112 §9.6: close the sending side first and read on for a while, so
  // that unread input does not turn the close into a reset that destroys the
  // response at the client.
  shutdown(c.fd, SHUT_WR);
  c.lingering = true;
  c.deadline.cancel(timers_.heap());
  c.linger_timer = timers_.heap().start(timers_.now() + linger_period, &EpollLoop::on_linger_timeout, &c);
  c.io.readable = true;
  schedule(c);
}

void EpollLoop::on_linger_timeout(void* context) {
  Connection& c = *static_cast<Connection*>(context);
  c.linger_timer = {};
  c.loop.destroy(c);
}

void EpollLoop::destroy(Connection& c) {
  c.deadline.cancel(timers_.heap());
  timers_.heap().cancel(c.linger_timer);
  close(c.fd);
  connections_.erase(std::find(connections_.begin(), connections_.end(), &c));
  // run() may be walking ready_: blank the entry rather than shift the rest.
  std::replace(ready_.begin(), ready_.end(), &c, static_cast<Connection*>(nullptr));
  shared_.open_connections.fetch_sub(1);
  delete &c;
}

void EpollLoop::begin_stop() {
  stopping_ = true;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
  close(listen_fd_);
  listen_fd_ = -1;
  for (Connection* c : connections_) {
    c->http.shutdown(timers_.now());
    schedule(*c);
  }
  timers_.heap().start(timers_.now() + stop_grace_period, &EpollLoop::on_grace_timeout, this);
}

void EpollLoop::on_grace_timeout(void* context) { static_cast<EpollLoop*>(context)->grace_over_ = true; }

}  // namespace wirestate::adapters
