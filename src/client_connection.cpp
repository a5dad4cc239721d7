// The client connection: reading responses, the dispatch loop and time.
// Requests and output live in client_output.cpp.
#include "wirestate/client_connection.hpp"
#include "wirestate/connection.hpp"

#include <cassert>
#include <cstring>
#include <memory>
#include <type_traits>

#include "client_impl.hpp"
#include "state_pool.hpp"

namespace wirestate {

static_assert(Connection<ClientConnection>, "the IO calls every adapter drives");

using State = ClientExchange::State;
using In = State::In;
using Event = detail::MessageParser::Event;

static_assert(std::is_trivially_destructible_v<Response> && std::is_trivially_destructible_v<detail::OutgoingBody>,
              "reset() rebuilds these in place without destroying them");

void State::reset(const Config& config) noexcept {
  handler = nullptr;
  head_request = connect_request = upgrade_offered = false;
  pipeline = true;
  body_held = false;
  continue_until.reset();
  request_ended = request_written = wait_writable = last_request = false;
  std::construct_at(&body);
  head.reset({config.max_request_line_bytes, config.max_header_bytes, config.max_header_count});
  trailers.reset({0, config.max_trailer_bytes, config.max_header_count});
  std::construct_at(&response);  // in place: see ExchangeState::reset
  in = In::waiting;
  has_body = read_wanted = end_delivered = response_started = false;
  max_body = config.max_body_bytes;
  body_received = 0;
  failure.clear();
  handle.user_data = nullptr;
}

ClientConnection::Impl::Impl(const Config& c, Time t)
    : config(c), pool(c.buffers ? *c.buffers : default_buffers()), input(pool, c.read_buffer_bytes),
      arena(c.output_block_bytes, pool),
      now(t), idle_since(t), body_progress(t) {
}

ClientConnection::Impl::~Impl() {
  for (State* ex : active) drop_queues(*ex);
  lent.forget_writes(arena);
  for (detail::Segment& s : deferred_releases) detail::release_segment(arena, s);
  while (!active.empty()) release_state(*active.front());
}

void ClientConnection::Impl::release_state(State& ex) noexcept {
  active.remove(&ex);
  recycle_state(ex);
}

void ClientConnection::Impl::recycle_state(State& ex) noexcept {
  ex.conn = nullptr;
  detail::StatePool<State>::give(&ex);
}

void ClientConnection::Impl::release_if_idle() noexcept {
  // As the server's: the read buffer goes back whenever nothing in it is
  // unread or pinned and no read may be landing in it.
  if (!read_lent && input.empty() && body_pending.empty() && !tunnel) input.give_back();
  if (!active.empty() || !input.empty() || armed_for || tunnel || !deferred_releases.empty() ||
      !lent.nothing_in_flight() || lent.has_parked())
    return;
  lent.give_back();
  arena.release_all();
}

void ClientConnection::Impl::touch() noexcept {
  // As the server's: an action from inside parse_input is seen by the later
  // steps of the same pass.
  if (in_run) {
    if (!in_parse_step) again = true;
    return;
  }
  dirty = true;
  if (waker) waker->wake();
}

bool ClientConnection::Impl::written_opens_work() const noexcept {
  // A write frees queue space and may finish a request's bytes. Nothing
  // else the loop reads changes, so it has work only if an on_writable may
  // be owed, a release waits, the first exchange can now retire, or
  // nothing is left (buffers go back).
  return writable_owed || !deferred_releases.empty() || active.empty() || finished(*active.front());
}

void ClientConnection::Impl::wake_for_output() noexcept {
  if (in_run) return touch();
  // `dirty` stays as it was: the loop has nothing to do for an exchange
  // whose response has not begun (bytes that arrive with no exchange to
  // read them fail the connection, so none can be waiting for this one),
  // and next_write gathers the new bytes without it.
  if (waker) waker->wake();
}

void ClientConnection::Impl::run() noexcept {
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
    if (deliver_body()) again = true;
    if (deliver_writable()) again = true;
    if (retire()) again = true;
    // With no exchange and nothing unread there is nothing to deliver or
    // retire: the pass that retired the last exchange needs no other.
  } while (!deferred_releases.empty() || (again && !(active.empty() && input.empty())));
  in_run = false;
  release_if_idle();
}

