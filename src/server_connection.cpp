// The server connection: input, the dispatch loop and time. Output lives in
// server_output.cpp, the application's side in exchange.cpp.
#include "wirestate/server_connection.hpp"
#include "wirestate/connection.hpp"

#include <cassert>
#include <cstring>

#include "server_impl.hpp"
#include "state_pool.hpp"

namespace wirestate {

static_assert(Connection<ServerConnection>, "the IO calls every adapter drives");

using detail::ExchangeState;
using Step = detail::MessageParser::Step;
using Event = detail::MessageParser::Event;
using In = ExchangeState::In;
using Out = ExchangeState::Out;
using detail::Framing;

ServerConnection::Impl::Impl(const Config& c, Handler& h, Time t)
    : config(c), handler(h), pool(c.buffers ? *c.buffers : default_buffers()),
      input(pool, c.read_buffer_bytes), arena(c.output_block_bytes, pool), now(t), idle_since(t), head_started(t), body_progress(t) {
}

ServerConnection::Impl::~Impl() {
  for (ExchangeState* ex : active) drop_queue(*ex);
  lent.forget_writes(arena);
  for (detail::Segment& s : deferred_releases) detail::release_segment(arena, s);
  while (!active.empty()) release_state(*active.front());
}

void ServerConnection::Impl::release_state(ExchangeState& ex) noexcept {
  active.remove(&ex);
  recycle_state(ex);
}

void ServerConnection::Impl::recycle_state(ExchangeState& ex) noexcept {
  ex.conn = nullptr;
  detail::StatePool<ExchangeState>::give(&ex);
}

void ServerConnection::Impl::release_if_idle() noexcept {
  // Parsed bytes live in the exchange (heads) or were handed over (bodies):
  // the read buffer goes back as soon as nothing in it is unread or pinned,
  // even in the middle of a message, unless a read may be landing in it.
  if (!read_lent && input.empty() && body_pending.empty() && !tunnel) input.give_back();
  if (parsing || !active.empty() || !input.empty() || tunnel || upgrade_owner ||
      !deferred_releases.empty() || !lent.nothing_in_flight() || lent.has_parked())
    return;
  lent.give_back();
  arena.release_all();
}

void ServerConnection::Impl::touch() noexcept {
  if (in_run) {
    // What the app does from inside parse_input (a response from on_request,
    // mostly) is seen by the steps after it in the same pass, and the parse
    // loop looks at its own conditions again after every event: only an
    // action in a later step needs another pass.
    if (!in_parse_step) again = true;
    return;
  }
  dirty = true;
  if (waker) waker->wake();
}

void ServerConnection::Impl::run() noexcept {
  if (in_run) {
    again = true;
    return;
  }
  in_run = true;
  dirty = false;
  do {
    again = false;
    while (!deferred_releases.empty()) {
      detail::Segment s = deferred_releases.back();
      deferred_releases.pop_back();
      detail::release_segment(arena, s);
    }
    in_parse_step = true;
    parse_input();
    in_parse_step = false;
    if (settle_unread_body()) again = true;
    if (deliver_body()) again = true;
    if (deliver_writable()) again = true;
    if (retire()) again = true;
  } while (again || !deferred_releases.empty());
  in_run = false;
  track_rates();
  release_if_idle();
}

void ServerConnection::Impl::track_rates() noexcept {
  const bool body_awaited = !read_closed && !tunnel && parsing && parsing->in == In::body &&
                            body_pending.empty() && (parsing->read_wanted || parsing->draining);
  recv_rate.track(body_awaited);
  send_rate.track(!write_closed && write_waiting_since.has_value());
}

void ServerConnection::Impl::clock_rates() noexcept {
  recv_rate.clock(now);
  send_rate.clock(now);
}

ExchangeState* ServerConnection::Impl::start_exchange() noexcept {
  ExchangeState* ex = detail::StatePool<ExchangeState>::take();
  ex->conn = this;
  ex->reset(config);
  active.push_back(ex);
  lent.parser().set_builders(&ex->head, &ex->trailers, &ex->extensions);
  head_started = now;
  return ex;
}

void ServerConnection::Impl::parse_input() noexcept {
  while (!read_closed && !tunnel && body_pending.empty() &&
         (!input.empty() || (parsing && lent.parser().paused()))) {
    if (!parsing) {
      if (closing) {
        // Bytes after a request that ends the connection are never answered.
        stop_reading();
        return;
      }
      if (upgrade_owner) return;  // the response decides what the bytes are
      if (active.size() >= config.max_pipelined_requests) return;
      parsing = start_exchange();
    }
    const std::string_view bytes = input.unread();
    const Step step = lent.parser().parse(bytes.data(), bytes.size());
    input.consume(step.consumed);
    switch (step.event) {
      case Event::need_more:
        return;
      case Event::head:
        on_head(*parsing);
        break;
      case Event::body: {
        ExchangeState& ex = *parsing;
        ex.body_received += step.body.size();
        body_progress = now;
        recv_rate.add(step.body.size());
        if (ex.draining) {
          drained += step.body.size();
          if (drained > config.max_drain_bytes) return stop_draining();
          break;
        }
        if (ex.body_received > ex.max_body) {
          fail_request(Error::body_too_large, {});
          return;
        }
        body_pending = step.body;
        break;
      }
      case Event::message_end:
        on_message_end();
        break;
      case Event::upgrade:
        return;  // only reached through upgrade_owner, which stops the loop first
      case Event::error:
        fail_request(lent.parser().error(), lent.parser().reason());
        return;
    }
  }
}

void ServerConnection::Impl::on_head(ExchangeState& ex) noexcept {
  Request& r = ex.request;
  r.method = ex.head.method();
  r.target = ex.head.target();
  r.path = lent.parser().target().path;
  r.query = lent.parser().target().query;
  r.authority = lent.parser().authority();
  r.version_major = lent.parser().version_major();
  r.version_minor = lent.parser().version_minor();
  r.headers = ex.head.headers();
  r.content_length = lent.parser().content_length();
  r.chunked = lent.parser().chunked();
  r.keep_alive = lent.parser().keep_alive();
  r.upgrade = lent.parser().upgrade();
  r.expects_continue = lent.parser().expects_continue();
  ex.in = r.has_body() ? In::body : In::complete;
  if (!r.keep_alive) closing = true;
  ex.app_owned = true;
  in_on_request = &ex;
  handler.on_request(ex.handle);
  in_on_request = nullptr;
  // The handler may have raised the limit for this request; a declared
  // length past it is refused before a byte of the body is read, and
  // before any 100 (Continue) the handler asked for (RFC 9110 §10.1.1).
  const bool too_large = r.content_length && *r.content_length > ex.max_body;
  if (parsing == &ex && too_large) {
    continue_owed = false;
    fail_request(Error::body_too_large, {});
  } else if (continue_owed) {
    continue_owed = false;
    send_continue(ex);
  }
}

void ServerConnection::Impl::send_continue(ExchangeState& ex) noexcept {
  if (ex.continue_sent || ex.out != Out::none || ex.in != In::body || ex.failure) return;
  if (ex.request.content_length && *ex.request.content_length > ex.max_body) return;
  ex.continue_sent = true;
  detail::append_copy(arena, ex.queue, "HTTP/1.1 100 Continue\r\n\r\n");
}

void ServerConnection::Impl::on_message_end() noexcept {
  ExchangeState& ex = *parsing;
  ex.in = In::complete;
  ex.draining = false;
  ex.request.trailers = ex.trailers.headers();
  parsing = nullptr;
  if (ex.request.upgrade) upgrade_owner = &ex;
  // An unread body's end is owed to a reader that already asked.
  if (ex.read_wanted) again = true;
}

// The request asked for another protocol (Upgrade or CONNECT) and llhttp
// stopped at its end. The response decides: a tunnel takes the bytes that
// follow; anything else resumes HTTP (Upgrade is optional for the server,
// RFC 9110 §7.8), except after CONNECT, whose bytes cannot be HTTP.
void ServerConnection::Impl::resolve_upgrade() noexcept {
  ExchangeState& ex = *upgrade_owner;
  upgrade_owner = nullptr;
  if (ex.body.framing == Framing::tunnel) {
    tunnel = &ex;
    ex.in = In::body;
    ex.end_delivered = false;
  } else if (ex.request.is_connect()) {
    ex.close_after = true;
    stop_reading();
  } else {
    lent.parser().decline_upgrade();
  }
}

bool ServerConnection::Impl::drainable(const ExchangeState& ex) const noexcept {
  const Request& r = ex.request;
  const bool known_too_long =
      r.content_length && *r.content_length - ex.body_received > config.max_drain_bytes;
  const bool body_may_never_come = r.expects_continue && !ex.continue_sent;
  return config.unread_body == UnreadBody::drain && !known_too_long && !body_may_never_come;
}

bool ServerConnection::Impl::settle_unread_body() noexcept {
  ExchangeState* ex = parsing;
  if (!ex || ex->in != In::body || ex->out != Out::ended || ex->draining || ex->close_after ||
      ex->read_wanted || ex == tunnel)
    return false;
  if (!drainable(*ex)) {
    ex->close_after = true;
    return true;  // retire() closes once the response is out
  }
  ex->draining = true;
  drain_started = now;
  drained = body_pending.size();
  body_pending = {};
  if (drained > config.max_drain_bytes) stop_draining();
  return true;
}

// Draining went past its bytes or its time: the connection closes after the
// response, as with UnreadBody::close.
void ServerConnection::Impl::stop_draining() noexcept {
  ExchangeState& ex = *parsing;
  ex.draining = false;
  ex.close_after = true;
  stop_reading(/*drop_unanswered_head=*/false);
}

bool ServerConnection::Impl::deliver_body() noexcept {
  bool progress = false;
  if (upgrade_owner && upgrade_owner->out != Out::none) {
    resolve_upgrade();
    progress = true;
  }
  if (tunnel && tunnel->read_wanted) {
    if (!input.empty()) {
      tunnel->read_wanted = false;
      const std::string_view data = input.unread();
      input.consume_all();
      handler.on_body(tunnel->handle, data);
      progress = true;
    } else if (eof && !tunnel->end_delivered) {
      tunnel->read_wanted = false;
      tunnel->end_delivered = true;
      tunnel->in = In::complete;
      handler.on_body_end(tunnel->handle);
      progress = true;
    }
  }
  if (!body_pending.empty() && parsing && parsing->read_wanted) {
    parsing->read_wanted = false;
    const std::string_view data = body_pending;
    body_pending = {};
    handler.on_body(parsing->handle, data);
    progress = true;
  }
  if (!reads_owed) return progress;
  bool any_wanted = false;
  for (ExchangeState* ex : active) {
    any_wanted |= ex->read_wanted;
    if (ex->read_wanted && ex->in == In::complete && !ex->end_delivered && ex != tunnel) {
      ex->read_wanted = false;
      ex->end_delivered = true;
      handler.on_body_end(ex->handle);
      return true;  // `active` may have changed
    }
  }
  reads_owed = any_wanted;
  return progress;
}

void ServerConnection::Impl::request_body(ExchangeState& ex) noexcept {
  if (ex.failure || ex.end_delivered || ex.draining) return;
  ex.read_wanted = true;
  reads_owed = true;
  body_progress = now;
  // RFC 9110 §10.1.1: the client waits for 100 before sending the body; it is
  // sent only once the app shows it wants the body, and, from on_request,
  // only once the declared length has been checked against the limit.
  if (ex.request.expects_continue && !ex.continue_sent) {
    if (in_on_request == &ex) continue_owed = true;
    else send_continue(ex);
  }
  touch();
}

void ServerConnection::Impl::stop_reading(bool drop_unanswered_head) noexcept {
  read_closed = true;
  input.discard();
  body_pending = {};
  if (parsing && !parsing->app_owned && drop_unanswered_head) {
    // A head that never reached the app: nothing to answer, nothing to tell.
    release_state(*parsing);
  }
  parsing = nullptr;
}

// ---- public API -----------------------------------------------------------

ServerConnection::ServerConnection(const Config& config, Handler& handler, Time now)
    : impl_(std::make_unique<Impl>(config, handler, now)) {}

ServerConnection::~ServerConnection() = default;

ReadOp ServerConnection::next_read() noexcept {
  Impl& c = *impl_;
  if (c.dirty) c.run();
  if (c.read_closed) return ReadOp::close;
  if (c.input.full(!c.body_pending.empty())) return ReadOp::yield;
  return ReadOp::read;
}

std::span<char> ServerConnection::read_buffer() noexcept {
  Impl& c = *impl_;
  c.read_lent = true;
  return c.input.free_space(!c.body_pending.empty());
}

void ServerConnection::commit_read(std::size_t n, Time now) noexcept {
  Impl& c = *impl_;
  assert(now >= c.now);
  c.now = now;
  c.read_lent = false;
  if (c.read_closed) return c.release_if_idle();
  c.clock_rates();  // these bytes count in a window that waited for them
  c.input.commit(n);
  c.run();
  c.clock_rates();
}

void ServerConnection::read_eof(Time now) noexcept {
  Impl& c = *impl_;
  assert(now >= c.now);
  c.now = now;
  c.eof = true;
  c.read_lent = false;
  if (c.tunnel) {
    c.run();
    c.clock_rates();
    return;
  }
  // Requests already received are still answered (the peer may only have
  // shut down its sending side); a request cut short is not.
  if (c.parsing && c.parsing->app_owned) {
    ExchangeState& ex = *c.parsing;
    c.stop_reading();
    ex.failure = Error::peer_closed;
    c.end_exchange(ex, Error::peer_closed);
  } else {
    c.stop_reading();
  }
  c.run();
  c.clock_rates();
}

WriteOp ServerConnection::next_write() noexcept {
  Impl& c = *impl_;
  if (c.dirty) c.run();
  return c.build_write();
}

void ServerConnection::wrote(WriteToken token, std::size_t n, Time now) noexcept {
  Impl& c = *impl_;
  assert(now >= c.now);
  c.now = now;
  c.clock_rates();
  c.report_written(token, n);
  c.run();
  c.clock_rates();
}

void ServerConnection::wrote(std::size_t n, Time now) noexcept {
  wrote(impl_->lent.oldest_write(), n, now);
}

void ServerConnection::write_failed(Time now) noexcept {
  Impl& c = *impl_;
  c.now = std::max(c.now, now);
  c.fail_all(Error::write_failed);
  c.lent.forget_writes(c.arena);
  c.run();
  c.clock_rates();
}

detail::DeadlineList<ServerConnection::Impl::Timer, 4> ServerConnection::Impl::deadlines() const noexcept {
  detail::DeadlineList<Timer, 4> d;
  if (write_closed) return d;
  if (write_waiting_since) d.add(*write_waiting_since + config.send_timeout, Timer::send_timeout);
  d.add(send_rate.ends(config.rate_window, config.min_send_bytes_per_sec), Timer::send_rate);
  if (read_closed || tunnel) return d;  // nothing on the read side is timed
  d.add(recv_rate.ends(config.rate_window, config.min_recv_bytes_per_sec), Timer::recv_rate);
  if (parsing && parsing->in == In::head) {
    d.add(head_started + config.header_timeout, Timer::header);
  } else if (parsing && parsing->draining) {
    d.add(drain_started + config.drain_timeout, Timer::drain);
  } else if (parsing && parsing->read_wanted && body_pending.empty()) {
    d.add(body_progress + config.body_timeout, Timer::body);
  } else if (!parsing && active.empty()) {
    d.add(idle_since + (served_any ? config.keep_alive_timeout : config.header_timeout), Timer::idle);
  }
  return d;
}

bool ServerConnection::Impl::fire(Timer timer) noexcept {
  switch (timer) {
    case Timer::send_timeout: fail_all(Error::send_timeout); return true;
    case Timer::send_rate:
      if (!send_rate.too_slow(now, config.rate_window, config.min_send_bytes_per_sec)) return false;
      fail_all(Error::send_too_slow);
      return true;
    case Timer::recv_rate:
      if (!recv_rate.too_slow(now, config.rate_window, config.min_recv_bytes_per_sec)) return false;
      if (parsing && parsing->draining) stop_draining();
      else fail_request(Error::body_too_slow, {});
      return true;
    case Timer::header: fail_request(Error::header_timeout, {}); return true;
    case Timer::drain: stop_draining(); return true;
    case Timer::body: fail_request(Error::body_timeout, {}); return true;
    case Timer::idle: stop_reading(); return true;
  }
  return false;
}

std::optional<Time> ServerConnection::deadline() const noexcept { return impl_->deadlines().earliest(); }

void ServerConnection::on_deadline(Time now) noexcept {
  Impl& c = *impl_;
  assert(now >= c.now);
  c.now = now;
  c.deadlines().run_due(now, [&c](Impl::Timer timer) { return c.fire(timer); });
  c.run();
  c.clock_rates();
}

void ServerConnection::shutdown(Time now) noexcept {
  Impl& c = *impl_;
  c.now = std::max(c.now, now);
  c.closing = true;
  if (!c.parsing || !c.parsing->app_owned) c.stop_reading();
  c.run();
  c.clock_rates();
}

void ServerConnection::set_waker(Waker* waker) noexcept { impl_->waker = waker; }

void ServerConnection::set_user_data(void* data) noexcept { impl_->user_data = data; }

bool ServerConnection::is_closed() const noexcept {
  return impl_->write_closed && impl_->read_closed && impl_->lent.nothing_in_flight();
}

}  // namespace wirestate
