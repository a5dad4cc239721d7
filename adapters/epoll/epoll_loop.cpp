// The epoll loop: the shared skeleton (loop_core.hpp) with epoll's IO. Each
// socket is registered once, edge-triggered for both directions; the read
// and write steps (socket_steps.hpp) track what the edges said.
#include "wirestate/epoll_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <vector>

#include "../common/loop_core.hpp"
#include "socket_steps.hpp"

namespace wirestate {

using adapters::LoopConnection;

// IoVec is declared with iovec's layout so the iovecs go to the kernel as
// they are.
static_assert(sizeof(IoVec) == sizeof(iovec) && offsetof(IoVec, base) == offsetof(iovec, iov_base) &&
              offsetof(IoVec, len) == offsetof(iovec, iov_len));

namespace {
// Service a busy connection at most this many read/write rounds before the
// others get a turn.
constexpr int rounds_per_turn = 16;

// Each socket's events carry a pointer to its connection's LoopSocket.
struct EpollConnection final : LoopConnection {
  EpollConnection(adapters::LoopCore& loop_core, int fd, Handler& handler)
      : LoopConnection(loop_core, handler), io{fd} {}
  adapters::SocketReadiness io;
};

struct EpollClient final : adapters::LoopClient {
  EpollClient(adapters::LoopCore& loop_core, int fd, ClientSession& client_session)
      : LoopClient(loop_core, client_session), io{fd} {}
  adapters::SocketReadiness io;
};

adapters::SocketReadiness& io_of(adapters::LoopSocket& s) {
  return adapters::with_role<EpollConnection, EpollClient>(
      s, [](auto& c) -> adapters::SocketReadiness& { return c.io; });
}
}  // namespace

struct EpollBackend final : adapters::LoopBackend {
  using LoopBackend::LoopBackend;
  ~EpollBackend() override {
    while (!core.connections().empty()) destroy(static_cast<EpollConnection&>(*core.connections().back()));
    core.cut_clients();
    while (!core.clients().empty()) destroy(static_cast<EpollClient&>(*core.clients().back()));
    if (listen_fd >= 0) close(listen_fd);
    if (wake_fd >= 0) close(wake_fd);
    if (epoll_fd >= 0) close(epoll_fd);
  }