State* ClientConnection::Impl::receiving() const noexcept {
  for (State* ex : active)
    if (ex->in != In::complete) return ex;
  return nullptr;
}

void ClientConnection::Impl::parse_input() noexcept {
  while (!read_closed && !tunnel && body_pending.empty() &&
         (!input.empty() || (armed_for && lent.parser().paused()))) {
    // A bodiless response is complete at its head, but the parser still owes
    // its end: stay with the exchange the parser is reading.
    State* ex = armed_for ? armed_for : receiving();
    if (!ex) {
      // RFC 9112 §9.3: a response with no request outstanding cannot be
      // matched to anything.
      fail(Error::unexpected_response, Error::connection_closed);
      return;
    }
    if (!armed_for) {
      lent.parser().set_builders(&ex->head, &ex->trailers, &ex->extensions);
      lent.parser().set_request_context(ex->head_request, ex->connect_request);
      armed_for = ex;
    }
    const std::string_view bytes = input.unread();
    const detail::MessageParser::Step step = lent.parser().parse(bytes.data(), bytes.size());
    input.consume(step.consumed);
    switch (step.event) {
      case Event::need_more:
        return;
      case Event::head:
        on_head(*ex);
        break;
      case Event::body:
        ex->body_received += step.body.size();
        body_progress = now;
        if (ex->body_received > ex->max_body) return fail(Error::body_too_large, Error::connection_closed);
        body_pending = step.body;
        break;
      case Event::message_end:
        on_message_end(*ex);
        break;
      case Event::upgrade:
        if (ex->response.status == 101 || (ex->connect_request && ex->response.status < 300)) {
          tunnel = ex;
          ex->in = In::body;
          ex->has_body = true;
        }
        return;
      case Event::error:
        return fail(lent.parser().error() == Error::bad_request ? Error::bad_response : lent.parser().error(),
                    Error::connection_closed);
    }
  }
}

void ClientConnection::Impl::on_head(State& ex) noexcept {
  const int status = lent.parser().status();
  if (status < 200 && status != 101) {
    // Interim: 100 releases a body held for it; the views live for this call.
    if (status == 100) ex.body_held = false, ex.continue_until.reset();
    ex.handler->on_informational(ex.handle, status, ex.head.headers());
    return;
  }
  Response& r = ex.response;
  r.status = status;
  r.reason = ex.head.reason();
  r.version_major = lent.parser().version_major();
  r.version_minor = lent.parser().version_minor();
  r.headers = ex.head.headers();
  r.content_length = lent.parser().content_length();
  r.chunked = lent.parser().chunked();
  r.keep_alive = lent.parser().keep_alive();
  const bool tunnel_response = status == 101 || (ex.connect_request && status < 300);
  // RFC 9112 §6.3: which responses have a body.
  ex.has_body = !ex.head_request && status != 204 && status != 304 && !tunnel_response &&
                (r.chunked || r.content_length.value_or(1) > 0);
  ex.in = ex.has_body ? In::body : In::complete;
  // RFC 9110 §15.2.2: no switch to a protocol the request did not offer.
  if (status == 101 && !ex.upgrade_offered) return fail(Error::bad_response, Error::connection_closed);
  if (tunnel_response && !ex.request_ended) {
    // The request's own body is unfinished: its bytes and the other
    // protocol's would interleave. No valid server switches here.
    return fail(Error::bad_response, Error::connection_closed);
  }
  if (tunnel_response) {
    // Everything after this head is the other protocol's: the parser stops.
    tunnel = &ex;
    ex.in = In::body;
    ex.has_body = true;
    ex.body = {};
    ex.body.framing = detail::Framing::tunnel;
    ex.request_ended = false;  // raw writes may follow
  } else if (!r.keep_alive) {
    closing = true;
    ex.last_request = true;
  }
  // A final answer before the body was asked for: the body stays unsent, and
  // the connection cannot carry another request (the server may still expect
  // the bytes that were declared).
  if (ex.body_held) {
    ex.body_held = false;
    closing = true;
    ex.last_request = true;
    drop_queues(ex);
    ex.request_ended = ex.request_written = true;
  }
  ex.response_started = true;
  ex.handler->on_response(ex.handle);
  if (r.content_length && *r.content_length > ex.max_body && ex.has_body)
    fail(Error::body_too_large, Error::connection_closed);
}

