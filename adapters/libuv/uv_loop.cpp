// The libuv loop: the shared skeleton (loop_core.hpp) with libuv's IO
// (uv_steps.hpp), on the embedder's uv_loop_t.
//
// The listener is watched with a uv_poll_t and accepted from directly, each
// connection opened with uv_tcp_open: out of descriptors, libuv's own
// listener closes every queued connection without a word, where this one
// answers 503. A uv_prepare_t does the turn's work before each wait, and one
// uv_timer_t ends a wait at the timer heap's earliest entry.
#include "wirestate/uv_loop.hpp"

#include <uv.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "../common/loop_core.hpp"
#include "uv_steps.hpp"

namespace wirestate {

using adapters::LoopConnection;

namespace {
// Each connection's tcp.data points to it; libuv's callbacks are chosen by
// its type (on_read<UvConnection>, ...).
// closing (LoopSocket's): uv_close was called, and on_closed frees it.
struct UvConnection final : LoopConnection, adapters::UvSocket {
  UvConnection(adapters::LoopCore& loop_core, Handler& handler) : LoopConnection(loop_core, handler) {
    tcp.data = this;
  }
};

struct UvClient final : adapters::LoopClient, adapters::UvSocket {
  UvClient(adapters::LoopCore& loop_core, ClientSession& client_session) : LoopClient(loop_core, client_session) {
    tcp.data = this;
  }
};

uv_handle_t* handle(auto* h) { return reinterpret_cast<uv_handle_t*>(h); }
}  // namespace

struct UvBackend final : adapters::LoopBackend {
  UvBackend(uv_loop_t* l, LoopOptions options) : LoopBackend(std::move(options)), loop(l) {}

  // --- LoopIo
  LoopConnection* open(int fd, Handler& handler) override {
    auto* c = new UvConnection(core, handler);
    uv_tcp_init(loop, &c->tcp);
    ++open_handles;
    if (uv_tcp_open(&c->tcp, fd) != 0) {
      close(fd);
      c->closing = true;
      uv_close(handle(&c->tcp), &UvBackend::on_closed<UvConnection>);
      return nullptr;
    }
    return c;
  }

  adapters::LoopClient* open_client(int fd, ClientSession& session) override {
    auto* c = new UvClient(core, session);
    uv_tcp_init(loop, &c->tcp);
    ++open_handles;
    if (const int rc = uv_tcp_open(&c->tcp, fd); rc != 0) {
      close(fd);
      c->error = -rc;  // its first service ends it
    }
    return c;
  }

  void service(adapters::LoopSocket& base) override {
    if (base.client) return serve(static_cast<UvClient&>(base));
    UvConnection& c = static_cast<UvConnection&>(base);
    if (c.closing || c.lingering) return;
    bool close = false;
    adapters::uv_write_step(c.http, c, write_requests, &UvBackend::on_written<UvConnection>, core.now(), close);
    if (close) return core.begin_linger(c);
    // Failed with a write in flight (a peer that stopped reading, a send
    // timeout): closing the handle cancels it.
    if (c.http.writes_abandoned()) return end(c);
    adapters::uv_read_step(c.http, c, &UvBackend::on_alloc<UvConnection>, &UvBackend::on_read<UvConnection>);
    core.arm_deadline(c);
  }

  void serve(UvClient& c) {
    if (c.closing) return;
    bool close = c.error != 0;
    if (!close) {
      if (const int rc = adapters::uv_write_step(c.http, c, write_requests, &UvBackend::on_written<UvClient>,
                                                 core.now(), close))
        c.error = -rc;
      close = close || c.error != 0 || c.http.writes_abandoned();
    }
    if (!close) adapters::uv_read_step(c.http, c, &UvBackend::on_alloc<UvClient>, &UvBackend::on_read<UvClient>);
    core.client_served(c, close);
  }

  bool half_close(LoopConnection& base) override {
    UvConnection& c = static_cast<UvConnection&>(base);
    if (c.eof) return false;  // nothing more will come to discard
    auto* req = new uv_shutdown_t;
    req->data = &c;
    if (uv_shutdown(req, c.stream(), [](uv_shutdown_t* r, int) { delete r; }) != 0) {
      delete req;
      return false;
    }
    if (!c.reading)
      c.reading = uv_read_start(c.stream(), &UvBackend::on_alloc<UvConnection>, &UvBackend::on_read<UvConnection>) == 0;
    return true;
  }

  void end(adapters::LoopSocket& base) override {
    adapters::with_role<UvConnection, UvClient>(base, [this](auto& c) { close_handle(c); });
  }

  template <class C>
  void close_handle(C& c) {
    if (c.closing) return;
    c.closing = true;
    core.forget(c);
    // A write in flight completes with UV_ECANCELED before on_closed.
    uv_close(handle(&c.tcp), &UvBackend::on_closed<C>);
  }

  void stop_listening() override {
    if (listen_fd < 0) return;
    uv_close(handle(&listener), &UvBackend::on_handle_closed);
    ::close(listen_fd);
    listen_fd = -1;
  }

  // --- libuv's callbacks
  template <class C>
  static void on_closed(uv_handle_t* h) {
    auto* c = static_cast<C*>(h->data);
    UvBackend& l = static_cast<UvBackend&>(c->core.io());
    delete c;
    l.handle_closed();
  }
  static void on_handle_closed(uv_handle_t* h) { static_cast<UvBackend*>(h->data)->handle_closed(); }

  static void on_acceptable(uv_poll_t* poll, int status, int) {
    UvBackend& l = *static_cast<UvBackend*>(poll->data);
    if (status == 0 && l.listen_fd >= 0) l.core.accept_all(l.listen_fd);
  }

