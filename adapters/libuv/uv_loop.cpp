#include "uv_loop.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>

namespace wirestate::adapters {

namespace {
constexpr auto linger_period = std::chrono::seconds(2);
}  // namespace

struct UvLoop::Connection final : Waker, UvSocket {
  explicit Connection(UvLoop& l) : loop(l), http(l.config_, *l.app_, l.timers_.now()) {
    tcp.data = this;
    http.set_waker(this);
  }
  void wake() noexcept override { loop.schedule(*this); }

  UvLoop& loop;
  std::unique_ptr<PeerInfo> peer;  // for the access log, if there is one
  ServerConnection http;
  bool admitted = false;   // counted in open_connections
  bool scheduled = false;
  bool lingering = false;
  bool closing = false;    // uv_close was called; on_closed deletes it
  DeadlineEntry deadline;
  TimerHeap::Id linger_timer;
};

UvLoop::UvLoop(ServerShared& shared, int listen_fd, const AppFactory& make_app)
    : shared_(shared), listen_fd_(listen_fd), app_(make_app(timers_, shared)) {
  uv_loop_init(&loop_);
  loop_.data = this;
  reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  // libuv opens a reserve of its own at a loop's first stream, for its
  // listener's EMFILE answer, which this loop does not use: it takes ours,
  // so a loop's descriptors are all open from its start.
  loop_.emfile_fd = reserve_fd_;
  uv_poll_init(&loop_, &listener_, listen_fd);
  listener_.data = this;
  uv_prepare_init(&loop_, &prepare_);
  prepare_.data = this;
  uv_timer_init(&loop_, &timer_);
  timer_.data = this;
  uv_async_init(&loop_, &async_, &UvLoop::on_async);
  async_.data = this;
  config_->date = &timers_.date();
  config_->buffers = &buffers_;
  timers_.tick();
}

UvLoop::~UvLoop() {
  if (!loop_closing_) {
    close_loop();
    uv_run(&loop_, UV_RUN_DEFAULT);  // the close callbacks
  }
  loop_.emfile_fd = -1;  // ours, closed below
  uv_loop_close(&loop_);
  if (listen_fd_ >= 0) close(listen_fd_);
  if (reserve_fd_ >= 0) close(reserve_fd_);
}

void UvLoop::stop() {
  stop_requested_.store(true);
  uv_async_send(&async_);
}

void UvLoop::run() {
  uv_poll_start(&listener_, UV_READABLE, &UvLoop::on_acceptable);
  uv_prepare_start(&prepare_, &UvLoop::on_prepare);
  if (stop_requested_.load()) begin_stop();
  uv_run(&loop_, UV_RUN_DEFAULT);
}

// Before each wait: the timers that are due, the connections woken since,
// and the one uv timer set to the heap's earliest entry.
void UvLoop::on_prepare(uv_prepare_t* prepare) {
  UvLoop& l = *static_cast<UvLoop*>(prepare->data);
  if (l.loop_closing_) return;
  l.timers_.tick();
  l.timers_.heap().run_due(l.timers_.now());
  l.serve_ready();
  if (l.stopping_ && (l.connections_.empty() || l.grace_over_)) return l.close_loop();
  auto wait = std::chrono::milliseconds(1000);  // the Date header still moves on
  if (!l.ready_.empty()) wait = {};
  if (auto next = l.timers_.next())
    wait = std::clamp(std::chrono::ceil<std::chrono::milliseconds>(*next - l.timers_.now()), std::chrono::milliseconds(0), wait);
  uv_timer_start(&l.timer_, &UvLoop::on_timer, static_cast<std::uint64_t>(wait.count()), 0);
}

void UvLoop::on_timer(uv_timer_t*) {}  // it only ends the wait; on_prepare does the work

void UvLoop::on_async(uv_async_t* async) {
  UvLoop& l = *static_cast<UvLoop*>(async->data);
  if (l.stop_requested_.load() && !l.stopping_) {
    l.timers_.tick();
    l.begin_stop();
  }
}

void UvLoop::schedule(Connection& c) {
  if (c.scheduled || c.closing) return;
  c.scheduled = true;
  ready_.push_back(&c);
  // Woken from an IO callback: the next wait must not block.
  if (ready_.size() == 1 && !loop_closing_) uv_timer_start(&timer_, &UvLoop::on_timer, 0, 0);
}

void UvLoop::serve_ready() {
  // Connections woken while serving others are served in this same pass.
  for (std::size_t i = 0; i < ready_.size(); ++i) {
    Connection* c = ready_[i];
    if (!c) continue;  // closed after it was scheduled
    c->scheduled = false;
    service(*c);
  }
  ready_.clear();
}

void UvLoop::on_acceptable(uv_poll_t* poll, int status, int) {
  if (status == 0) static_cast<UvLoop*>(poll->data)->accept_all();
}

void UvLoop::accept_all() {
  for (int accepted = 0; accepted < 256; ++accepted) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && reserve_fd_ >= 0) {
        // Out of descriptors: spend the reserve to answer one client, so the
        // accept queue drains instead of waking us forever.
        close(reserve_fd_);
        fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
          turn_away(shared_, fd, stopping_);
          close(fd);
        }
        reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
        loop_.emfile_fd = reserve_fd_;
        continue;
      }
      return;  // EAGAIN, or an error that a later wake-up will report again
    }
    admit(fd);
  }
}