void ClientConnection::Impl::on_message_end(State& ex) noexcept {
  if (!ex.response_started) {
    // The end of a 1xx: the final head follows, into fresh storage.
    ex.head.reset({config.max_request_line_bytes, config.max_header_bytes, config.max_header_count});
    lent.parser().set_builders(&ex.head, &ex.trailers, &ex.extensions);
    return;
  }
  ex.in = In::complete;
  ex.response.trailers = ex.trailers.headers();
  armed_for = nullptr;
  if (ex.read_wanted) again = true;
}

bool ClientConnection::Impl::deliver_body() noexcept {
  bool progress = false;
  if (tunnel && tunnel->read_wanted && !input.empty()) {
    tunnel->read_wanted = false;
    const std::string_view data = input.unread();
    input.consume_all();
    tunnel->handler->on_body(tunnel->handle, data);
    progress = true;
  }
  State* ex = armed_for;
  if (!body_pending.empty() && ex && ex->read_wanted) {
    ex->read_wanted = false;
    const std::string_view data = body_pending;
    body_pending = {};
    ex->handler->on_body(ex->handle, data);
    progress = true;
  }
  for (State* s : active) {
    if (s->read_wanted && s->in == In::complete && s->has_body && !s->end_delivered) {
      s->read_wanted = false;
      s->end_delivered = true;
      s->handler->on_body_end(s->handle);
      return true;  // `active` may have changed
    }
  }
  return progress;
}

// ---- ClientExchange: the reading side --------------------------------------

const Response& ClientExchange::response() const noexcept { return state_->response; }

void ClientExchange::read_body() noexcept {
  State& ex = *state_;
  if (ex.failure || ex.end_delivered) return;
  ex.read_wanted = true;
  ex.conn->body_progress = ex.conn->now;
  ex.conn->touch();
}

void ClientExchange::set_max_body_bytes(std::uint64_t limit) noexcept { state_->max_body = limit; }

Headers ClientExchange::chunk_extensions() const noexcept {
  const ClientConnection::Impl& c = *state_->conn;
  return c.armed_for == state_ && c.lent.parser_if_held() ? c.lent.parser_if_held()->chunk_extensions() : Headers{};
}
bool ClientExchange::is_tunnel() const noexcept { return state_->conn->tunnel == state_; }

// ---- public API -------------------------------------------------------------

ClientConnection::ClientConnection(const Config& config, Time now)
    : impl_(std::make_unique<Impl>(config, now)) {}
ClientConnection::~ClientConnection() = default;

SendResult ClientConnection::send(ResponseHandler& handler, std::string_view method,
                                  std::string_view target, Headers headers, std::string_view body,
                                  RequestOptions options) noexcept {
  return impl_->send(handler, method, target, headers, body, options);
}

bool ClientConnection::can_send() const noexcept {
  const Impl& c = *impl_;
  return !c.closing && !c.write_closed && !c.read_closed && !c.tunnel &&
         c.active.size() < c.config.max_pipelined_requests;
}

ReadOp ClientConnection::next_read() noexcept {
  Impl& c = *impl_;
  if (c.dirty) c.run();
  if (c.read_closed) return ReadOp::close;
  if (c.input.full(!c.body_pending.empty())) return ReadOp::yield;
  return ReadOp::read;
}

std::span<char> ClientConnection::read_buffer() noexcept {
  Impl& c = *impl_;
  c.read_lent = true;
  return c.input.free_space(!c.body_pending.empty());
}

void ClientConnection::commit_read(std::size_t n, Time now) noexcept {
  Impl& c = *impl_;
  assert(now >= c.now);
  c.now = now;
  c.read_lent = false;
  if (c.read_closed) return c.release_if_idle();
  c.input.commit(n);
  c.run();
}

