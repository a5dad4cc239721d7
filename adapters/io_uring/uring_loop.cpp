// The io_uring loop: the shared skeleton (loop_core.hpp) with the ring's IO
// (uring_steps.hpp). A connection is freed only once nothing the kernel
// holds names it: ending one cancels what is in flight and waits for the
// last completion.
#include "wirestate/uring_loop.hpp"

#include <liburing.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "../common/loop_core.hpp"
#include "uring_setup.hpp"
#include "uring_steps.hpp"

namespace wirestate {

using adapters::LoopConnection;
using adapters::UringOp;
using adapters::UringSocket;
using adapters::uring_owner;
using adapters::uring_sqe;
using adapters::uring_tag;

// The writes go to the kernel as the connection's iovecs.
static_assert(sizeof(IoVec) == sizeof(iovec) && offsetof(IoVec, base) == offsetof(iovec, iov_base) &&
              offsetof(IoVec, len) == offsetof(iovec, iov_len));

namespace {
// How long the destructor waits for the kernel to finish what was cancelled.
constexpr auto teardown_wait = std::chrono::seconds(1);
// Each recv in flight holds a read buffer lent from the pool, and the pool
// keeps what it lent at the busiest moment. Four at a time keep the loop
// as lean as epoll's one-at-a-time (10,000 connections arriving at once:
// 538 bytes each against 574 with no cap) and, with fewer buffers
// touched, cost less CPU under pipelined load.
constexpr unsigned max_recvs_in_flight = 4;

struct UringConnection final : LoopConnection, UringSocket {
  UringConnection(adapters::LoopCore& loop_core, int socket, Handler& handler) : LoopConnection(loop_core, handler) {
    fd = socket;
  }
};

struct UringClient final : adapters::LoopClient, UringSocket {
  UringClient(adapters::LoopCore& loop_core, int socket, ClientSession& client_session)
      : LoopClient(loop_core, client_session) {
    fd = socket;
    owner_is_client = true;
  }
};

UringSocket& io_of(adapters::LoopSocket& s) {
  return adapters::with_role<UringConnection, UringClient>(s, [](UringSocket& io) -> UringSocket& { return io; });
}

// The connection a completion's tag names.
adapters::LoopSocket& owner_of(std::uint64_t tag) {
  UringSocket& io = *uring_owner<UringSocket>(tag);
  if (io.owner_is_client) return static_cast<UringClient&>(io);
  return static_cast<UringConnection&>(io);
}
}  // namespace

struct UringBackend final : adapters::LoopBackend {
  UringBackend(LoopOptions options, const io_uring& r) : LoopBackend(std::move(options)), ring(r) {
    // Linked writes: up to four in flight, each reported in order.
    core.config()->max_writes_in_flight = 4;
  }
  ~UringBackend() override {
    // On the driving thread: a turn that finished drained already.
    if (started && !drained) drain();
    while (!core.connections().empty()) destroy(*core.connections().back());
    core.cut_clients();
    while (!core.clients().empty()) destroy(*core.clients().back());
    io_uring_queue_exit(&ring);
    if (listen_fd >= 0) close(listen_fd);
    if (wake_fd >= 0) close(wake_fd);
    if (event_fd >= 0) close(event_fd);
  }

  LoopConnection* open(int fd, Handler& handler) override { return new UringConnection(core, fd, handler); }
  adapters::LoopClient* open_client(int fd, ClientSession& session) override {
    return new UringClient(core, fd, session);
  }

  void service(adapters::LoopSocket& base) override {
    if (base.client) return serve(static_cast<UringClient&>(base));
    UringConnection& c = static_cast<UringConnection&>(base);
    if (c.closing) {
      if (!c.in_flight()) destroy(c);
      return;
    }
    if (c.lingering) {
      // Discard what the peer still sends until it closes or the linger ends.
      if (c.peer_done) return end(c);
      adapters::uring_arm_poll(ring, c);
      adapters::uring_recv(ring, c, {discard, sizeof discard});
      return;
    }
    adapters::uring_arm_poll(ring, c);
    if (recvs_in_flight >= max_recvs_in_flight) {
      if (c.readable && !c.recv_in_flight && c.http.next_read() == ReadOp::read) waiting.push_back(&c);
    } else if (adapters::uring_read(ring, c.http, c)) {
      ++recvs_in_flight;
      c.recv_counted = true;
    }
    bool close = false;
    adapters::uring_write(ring, c.http, c, close);
    if (close) return core.begin_linger(c);
    // Failed with writes in flight (a peer that stopped reading, a send
    // timeout): the kernel would hold them, and the connection, forever.
    if (c.http.writes_abandoned()) return end(c);
    core.arm_deadline(c);
  }