void UvLoop::admit(int fd) {
  // Take a place first, then check: loops on other threads admit at the
  // same time, and a check before the increment would let two through.
  if (stopping_ || shared_.open_connections.fetch_add(1) >= shared_.options.max_connections) {
    if (!stopping_) shared_.open_connections.fetch_sub(1);
    turn_away(shared_, fd, stopping_);
    close(fd);
    return;
  }
  auto* c = new Connection(*this);
  c->admitted = true;
  uv_tcp_init(&loop_, &c->tcp);
  if (uv_tcp_open(&c->tcp, fd) != 0) {
    close(fd);
    return close_connection(*c);
  }
  uv_tcp_nodelay(&c->tcp, 1);
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

void UvLoop::on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
  Connection& c = *static_cast<Connection*>(handle->data);
  if (c.lingering) {
    *buf = uv_buf_init(c.loop.discard_, sizeof c.loop.discard_);
    return;
  }
  uv_lend(c.http, c, buf);
}

void UvLoop::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  Connection& c = *static_cast<Connection*>(stream->data);
  UvLoop& l = c.loop;
  if (c.closing) return;
  if (c.lingering) {
    // Discard what the peer still sends until it closes or the linger ends.
    if (nread < 0 && nread != UV_EAGAIN && nread != UV_ENOBUFS) l.close_connection(c);
    return;
  }
  l.timers_.tick();
  uv_received(c.http, c, nread, l.timers_.now());
  l.service(c);
}

void UvLoop::on_written(uv_write_t* req, int status) {
  Connection& c = *static_cast<Connection*>(req->data);
  UvLoop& l = c.loop;
  l.timers_.tick();
  uv_written(c.http, c, l.write_requests_, req, status, l.timers_.now());
  l.service(c);
}

void UvLoop::service(Connection& c) {
  if (c.closing || c.lingering) return;
  bool close = false;
  uv_write_step(c.http, c, write_requests_, &UvLoop::on_written, timers_.now(), close);
  if (close) return begin_linger(c);
  // Failed with a write in flight (a peer that stopped reading, a send
  // timeout): closing the handle cancels it.
  if (c.http.writes_abandoned()) return close_connection(c);
  uv_read_step(c.http, c, &UvLoop::on_alloc, &UvLoop::on_read);
  arm_deadline(c);
}

void UvLoop::arm_deadline(Connection& c) {
  c.deadline.arm(timers_.heap(), c.http.deadline(), &UvLoop::on_deadline, &c);
}

void UvLoop::on_deadline(void* context) {
  Connection& c = *static_cast<Connection*>(context);
  c.deadline.fired(c.http, c.loop.timers_.now());
  c.loop.schedule(c);
}

void UvLoop::begin_linger(Connection& c) {
  // RFC 9112 §9.6: close the sending side first and read on for a while, so
  // that unread input does not turn the close into a reset that destroys the
  // response at the client.
  if (c.eof) return close_connection(c);  // nothing more will come to discard
  c.lingering = true;
  c.deadline.cancel(timers_.heap());
  c.linger_timer = timers_.heap().start(timers_.now() + linger_period, &UvLoop::on_linger_timeout, &c);
  auto* req = new uv_shutdown_t;
  req->data = &c;
  if (uv_shutdown(req, c.stream(), &UvLoop::on_shutdown) != 0) {
    delete req;
    return close_connection(c);
  }
  if (!c.reading) c.reading = uv_read_start(c.stream(), &UvLoop::on_alloc, &UvLoop::on_read) == 0;
}

void UvLoop::on_shutdown(uv_shutdown_t* req, int) { delete req; }

void UvLoop::on_linger_timeout(void* context) {
  Connection& c = *static_cast<Connection*>(context);
  c.linger_timer = {};
  c.loop.close_connection(c);
}

void UvLoop::close_connection(Connection& c) {
  if (c.closing) return;
  c.closing = true;
  c.deadline.cancel(timers_.heap());
  timers_.heap().cancel(c.linger_timer);
  // run() may be walking ready_: blank the entry rather than shift the rest.
  std::replace(ready_.begin(), ready_.end(), &c, static_cast<Connection*>(nullptr));
  // A write in flight completes with UV_ECANCELED before on_closed.
  uv_close(reinterpret_cast<uv_handle_t*>(&c.tcp), &UvLoop::on_closed);
}

void UvLoop::on_closed(uv_handle_t* handle) {
  auto* c = static_cast<Connection*>(handle->data);
  UvLoop& l = c->loop;
  if (auto it = std::find(l.connections_.begin(), l.connections_.end(), c); it != l.connections_.end())
    l.connections_.erase(it);
  if (c->admitted) l.shared_.open_connections.fetch_sub(1);
  delete c;
}

void UvLoop::begin_stop() {
  stopping_ = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
  close(listen_fd_);
  listen_fd_ = -1;
  for (Connection* c : connections_) {
    c->http.shutdown(timers_.now());
    schedule(*c);
  }
  timers_.heap().start(timers_.now() + stop_grace_period, &UvLoop::on_grace_timeout, this);
}

void UvLoop::on_grace_timeout(void* context) { static_cast<UvLoop*>(context)->grace_over_ = true; }

// Closes every handle, so that uv_run returns.
void UvLoop::close_loop() {
  loop_closing_ = true;
  for (Connection* c : std::vector<Connection*>(connections_)) close_connection(*c);
  for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&listener_), reinterpret_cast<uv_handle_t*>(&prepare_),
                         reinterpret_cast<uv_handle_t*>(&timer_), reinterpret_cast<uv_handle_t*>(&async_)})
    if (!uv_is_closing(h)) uv_close(h, nullptr);
}

}  // namespace wirestate::adapters