  template <class C>
  static void on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
    C& c = *static_cast<C*>(h->data);
    if (c.lingering) {
      UvBackend& l = static_cast<UvBackend&>(c.core.io());
      *buf = uv_buf_init(l.discard, sizeof l.discard);
      return;
    }
    adapters::uv_lend(c.http, c, buf);
  }

  template <class C>
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
    C& c = *static_cast<C*>(stream->data);
    UvBackend& l = static_cast<UvBackend&>(c.core.io());
    if (c.closing) return;
    if (c.lingering) {
      // Discard what the peer still sends until it closes or the linger ends.
      if (nread < 0 && nread != UV_EAGAIN && nread != UV_ENOBUFS) l.end(c);
      return;
    }
    l.core.timers().tick();
    l.failed(c, adapters::uv_received(c.http, c, nread, l.core.now()));
    l.service(c);
  }

  template <class C>
  static void on_written(uv_write_t* req, int status) {
    C& c = *static_cast<C*>(req->data);
    UvBackend& l = static_cast<UvBackend&>(c.core.io());
    l.core.timers().tick();
    l.failed(c, adapters::uv_written(c.http, c, l.write_requests, req, status, l.core.now()));
    l.service(c);
  }

  // A client keeps the first socket error, for its session's on_closed.
  static void failed(UvConnection&, int) {}
  static void failed(UvClient& c, int rc) {
    if (rc && !c.error) c.error = -rc;
  }

  // Before each wait: the timers that are due, the connections woken since,
  // and the one uv timer set to the heap's earliest entry.
  static void on_prepare(uv_prepare_t* prepare) {
    UvBackend& l = *static_cast<UvBackend*>(prepare->data);
    if (l.closing) return;
    l.core.run_timers();
    l.core.serve_ready();
    if (l.core.finished()) return l.close_all();
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(l.core.wait_bound());
    uv_timer_start(&l.timer, [](uv_timer_t*) {}, static_cast<std::uint64_t>(wait.count()), 0);
  }

  static void on_async(uv_async_t* async) {
    UvBackend& l = *static_cast<UvBackend*>(async->data);
    l.core.timers().tick();
    l.core.poll_stop();
    l.wake();
  }

  // --- LoopBackend
  std::error_code listen() override {
    if (closing) return std::make_error_code(std::errc::operation_canceled);
    if (const int rc = uv_poll_init(loop, &listener, listen_fd); rc != 0) return {-rc, std::system_category()};
    listener.data = this;
    ++open_handles;
    uv_poll_start(&listener, UV_READABLE, &UvBackend::on_acceptable);
    return {};
  }
  void notify() noexcept override { uv_async_send(&async); }
  void poke() override { wake(); }
  bool finished() const noexcept override { return closed; }
  void release() override {
    if (closed) {
      delete this;
      return;
    }
    abandoned = true;  // the last close callback frees this
    close_all();
  }

  // Work was scheduled from an IO callback: the next wait must not block.
  void wake() {
    if (!closing && core.has_ready()) uv_timer_start(&timer, [](uv_timer_t*) {}, 0, 0);
  }

  // Closes every handle; the last close callback finishes the loop.
  void close_all() {
    if (closing) return;
    closing = true;
    for (LoopConnection* c : std::vector<LoopConnection*>(core.connections())) end(*c);
    core.cut_clients();
    for (adapters::LoopClient* c : std::vector<adapters::LoopClient*>(core.clients())) end(*c);
    stop_listening();
    for (uv_handle_t* h : {handle(&prepare), handle(&timer), handle(&async)}) uv_close(h, &UvBackend::on_handle_closed);
  }

  void handle_closed() {
    if (--open_handles > 0) return;
    if (abandoned) {
      delete this;
      return;
    }
    closed = true;
    core.report_finished();
  }

  uv_loop_t* loop;
  uv_poll_t listener;
  uv_prepare_t prepare;
  uv_timer_t timer;
  uv_async_t async;  // stop() from another thread
  uv_tcp_t probe;    // makes libuv open its own reserve descriptor up front
  unsigned open_handles = 0;
  bool closing = false;
  bool closed = false;  // every handle closed after stop()
  bool abandoned = false;  // the UvLoop went first: the last close frees this
  adapters::UvWriteRequests write_requests;
  char discard[16384];  // what lingering connections read, unread
};

std::unique_ptr<UvLoop> UvLoop::create(uv_loop_s* loop, LoopOptions options, std::error_code& error) {
  auto* impl = new UvBackend(loop, std::move(options));
  UvBackend& l = *impl;
  // libuv opens a descriptor of its own at a loop's first stream, for its
  // listener's EMFILE answer; a stream made and closed now opens it before
  // any connection, so the loop's descriptors are all open from its start.
  uv_tcp_init(loop, &l.probe);
  uv_prepare_init(loop, &l.prepare);
  uv_timer_init(loop, &l.timer);
  const int rc = uv_async_init(loop, &l.async, &UvBackend::on_async);
  for (uv_handle_t* h : {handle(&l.probe), handle(&l.prepare), handle(&l.timer), handle(&l.async)}) h->data = impl;
  l.open_handles = rc == 0 ? 4 : 3;
  uv_close(handle(&l.probe), &UvBackend::on_handle_closed);
  if (rc != 0) {
    error = {-rc, std::system_category()};
    l.abandoned = true;
    l.closing = true;
    uv_close(handle(&l.prepare), &UvBackend::on_handle_closed);
    uv_close(handle(&l.timer), &UvBackend::on_handle_closed);
    return nullptr;
  }
  uv_prepare_start(&l.prepare, &UvBackend::on_prepare);
  error = {};
  return std::unique_ptr<UvLoop>(new UvLoop(*impl));
}

}  // namespace wirestate