  // A client's reads take no recv slot: the cap bounds what many idle
  // server connections hold, and a loop has few clients.
  void serve(UringClient& c) {
    if (c.closing) {
      if (!c.in_flight()) destroy(c);
      return;
    }
    adapters::uring_arm_poll(ring, c);
    adapters::uring_read(ring, c.http, c);
    bool close = false;
    adapters::uring_write(ring, c.http, c, close);
    core.client_served(c, close || c.error != 0 || c.http.writes_abandoned());
  }

  bool half_close(LoopConnection& base) override {
    UringConnection& c = static_cast<UringConnection&>(base);
    shutdown(c.fd, SHUT_WR);
    c.readable = true;
    return true;
  }

  // What is in flight is cancelled, and the connection goes once the last
  // of it has completed.
  void end(adapters::LoopSocket& base) override {
    base.closing = true;
    UringSocket& io = io_of(base);
    adapters::uring_cancel_all(ring, io);
    if (!io.in_flight()) destroy(base);
  }

  void destroy(adapters::LoopSocket& s) {
    const int fd = io_of(s).fd;
    core.forget(s);
    close(fd);
    if (s.client) {
      delete &static_cast<UringClient&>(s);
      return;
    }
    auto& c = static_cast<UringConnection&>(s);
    std::replace(waiting.begin(), waiting.end(), &c, static_cast<UringConnection*>(nullptr));
    delete &c;
  }

  void stop_listening() override {
    if (listen_fd < 0) return;
    if (accept_armed) {
      io_uring_sqe* sqe = uring_sqe(ring);
      io_uring_prep_cancel64(sqe, uring_tag(this, UringOp::accept), 0);
      io_uring_sqe_set_data64(sqe, uring_tag(nullptr, UringOp::cancel));
    }
    close(listen_fd);
    listen_fd = -1;
  }

  void arm_wake() {
    io_uring_sqe* sqe = uring_sqe(ring);
    io_uring_prep_read(sqe, wake_fd, &wake_count, sizeof wake_count, 0);
    io_uring_sqe_set_data64(sqe, uring_tag(this, UringOp::wake));
    wake_armed = true;
  }

