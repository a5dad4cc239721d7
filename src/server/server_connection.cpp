// The server role: input, time and the adapter's calls. Output lives in
// server_output.cpp, the application's side in server_exchange.cpp.
#include "wirestate/server_connection.hpp"
#include "wirestate/connection.hpp"

#include <cassert>

#include "core/transport_calls.hpp"
#include "server/server_core.hpp"

namespace wirestate {

template class BasicConnection<ServerRole>;
static_assert(Connection<ServerConnection>, "the IO calls every adapter drives");

namespace detail {

using Event = MessageParser::Event;
using In = ExchangeState::In;
using Out = ExchangeState::Out;

ServerCore::ServerCore(std::shared_ptr<const Config> c, Handler& h, Time t)
    : Transport(std::move(c), t, MessageParser::Role::request), handler(h), head_started(t) {}

ServerCore::~ServerCore() { release_everything(); }

void ServerCore::track_rates() noexcept {
  const bool body_awaited = reading() && !tunnel && parsing && body_pending.empty() &&
                            ((parsing->in == In::body && parsing->reader.asked()) || parsing->in == In::draining);
  recv_rate.track(body_awaited);
  send_rate.track(writing() && write_waiting_since.has_value());
}

ExchangeState* ServerCore::start_exchange() noexcept {
  ExchangeState* ex = take_state();
  active.push_back(ex);
  lent.parser().set_builders(&ex->head, &ex->trailers, &ex->extensions);
  head_started = now;
  return ex;
}

ExchangeState* ServerCore::start_message() noexcept {
  if (flags.closing) {
    // Bytes after a request that ends the connection are never answered.
    stop_reading();
    return nullptr;
  }
  if (upgrade_owner) return nullptr;  // the response decides what the bytes are
  if (active.size() >= config.max_pipelined_requests) return nullptr;
  return parsing = start_exchange();
}

bool ServerCore::on_body(ExchangeState& ex, std::string_view piece) noexcept {
  ex.body_received += piece.size();
  recv_rate.add(piece.size());
  if (ex.in == In::draining) {
    drained += piece.size();
    if (drained > config.max_drain_bytes) {
      stop_draining();
      return false;
    }
    return true;
  }
  if (ex.body_received > ex.max_body) {
    fail_request(Error::body_too_large, {});
    return false;
  }
  body_pending = piece;
  return true;
}

void ServerCore::on_parse_error(ExchangeState&) noexcept {
  fail_request(lent.parser().error(), lent.parser().reason());
}

void ServerCore::on_head(ExchangeState& ex) noexcept {
  Request& r = ex.request;
  r.method = ex.head.method();
  r.target = ex.head.target();
  r.path = lent.parser().target().path;
  r.query = lent.parser().target().query;
  r.authority = lent.parser().authority();
  describe_message(r, ex.head.headers());
  r.upgrade = lent.parser().upgrade();
  r.expects_continue = lent.parser().expects_continue();
  ex.in.to(r.has_body() ? In::body : In::complete);
  if (!r.keep_alive) stop_accepting();
  if (config.counters) ++config.counters->requests;
  in_on_request = &ex;
  handler.on_request(ex.handle);
  in_on_request = nullptr;
  // The handler may have raised the limit for this request; a declared
  // length past it is refused before a byte of the body is read, and
  // before any 100 (Continue) the handler asked for (RFC 9110 §10.1.1).
  const bool too_large = r.content_length && *r.content_length > ex.max_body;
  if (parsing == &ex && too_large) {
    server_flags.continue_owed = false;
    fail_request(Error::body_too_large, {});
  } else if (server_flags.continue_owed) {
    server_flags.continue_owed = false;
    send_continue(ex);
  }
}

void ServerCore::send_continue(ExchangeState& ex) noexcept {
  if (ex.continue_sent || ex.out != Out::none || ex.in != In::body || ex.failure) return;
  if (ex.request.content_length && *ex.request.content_length > ex.max_body) return;
  ex.continue_sent = true;
  append_copy(arena, ex.queue, "HTTP/1.1 100 Continue\r\n\r\n");
}

void ServerCore::on_message_end(ExchangeState& ex) noexcept {
  ex.in.to(In::complete);
  ex.request.trailers = ex.trailers.headers();
  parsing = nullptr;
  if (ex.request.upgrade) upgrade_owner = &ex;
  // An unread body's end is owed to a reader that already asked.
  if (ex.reader.asked()) flags.again = true;
}

// The request asked for another protocol (Upgrade or CONNECT) and llhttp
// stopped at its end. The response decides: a tunnel takes the bytes that
// follow; anything else resumes HTTP (Upgrade is optional for the server,
// RFC 9110 §7.8), except after CONNECT, whose bytes cannot be HTTP.
void ServerCore::resolve_upgrade() noexcept {
  ExchangeState& ex = *upgrade_owner;
  upgrade_owner = nullptr;
  if (ex.is_tunnel()) {
    tunnel = &ex;
    ex.in.to(In::body);
    ex.reader.reopen();
  } else if (ex.request.is_connect()) {
    ex.close_after = true;
    stop_reading();
  } else {
    lent.parser().decline_upgrade();
  }
}

bool ServerCore::drainable(const ExchangeState& ex) const noexcept {
  const Request& r = ex.request;
  const bool known_too_long =
      r.content_length && *r.content_length - ex.body_received > config.max_drain_bytes;
  const bool body_may_never_come = r.expects_continue && !ex.continue_sent;
  return config.unread_body == UnreadBody::drain && !known_too_long && !body_may_never_come;
}

bool ServerCore::settle_unread_body() noexcept {
  ExchangeState* ex = parsing;
  if (!ex || ex->in != In::body || ex->out != Out::ended || ex->close_after || ex->reader.asked() ||
      ex == tunnel)
    return false;
  if (!drainable(*ex)) {
    ex->close_after = true;
    return true;  // retire() closes once the response is out
  }
  ex->in.to(In::draining);
  drain_started = now;
  drained = body_pending.size();
  body_pending = {};
  if (drained > config.max_drain_bytes) stop_draining();
  return true;
}

// Draining went past its bytes or its time: the connection closes after the
// response, as with UnreadBody::close.
void ServerCore::stop_draining() noexcept {
  ExchangeState& ex = *parsing;
  ex.in.to(In::body);
  ex.close_after = true;
  stop_reading(/*drop_unanswered_head=*/false);
}

bool ServerCore::deliver() noexcept {
  const bool settled = settle_unread_body();
  return deliver_body() || settled;
}

bool ServerCore::deliver_body() noexcept {
  bool progress = false;
  if (upgrade_owner && upgrade_owner->out != Out::none) {
    resolve_upgrade();
    progress = true;
  }
  if (deliver_piece()) {
    progress = true;
  } else if (tunnel && tunnel->reader.asked() && server_flags.eof && input.empty()) {
    tunnel->reader.end_delivered();
    tunnel->in.to(In::complete);
    handler.on_body_end(tunnel->handle);
    progress = true;
  }
  return deliver_end() || progress;
}

void ServerCore::request_body(ExchangeState& ex) noexcept {
  // A 101 sent after the request's body ended: the tunnel's bytes are what
  // this asks for (resolve_upgrade opens it before the next delivery).
  if (ex.reader.ended() && upgrade_owner == &ex && ex.is_tunnel()) ex.reader.reopen();
  if (ex.failure || ex.in == In::draining || ex.reader.ended()) return;
  // RFC 9110 §10.1.1: the client waits for 100 before sending the body; it is
  // sent only once the app shows it wants the body, and, from on_request,
  // only once the declared length has been checked against the limit.
  if (ex.request.expects_continue && !ex.continue_sent) {
    if (in_on_request == &ex) server_flags.continue_owed = true;
    else send_continue(ex);
  }
  ask_body(ex);
}

void ServerCore::stop_reading(bool drop_unanswered_head) noexcept {
  close_input();
  input.discard();
  body_pending = {};
  if (parsing && parsing->in == In::head && drop_unanswered_head) {
    // A head that never reached the app: nothing to answer, nothing to tell.
    active.remove(parsing);
    recycle_state(*parsing);
  }
  parsing = nullptr;
}

void ServerCore::input_ended() noexcept {
  server_flags.eof = true;
  if (tunnel) return run();
  // Requests already received are still answered (the peer may only have
  // shut down its sending side); a request cut short is not.
  if (parsing && parsing->in != In::head) {
    ExchangeState& ex = *parsing;
    stop_reading();
    ex.failure = Error::peer_closed;
    end_exchange(ex, Error::peer_closed);
  } else {
    stop_reading();
  }
  run();
}

DeadlineList<ServerCore::Timer, 4> ServerCore::deadlines() const noexcept {
  DeadlineList<Timer, 4> d;
  if (!writing()) return d;
  if (write_waiting_since) d.add(*write_waiting_since + config.send_timeout, Timer::send_timeout);
  d.add(send_rate.ends(config.rate_window, config.min_send_bytes_per_sec), Timer::send_rate);
  if (!reading() || tunnel) return d;  // nothing on the read side is timed
  d.add(recv_rate.ends(config.rate_window, config.min_recv_bytes_per_sec), Timer::recv_rate);
  if (parsing && parsing->in == In::head) {
    d.add(head_started + config.header_timeout, Timer::header);
  } else if (parsing && parsing->in == In::draining) {
    d.add(drain_started + config.drain_timeout, Timer::drain);
  } else if (parsing && parsing->reader.asked() && body_pending.empty()) {
    d.add(body_progress + config.body_timeout, Timer::body);
  } else if (!parsing && active.empty()) {
    d.add(idle_since + (server_flags.served_any ? config.keep_alive_timeout : config.header_timeout), Timer::idle);
  }
  return d;
}

bool ServerCore::fire(Timer timer) noexcept {
  switch (timer) {
    case Timer::send_timeout: fail_transport(Error::send_timeout); return true;
    case Timer::send_rate:
      if (!send_rate.too_slow(now, config.rate_window, config.min_send_bytes_per_sec)) return false;
      fail_transport(Error::send_too_slow);
      return true;
    case Timer::recv_rate:
      if (!recv_rate.too_slow(now, config.rate_window, config.min_recv_bytes_per_sec)) return false;
      if (parsing && parsing->in == In::draining) stop_draining();
      else fail_request(Error::body_too_slow, {});
      return true;
    case Timer::header: fail_request(Error::header_timeout, {}); return true;
    case Timer::drain: stop_draining(); return true;
    case Timer::body: fail_request(Error::body_timeout, {}); return true;
    case Timer::idle: stop_reading(); return true;
  }
  return false;
}

}  // namespace detail

// ---- public API -----------------------------------------------------------

ServerConnection::ServerConnection(const Config& config, Handler& handler, Time now)
    : ServerConnection(std::make_shared<const Config>(config), handler, now) {}

ServerConnection::ServerConnection(std::shared_ptr<const Config> config, Handler& handler, Time now)
    : BasicConnection(std::make_unique<detail::ServerCore>(std::move(config), handler, now)) {}

ServerConnection::~ServerConnection() = default;

void ServerConnection::shutdown(Time now) noexcept {
  detail::ServerCore& c = *core_;
  c.now = std::max(c.now, now);
  c.stop_accepting();
  if (!c.parsing || c.parsing->in == detail::ExchangeState::In::head) c.stop_reading();
  c.run();
  c.clock_rates();
}

void ServerConnection::set_user_data(void* data) noexcept { core_->user_data = data; }

ServerConnection::Activity ServerConnection::activity() const noexcept {
  const detail::ServerCore& c = *core_;
  if (c.active.empty()) return c.input.empty() ? Activity::waiting : Activity::reading;
  // Only the exchange being parsed can still be in its head.
  if (c.active.size() == 1 && c.parsing && c.parsing->in == detail::In::head) return Activity::reading;
  return Activity::writing;
}

}  // namespace wirestate