void ClientConnection::read_eof(Time now) noexcept {
  Impl& c = *impl_;
  c.now = std::max(c.now, now);
  c.read_lent = false;
  if (c.read_closed) return;
  c.run();  // whatever is buffered is read first
  if (c.tunnel) {
    State& t = *c.tunnel;
    t.in = In::complete;
    c.read_closed = true;
    c.run();
    return;
  }
  State* ex = c.armed_for ? c.armed_for : c.receiving();
  if (ex && ex->response_started && c.body_pending.empty()) {
    // A body delimited by close ends here; any other is cut short.
    const detail::MessageParser::Step step = c.lent.parser().finish();
    if (step.event == Event::message_end) {
      c.on_message_end(*ex);
      c.read_closed = true;
      c.closing = true;
      c.run();
      return;
    }
  }
  if (ex) c.fail(ex->response_started ? Error::peer_closed : Error::no_response, Error::no_response);
  c.read_closed = true;
  c.closing = true;
  c.run();
}

WriteOp ClientConnection::next_write() noexcept {
  Impl& c = *impl_;
  if (c.dirty) c.run();
  return c.build_write();
}

void ClientConnection::wrote(WriteToken token, std::size_t n, Time now) noexcept {
  Impl& c = *impl_;
  assert(now >= c.now);
  c.now = now;
  c.report_written(token, n);
  if (c.dirty || c.written_opens_work()) c.run();
}

void ClientConnection::wrote(std::size_t n, Time now) noexcept {
  wrote(impl_->lent.oldest_write(), n, now);
}

void ClientConnection::write_failed(Time now) noexcept {
  Impl& c = *impl_;
  c.now = std::max(c.now, now);
  c.fail(Error::write_failed, Error::write_failed);
  c.lent.forget_writes(c.arena);
  c.run();
}

detail::DeadlineList<ClientConnection::Impl::Timer, 3> ClientConnection::Impl::deadlines() const noexcept {
  detail::DeadlineList<Timer, 3> d;
  if (write_closed && read_closed) return d;
  // RFC 9110 §10.1.1: the client need not wait for 100 forever; one timer
  // stands for every held body, the earliest.
  std::optional<Time> hold;
  for (const State* ex : active)
    if (ex->continue_until && (!hold || *ex->continue_until < *hold)) hold = ex->continue_until;
  d.add(hold, Timer::continue_wait);
  if (write_waiting_since) d.add(*write_waiting_since + config.send_timeout, Timer::send_timeout);
  const State* ex = receiving();
  if (tunnel) {
    // Nothing on the read side is timed.
  } else if (ex && ex->request_written && !ex->response_started) {
    d.add(ex->written_at + config.header_timeout, Timer::header);
  } else if (ex && ex->read_wanted && body_pending.empty()) {
    d.add(body_progress + config.body_timeout, Timer::body);
  } else if (active.empty() && !read_closed) {
    d.add(idle_since + config.keep_alive_timeout, Timer::idle);
  }
  return d;
}

bool ClientConnection::Impl::fire(Timer timer) noexcept {
  switch (timer) {
    case Timer::continue_wait:
      for (State* ex : active) {
        if (ex->continue_until && now >= *ex->continue_until) {
          ex->continue_until.reset();
          ex->body_held = false;
        }
      }
      return false;  // the bodies go out; the other timers still apply
    case Timer::send_timeout: fail(Error::send_timeout, Error::send_timeout); return true;
    case Timer::header: fail(Error::header_timeout, Error::connection_closed); return true;
    case Timer::body: fail(Error::body_timeout, Error::connection_closed); return true;
    case Timer::idle: close_now(); return true;
  }
  return false;
}

std::optional<Time> ClientConnection::deadline() const noexcept { return impl_->deadlines().earliest(); }

void ClientConnection::on_deadline(Time now) noexcept {
  Impl& c = *impl_;
  assert(now >= c.now);
  c.now = now;
  c.deadlines().run_due(now, [&c](Impl::Timer timer) { return c.fire(timer); });
  c.run();
}

void ClientConnection::set_waker(Waker* waker) noexcept { impl_->waker = waker; }
bool ClientConnection::is_closed() const noexcept {
  return impl_->write_closed && impl_->read_closed && impl_->lent.nothing_in_flight();
}
bool ClientConnection::is_idle() const noexcept { return impl_->active.empty(); }

}  // namespace wirestate
