#include "uring_loop.hpp"

#include "uring_setup.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>

namespace wirestate::adapters {

// The writes go to the kernel as the connection's iovecs.
static_assert(sizeof(IoVec) == sizeof(iovec) && offsetof(IoVec, base) == offsetof(iovec, iov_base) &&
              offsetof(IoVec, len) == offsetof(iovec, iov_len));

namespace {
constexpr auto linger_period = std::chrono::seconds(2);
// How long the destructor waits for the kernel to finish what was cancelled.
constexpr auto teardown_wait = std::chrono::seconds(1);
}  // namespace

struct UringLoop::Connection final : Waker, UringSocket {
  Connection(UringLoop& l, int socket) : loop(l), http(l.config_, *l.app_, l.timers_.now()) {
    fd = socket;
    http.set_waker(this);
  }
  void wake() noexcept override { loop.schedule(*this); }

  UringLoop& loop;
  std::unique_ptr<PeerInfo> peer;  // for the access log, if there is one
  ServerConnection http;
  bool scheduled = false;
  bool lingering = false;
  bool peer_done = false;  // while lingering: the peer closed or failed
  bool ending = false;     // cancelled: destroyed once nothing is in flight
  bool recv_counted = false;  // its recv holds one of the loop's recv slots
  DeadlineEntry deadline;
  TimerHeap::Id linger_timer;
};

UringLoop::UringLoop(ServerShared& shared, int listen_fd, const AppFactory& make_app, const io_uring& ring)
    : shared_(shared),
      busy_poll_(shared.options.busy_poll),
      ring_(ring),
      listen_fd_(listen_fd),
      app_(make_app(timers_, shared)) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  config_->date = &timers_.date();
  config_->buffers = &buffers_;
  // Linked writes: up to four in flight, each reported in order.
  config_->max_writes_in_flight = 4;
  timers_.tick();
}

UringLoop::~UringLoop() {
  // run() drained the ring; a loop that never ran has nothing in flight.
  while (!connections_.empty()) destroy(*connections_.back());
  io_uring_queue_exit(&ring_);
  if (listen_fd_ >= 0) close(listen_fd_);
  close(wake_fd_);
  if (reserve_fd_ >= 0) close(reserve_fd_);
}

// Everything in flight is cancelled and its completion awaited before the
// memory it names goes. On the loop's thread: the ring's only issuer.
void UringLoop::drain() {
  for (Connection* c : connections_) uring_cancel_all(ring_, *c);
  for (UringOp op : {UringOp::accept, UringOp::wake}) {
    io_uring_sqe* sqe = uring_sqe(ring_);
    io_uring_prep_cancel64(sqe, uring_tag(this, op), 0);
    io_uring_sqe_set_data64(sqe, uring_tag(nullptr, UringOp::cancel));
  }
  const auto busy = [this] {
    return accept_armed_ || wake_armed_ ||
           std::any_of(connections_.begin(), connections_.end(), [](Connection* c) { return c->in_flight(); });
  };
  const auto until = std::chrono::steady_clock::now() + teardown_wait;
  while (busy() && std::chrono::steady_clock::now() < until) {
    __kernel_timespec ts{0, 10'000'000};
    io_uring_cqe* cqe = nullptr;
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      const std::uint64_t tag = io_uring_cqe_get_data64(cqe);
      const UringOp op = uring_op(tag);
      if (op == UringOp::accept && !(cqe->flags & IORING_CQE_F_MORE)) accept_armed_ = false;
      if (op == UringOp::wake) wake_armed_ = false;
      if (op != UringOp::poll && op != UringOp::recv && op != UringOp::write) continue;
      UringSocket& s = *uring_owner<UringSocket>(tag);
      if (op == UringOp::poll && !(cqe->flags & IORING_CQE_F_MORE)) s.poll_armed = false;
      if (op == UringOp::recv) s.recv_in_flight = false;
      if (op == UringOp::write) --s.writes_in_flight;
    }
    io_uring_cq_advance(&ring_, seen);
  }
}

void UringLoop::stop() {
  stop_requested_.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
}

void UringLoop::arm_wake() {
  io_uring_sqe* sqe = uring_sqe(ring_);
  io_uring_prep_read(sqe, wake_fd_, &wake_count_, sizeof wake_count_, 0);
  io_uring_sqe_set_data64(sqe, uring_tag(this, UringOp::wake));
  wake_armed_ = true;
}