  void arm_accept() {
    if (accept_armed || listen_fd < 0) return;
    io_uring_sqe* sqe = uring_sqe(ring);
    if (multishot_accept) {
      io_uring_prep_multishot_accept(sqe, listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    } else {
      io_uring_prep_accept(sqe, listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    }
    io_uring_sqe_set_data64(sqe, uring_tag(this, UringOp::accept));
    accept_armed = true;
  }

  void accepted(const io_uring_cqe& cqe) {
    if (!(cqe.flags & IORING_CQE_F_MORE)) accept_armed = false;  // re-armed at the turn's end
    if (cqe.res >= 0) return core.accepted(cqe.res);
    const int error = -cqe.res;
    if (error == EINVAL && multishot_accept) {
      multishot_accept = false;  // this kernel takes one accept at a time
    } else if ((error == EMFILE || error == ENFILE) && listen_fd >= 0) {
      core.out_of_descriptors(listen_fd);
    }
  }

  void complete(const io_uring_cqe& cqe) {
    const std::uint64_t tag = cqe.user_data;
    switch (adapters::uring_op(tag)) {
      case UringOp::accept: return accepted(cqe);
      case UringOp::wake:
        wake_armed = false;
        return arm_wake();  // the stop request is read after the completions
      case UringOp::cancel: return;
      case UringOp::poll:
      case UringOp::recv:
      case UringOp::write: break;
    }
    adapters::LoopSocket& owner = owner_of(tag);
    if (owner.client) return completed(static_cast<UringClient&>(owner), cqe);
    UringConnection& c = static_cast<UringConnection&>(owner);
    switch (adapters::uring_op(tag)) {
      case UringOp::poll:
        adapters::uring_polled(c, cqe);
        break;
      case UringOp::recv:
        if (c.recv_counted) --recvs_in_flight;
        c.recv_counted = false;
        if (c.lingering || c.closing) {
          c.recv_in_flight = false;
          if (cqe.res <= 0 && cqe.res != -EAGAIN && cqe.res != -EINTR) c.peer_done = true;
          if (cqe.res < static_cast<int>(c.asked) && !c.hangup) c.readable = false;
        } else {
          adapters::uring_received(c.http, c, cqe.res, c.asked, core.now());
        }
        break;
      case UringOp::write:
        adapters::uring_written(c.http, c, cqe.res, core.now());
        break;
      default:
        break;
    }
    core.schedule(c);
  }

  void completed(UringClient& c, const io_uring_cqe& cqe) {
    int error = 0;
    switch (adapters::uring_op(cqe.user_data)) {
      case UringOp::poll: adapters::uring_polled(c, cqe); break;
      case UringOp::recv:
        if (c.closing) {
          c.recv_in_flight = false;
        } else {
          error = adapters::uring_received(c.http, c, cqe.res, c.asked, core.now());
        }
        break;
      case UringOp::write: error = adapters::uring_written(c.http, c, cqe.res, core.now()); break;
      default: break;
    }
    if (error && !c.error) c.error = error;
    core.schedule(c);
  }

  std::error_code listen() override {
    // The accept goes in with the next turn's submission, or now if the
    // ring runs already.
    if (started) {
      arm_accept();
      io_uring_submit(&ring);
    }
    return {};
  }

  void notify() noexcept override {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = write(wake_fd, &one, sizeof one);
  }

  bool finished() const noexcept override { return core.finished() || failed; }

  int poll_fd() override {
    if (event_fd < 0) {
      event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (event_fd >= 0 && io_uring_register_eventfd(&ring, event_fd) != 0) {
        close(event_fd);
        event_fd = -1;
      }
    }
    return event_fd;
  }

  // One turn's wait: everything queued in the turn goes in one submission,
  // which also waits, until the first completion, the next timer or
  // `max_wait`. Returns the errno of a ring that no longer works, else 0.
  int wait(Duration max_wait) {
    const auto broken = [](int rc) { return rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY; };
    Duration bound = core.wait_bound(max_wait);
    if (bound == Duration::zero()) {
      const int rc = io_uring_submit_and_get_events(&ring);
      return broken(rc) ? -rc : 0;
    }
    const auto busy_poll = core.options().busy_poll;
    if (busy_poll.count() > 0) {
      // As epoll's: look again without sleeping for a while (never past the
      // bound), since a sleeping loop costs its peer the wake-up.
      if (const int rc = io_uring_submit_and_get_events(&ring); broken(rc)) return -rc;
      const Duration spin = std::min<Duration>(busy_poll, bound);
      const auto spin_until = std::chrono::steady_clock::now() + spin;
      while (io_uring_cq_ready(&ring) == 0 && std::chrono::steady_clock::now() < spin_until)
        io_uring_get_events(&ring);
      if (io_uring_cq_ready(&ring) > 0) return 0;
      core.timers().tick();
      bound = core.wait_bound(max_wait - spin);
    }
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(bound).count();
    __kernel_timespec ts{ns / 1'000'000'000, ns % 1'000'000'000};
    io_uring_cqe* cqe = nullptr;
    const int rc = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, nullptr);
    return broken(rc) ? -rc : 0;
  }

  bool turn(Duration max_wait) override {
    if (drained || failed) return false;
    if (!started) {
      started = true;
      if (const int error = adapters::start_ring(ring); error != 0) {
        std::fprintf(stderr, "wirestate: cannot start an io_uring: %s\n", std::strerror(error));
        failed = true;
        return false;
      }
      arm_wake();
      arm_accept();
    }
    if (event_fd >= 0) {
      std::uint64_t count;
      [[maybe_unused]] auto r = read(event_fd, &count, sizeof count);
    }
    if (const int error = wait(max_wait); error != 0) {
      std::fprintf(stderr, "wirestate: the io_uring failed: %s\n", std::strerror(error));
      failed = true;
      return false;
    }
    core.timers().tick();
    unsigned head, seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      complete(*cqe);
    }
    io_uring_cq_advance(&ring, seen);
    core.poll_stop();
    core.run_timers();
    core.serve_ready();
    // Those that found every recv slot taken try again next turn.
    for (UringConnection* c : waiting)
      if (c) core.schedule(*c);
    waiting.clear();
    arm_accept();
    if (!core.finished()) return true;
    drain();
    core.report_finished();
    return false;
  }