  // Into the epoll set once, edge-triggered both ways.
  bool watch(adapters::LoopSocket& s) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = &s;
    return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, io_of(s).fd, &ev) == 0;
  }

  LoopConnection* open(int fd, Handler& handler) override {
    auto* c = new EpollConnection(core, fd, handler);
    if (!watch(*c)) {
      delete c;
      close(fd);
      return nullptr;
    }
    return c;
  }

  adapters::LoopClient* open_client(int fd, ClientSession& session) override {
    auto* c = new EpollClient(core, fd, session);
    // Not in the set: its steps find the socket failed at once.
    if (!watch(*c)) c->error = errno;
    return c;
  }

  void service(adapters::LoopSocket& base) override {
    if (base.client) return serve(static_cast<EpollClient&>(base));
    EpollConnection& c = static_cast<EpollConnection&>(base);
    if (c.lingering) {
      // Discard what the peer still sends until it closes or the linger ends.
      for (;;) {
        const ssize_t n = recv(c.io.fd, discard, sizeof discard, 0);
        if (n > 0 || (n < 0 && errno == EINTR)) continue;
        if (n < 0 && errno == EAGAIN) return;
        return destroy(c);
      }
    }
    for (int round = 0; round < rounds_per_turn; ++round) {
      bool close = false;
      const bool read = adapters::read_step(c.http, c.io, core.now()).progress;
      const bool wrote = adapters::write_step(c.http, c.io, core.now(), close).progress;
      if (close) return core.begin_linger(c);
      if (!read && !wrote) return core.arm_deadline(c);
    }
    core.schedule(c);  // still busy: continue after the others had a turn
    core.arm_deadline(c);
  }

  void serve(EpollClient& c) {
    if (c.error) return core.client_served(c, true);
    for (int round = 0; round < rounds_per_turn; ++round) {
      bool close = false;
      const adapters::StepResult read = adapters::read_step(c.http, c.io, core.now());
      const adapters::StepResult wrote = adapters::write_step(c.http, c.io, core.now(), close);
      if (const int error = read.error ? read.error : wrote.error) c.error = error;
      if (close || (!read.progress && !wrote.progress)) return core.client_served(c, close);
    }
    core.schedule(c);
    core.arm_deadline(c);
  }

  bool half_close(LoopConnection& base) override {
    EpollConnection& c = static_cast<EpollConnection&>(base);
    shutdown(c.io.fd, SHUT_WR);
    c.io.readable = true;
    return true;
  }

  void end(adapters::LoopSocket& c) override {
    adapters::with_role<EpollConnection, EpollClient>(c, [this](auto& s) { destroy(s); });
  }

  template <class C>
  void destroy(C& c) {
    core.forget(c);
    close(c.io.fd);  // and out of the epoll set
    delete &c;
  }

  void stop_listening() override {
    if (listen_fd < 0) return;
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
    close(listen_fd);
    listen_fd = -1;
  }

  std::error_code listen() override {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &listen_fd;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev) != 0) return {errno, std::system_category()};
    core.accept_all(listen_fd);  // connections that queued before this
    return {};
  }

  void notify() noexcept override {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(wake_fd, &one, sizeof one);
  }

  int poll_fd() override { return epoll_fd; }

  // Waits at most `max_wait`, never past the next timer or with work ready.
  int wait(Duration max_wait) {
    Duration bound = core.wait_bound(max_wait);
    const int capacity = static_cast<int>(events.size());
    const auto busy_poll = core.options().busy_poll;
    if (bound > Duration::zero() && busy_poll.count() > 0) {
      // A peer that writes to a sleeping loop pays for waking it (on
      // loopback, in its own system time), so under steady load the loop
      // first looks again without sleeping, never past its next timer.
      const auto until = std::chrono::steady_clock::now() + std::min<Duration>(busy_poll, bound);
      do {
        if (const int n = epoll_wait(epoll_fd, events.data(), capacity, 0); n != 0) return n;
      } while (std::chrono::steady_clock::now() < until);
      core.timers().tick();
      bound = core.wait_bound(max_wait - std::min<Duration>(busy_poll, max_wait));
    }
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(bound).count();
    return epoll_wait(epoll_fd, events.data(), capacity, static_cast<int>(ms));
  }

  bool turn(Duration max_wait) override {
    if (core.finished()) {
      core.report_finished();
      return false;
    }
    const int n = wait(max_wait);
    core.timers().tick();
    for (int i = 0; i < n; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &listen_fd) {
        if (listen_fd >= 0) core.accept_all(listen_fd);
      } else if (tag == &wake_fd) {
        std::uint64_t count;
        [[maybe_unused]] auto r = read(wake_fd, &count, sizeof count);
      } else {
        auto& c = *static_cast<adapters::LoopSocket*>(tag);
        adapters::SocketReadiness& io = io_of(c);
        const std::uint32_t e = events[i].events;
        if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) io.readable = true;
        if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) io.hangup = true;
        if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) io.writable = true;
        core.schedule(c);
      }
    }
    core.poll_stop();
    core.run_timers();
    core.serve_ready();
    if (!core.finished()) return true;
    core.report_finished();
    return false;
  }

  int epoll_fd = -1;
  int wake_fd = -1;  // eventfd: stop() from another thread
  std::vector<epoll_event> events = std::vector<epoll_event>(256);
  char discard[16384];  // what lingering connections read, unread
};

std::unique_ptr<EpollLoop> EpollLoop::create(LoopOptions options, std::error_code& error) {
  auto backend = std::make_unique<EpollBackend>(std::move(options));
  backend->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  backend->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = &backend->wake_fd;
  if (backend->epoll_fd < 0 || backend->wake_fd < 0 ||
      epoll_ctl(backend->epoll_fd, EPOLL_CTL_ADD, backend->wake_fd, &ev) != 0) {
    error = {errno, std::system_category()};
    return nullptr;
  }
  error = {};
  return std::unique_ptr<EpollLoop>(new EpollLoop(*backend.release()));
}

}  // namespace wirestate