void UringLoop::arm_accept() {
  if (accept_armed_ || listen_fd_ < 0) return;
  io_uring_sqe* sqe = uring_sqe(ring_);
  if (multishot_accept_) {
    io_uring_prep_multishot_accept(sqe, listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  } else {
    io_uring_prep_accept(sqe, listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  }
  io_uring_sqe_set_data64(sqe, uring_tag(this, UringOp::accept));
  accept_armed_ = true;
}

// One turn's wait: everything queued in the turn goes in one submission,
// which also waits, until the first completion or the next timer. Returns
// the errno of a ring that no longer works, else 0.
int UringLoop::wait() {
  const auto failed = [](int rc) { return rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY; };
  if (!ready_.empty()) {
    const int rc = io_uring_submit_and_get_events(&ring_);
    return failed(rc) ? -rc : 0;
  }
  auto until = timers_.now() + std::chrono::seconds(1);  // the Date header still moves on
  if (auto next = timers_.next()) until = std::min(until, *next);
  if (busy_poll_.count() > 0) {
    // --busy-poll-us: as epoll's, look again without sleeping for a while
    // (never past the next timer), since a sleeping loop costs its peer the
    // wake-up.
    if (const int rc = io_uring_submit_and_get_events(&ring_); failed(rc)) return -rc;
    const auto spin_until = std::min(std::chrono::steady_clock::now() + busy_poll_, until);
    while (io_uring_cq_ready(&ring_) == 0 && std::chrono::steady_clock::now() < spin_until)
      io_uring_get_events(&ring_);
    if (io_uring_cq_ready(&ring_) > 0) return 0;
    timers_.tick();
  }
  const auto wait_ns = std::max<long long>(std::chrono::duration_cast<std::chrono::nanoseconds>(until - timers_.now()).count(), 0);
  __kernel_timespec ts{wait_ns / 1'000'000'000, wait_ns % 1'000'000'000};
  io_uring_cqe* cqe = nullptr;
  const int rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
  return failed(rc) ? -rc : 0;
}

void UringLoop::run() {
  if (const int error = start_ring(ring_); error != 0) {
    std::fprintf(stderr, "wirestate-uring: cannot start a ring: %s\n", std::strerror(error));
    return;
  }
  arm_accept();
  arm_wake();
  while (!(stopping_ && (connections_.empty() || grace_over_))) {
    if (const int error = wait(); error != 0) {
      std::fprintf(stderr, "wirestate-uring: the ring failed: %s\n", std::strerror(error));
      break;
    }
    timers_.tick();
    unsigned head, seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      complete(*cqe);
    }
    io_uring_cq_advance(&ring_, seen);
    if (stop_requested_.load() && !stopping_) begin_stop();
    timers_.heap().run_due(timers_.now());
    // Connections woken while serving others are served in this same turn.
    for (std::size_t i = 0; i < ready_.size(); ++i) {
      Connection* c = ready_[i];
      if (!c) continue;  // destroyed after it was scheduled
      c->scheduled = false;
      service(*c);
    }
    ready_.clear();
    // Those that found every recv slot taken try again next turn.
    for (Connection* c : waiting_)
      if (c) schedule(*c);
    waiting_.clear();
    arm_accept();
  }
  drain();
}

void UringLoop::complete(const io_uring_cqe& cqe) {
  const std::uint64_t tag = cqe.user_data;
  switch (uring_op(tag)) {
    case UringOp::accept: return accepted(cqe);
    case UringOp::wake:
      wake_armed_ = false;
      return arm_wake();  // stop_requested_ is read after the completions
    case UringOp::cancel: return;
    case UringOp::poll:
    case UringOp::recv:
    case UringOp::write: break;
  }
  Connection& c = static_cast<Connection&>(*uring_owner<UringSocket>(tag));
  switch (uring_op(tag)) {
    case UringOp::poll:
      uring_polled(c, cqe);
      break;
    case UringOp::recv:
      if (c.recv_counted) --recvs_in_flight_;
      c.recv_counted = false;
      if (c.lingering || c.ending) {
        c.recv_in_flight = false;
        if (cqe.res <= 0 && cqe.res != -EAGAIN && cqe.res != -EINTR) c.peer_done = true;
        if (cqe.res < static_cast<int>(c.asked) && !c.hangup) c.readable = false;
      } else {
        uring_received(c.http, c, cqe.res, c.asked, timers_.now());
      }
      break;
    case UringOp::write:
      uring_written(c.http, c, cqe.res, timers_.now());
      break;
    default:
      break;
  }
  schedule(c);
}

void UringLoop::accepted(const io_uring_cqe& cqe) {
  if (!(cqe.flags & IORING_CQE_F_MORE)) accept_armed_ = false;  // re-armed at the turn's end
  if (cqe.res >= 0) return admit(cqe.res);
  const int error = -cqe.res;
  if (error == EINVAL && multishot_accept_) {
    multishot_accept_ = false;  // this kernel takes one accept at a time
  } else if ((error == EMFILE || error == ENFILE) && reserve_fd_ >= 0 && listen_fd_ >= 0) {
    // Out of descriptors: spend the reserve to answer one client, so the
    // accept queue drains instead of completing with EMFILE forever.
    close(reserve_fd_);
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) reject(fd);
    reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
}

void UringLoop::admit(int fd) {
  // Take a place first, then check: loops on other threads admit at the
  // same time, and a check before the increment would let two through.
  if (stopping_) return reject(fd);
  if (shared_.open_connections.fetch_add(1) >= shared_.options.max_connections) {
    shared_.open_connections.fetch_sub(1);
    return reject(fd);
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  auto* c = new Connection(*this, fd);
  if (shared_.access_log) {
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size);
    c->peer = peer_for_log(shared_, address);
    c->http.set_user_data(c->peer.get());
  }
  connections_.push_back(c);
  schedule(*c);
}

void UringLoop::reject(int fd) {
  turn_away(shared_, fd, stopping_);
  close(fd);
}

void UringLoop::schedule(Connection& c) {
  if (c.scheduled) return;
  c.scheduled = true;
  ready_.push_back(&c);
}

void UringLoop::service(Connection& c) {
  if (c.ending) {
    if (!c.in_flight()) destroy(c);
    return;
  }
  if (c.lingering) {
    // Discard what the peer still sends until it closes or the linger ends.
    if (c.peer_done) return finish(c);
    uring_arm_poll(ring_, c);
    uring_recv(ring_, c, {discard_, sizeof discard_});
    return;
  }
  uring_arm_poll(ring_, c);
  if (recvs_in_flight_ >= max_recvs_in_flight) {
    if (c.readable && !c.recv_in_flight && c.http.next_read() == ReadOp::read) waiting_.push_back(&c);
  } else if (uring_read(ring_, c.http, c)) {
    ++recvs_in_flight_;
    c.recv_counted = true;
  }
  bool close = false;
  uring_write(ring_, c.http, c, close);
  if (close) return begin_linger(c);
  // Failed with writes in flight (a peer that stopped reading, a send
  // timeout): the kernel would hold them, and the connection, forever.
  if (c.http.writes_abandoned()) return finish(c);
  arm_deadline(c);
}

void UringLoop::arm_deadline(Connection& c) {
  c.deadline.arm(timers_.heap(), c.http.deadline(), &UringLoop::on_deadline, &c);
}

void UringLoop::on_deadline(void* context) {
  Connection& c = *static_cast<Connection*>(context);
  c.deadline.fired(c.http, c.loop.timers_.now());
  c.loop.schedule(c);
}

void UringLoop::begin_linger(Connection& c) {
  // RFC 9112 §9.6: close the sending side first and read on for a while, so
  // that unread input does not turn the close into a reset that destroys the
  // response at the client.
  shutdown(c.fd, SHUT_WR);
  c.lingering = true;
  c.readable = true;
  c.deadline.cancel(timers_.heap());
  c.linger_timer = timers_.heap().start(timers_.now() + linger_period, &UringLoop::on_linger_timeout, &c);
  schedule(c);
}

void UringLoop::on_linger_timeout(void* context) {
  Connection& c = *static_cast<Connection*>(context);
  c.linger_timer = {};
  c.loop.finish(c);
}

// Ends the connection: what is in flight is cancelled, and the connection
// goes once the last of it has completed.
void UringLoop::finish(Connection& c) {
  c.deadline.cancel(timers_.heap());
  timers_.heap().cancel(c.linger_timer);
  c.ending = true;
  uring_cancel_all(ring_, c);
  if (!c.in_flight()) destroy(c);
}

void UringLoop::destroy(Connection& c) {
  c.deadline.cancel(timers_.heap());
  timers_.heap().cancel(c.linger_timer);
  close(c.fd);
  connections_.erase(std::find(connections_.begin(), connections_.end(), &c));
  // run() may be walking ready_: blank the entry rather than shift the rest.
  std::replace(ready_.begin(), ready_.end(), &c, static_cast<Connection*>(nullptr));
  std::replace(waiting_.begin(), waiting_.end(), &c, static_cast<Connection*>(nullptr));
  shared_.open_connections.fetch_sub(1);
  delete &c;
}

void UringLoop::begin_stop() {
  stopping_ = true;
  if (accept_armed_) {
    io_uring_sqe* sqe = uring_sqe(ring_);
    io_uring_prep_cancel64(sqe, uring_tag(this, UringOp::accept), 0);
    io_uring_sqe_set_data64(sqe, uring_tag(nullptr, UringOp::cancel));
  }
  close(listen_fd_);
  listen_fd_ = -1;
  for (Connection* c : connections_) {
    c->http.shutdown(timers_.now());
    schedule(*c);
  }
  timers_.heap().start(timers_.now() + stop_grace_period, &UringLoop::on_grace_timeout, this);
}

void UringLoop::on_grace_timeout(void* context) { static_cast<UringLoop*>(context)->grace_over_ = true; }

}  // namespace wirestate::adapters