  // Everything in flight is cancelled and its completion awaited before the
  // memory it names goes. On the loop's thread: the ring's only issuer.
  void drain() {
    drained = true;
    for (LoopConnection* c : core.connections()) adapters::uring_cancel_all(ring, io_of(*c));
    for (adapters::LoopClient* c : core.clients()) adapters::uring_cancel_all(ring, io_of(*c));
    for (UringOp op : {UringOp::accept, UringOp::wake}) {
      io_uring_sqe* sqe = uring_sqe(ring);
      io_uring_prep_cancel64(sqe, uring_tag(this, op), 0);
      io_uring_sqe_set_data64(sqe, uring_tag(nullptr, UringOp::cancel));
    }
    const auto busy = [this] {
      const auto held = [](adapters::LoopSocket* c) { return io_of(*c).in_flight(); };
      return accept_armed || wake_armed ||
             std::any_of(core.connections().begin(), core.connections().end(), held) ||
             std::any_of(core.clients().begin(), core.clients().end(), held);
    };
    const auto until = std::chrono::steady_clock::now() + teardown_wait;
    while (busy() && std::chrono::steady_clock::now() < until) {
      __kernel_timespec ts{0, 10'000'000};
      io_uring_cqe* cqe = nullptr;
      io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &ts, nullptr);
      unsigned head, seen = 0;
      io_uring_for_each_cqe(&ring, head, cqe) {
        ++seen;
        const std::uint64_t tag = io_uring_cqe_get_data64(cqe);
        const UringOp op = adapters::uring_op(tag);
        if (op == UringOp::accept && !(cqe->flags & IORING_CQE_F_MORE)) accept_armed = false;
        if (op == UringOp::wake) wake_armed = false;
        if (op != UringOp::poll && op != UringOp::recv && op != UringOp::write) continue;
        UringSocket& s = *uring_owner<UringSocket>(tag);
        if (op == UringOp::poll && !(cqe->flags & IORING_CQE_F_MORE)) s.poll_armed = false;
        if (op == UringOp::recv) s.recv_in_flight = false;
        if (op == UringOp::write) --s.writes_in_flight;
      }
      io_uring_cq_advance(&ring, seen);
    }
  }

  io_uring ring;
  bool started = false;  // the ring is enabled, on the thread that drives it
  bool failed = false;
  bool drained = false;  // nothing is in flight, and nothing more is submitted
  bool accept_armed = false;
  bool wake_armed = false;
  bool multishot_accept = true;  // else one accept at a time (kernels before 5.19)
  int wake_fd = -1;              // eventfd: stop() from another thread
  std::uint64_t wake_count = 0;  // the wake read's buffer
  int event_fd = -1;             // fd(): registered with the ring, for a driving loop
  unsigned recvs_in_flight = 0;
  std::vector<UringConnection*> waiting;  // readable, waiting for a recv slot
  char discard[16384];               // what lingering connections read, unread
};

std::unique_ptr<UringLoop> UringLoop::create(LoopOptions options, std::error_code& error, unsigned ring_entries) {
  io_uring ring;
  if (const int e = adapters::open_ring(ring, ring_entries); e != 0) {
    error = {e, std::system_category()};
    return nullptr;
  }
  auto backend = std::make_unique<UringBackend>(std::move(options), ring);
  backend->wake_fd = eventfd(0, EFD_CLOEXEC);
  if (backend->wake_fd < 0) {
    error = {errno, std::system_category()};
    return nullptr;
  }
  error = {};
  return std::unique_ptr<UringLoop>(new UringLoop(*backend.release()));
}

std::string UringLoop::unavailable(std::error_code error) { return adapters::uring_unavailable(error.value()); }

}  // namespace wirestate
