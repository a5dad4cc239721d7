// The client role: reading responses, time and the adapter's calls.
// Requests and output live in client_output.cpp.
#include "wirestate/client_connection.hpp"
#include "wirestate/connection.hpp"

#include <cassert>
#include <memory>
#include <type_traits>

#include "client/client_core.hpp"
#include "core/handle_calls.hpp"
#include "core/transport_calls.hpp"

namespace wirestate {

template class BasicConnection<ClientRole>;
template class ExchangeHandle<ClientRole>;
static_assert(Connection<ClientConnection>, "the IO calls every adapter drives");

using detail::ClientCore;
using State = detail::ClientExchangeState;
using In = State::In;
using Event = detail::MessageParser::Event;

void State::reset(const Config& config) noexcept {
  reset_common(config);
  handler = nullptr;
  flags = {};
  continue_until.reset();
  sending.restart(Sending::open);
  static_assert(std::is_trivially_destructible_v<Response>, "rebuilt without being destroyed");
  std::construct_at(&response);  // in place: see ExchangeState::reset
  in.restart(In::waiting);
  handle = ClientExchange(*slot);
}

ClientCore::ClientCore(std::shared_ptr<const Config> c, Time t) : Transport(std::move(c), t, MessageParser::Role::response) {}

ClientCore::~ClientCore() { release_everything(); }

bool ClientCore::write_opens_work() const noexcept {
  // A write frees queue space and may finish a request's bytes. Nothing
  // else the loop reads changes, so it has work only if an on_writable may
  // be owed, a release waits, the first exchange can now retire, or
  // nothing is left (buffers go back).
  return flags.writable_owed || !deferred_releases.empty() || active.empty() || finished(*active.front());
}

void ClientCore::wake_for_output() noexcept {
  if (loop != Loop::outside) return touch();
  // `dirty` stays as it was: the loop has nothing to do for an exchange
  // whose response has not begun (bytes that arrive with no exchange to
  // read them fail the connection, so none can be waiting for this one),
  // and next_write gathers the new bytes without it.
  if (waker) waker->wake();
}

State* ClientCore::receiving() const noexcept {
  for (State* ex : active)
    if (ex->in != In::complete) return ex;
  return nullptr;
}

State* ClientCore::start_message() noexcept {
  State* ex = receiving();
  if (!ex) {
    // RFC 9112 §9.3: a response with no request outstanding cannot be
    // matched to anything.
    fail(Error::unexpected_response, Error::connection_closed);
    return nullptr;
  }
  // A bodiless response is complete at its head, but the parser still owes
  // its end: `parsing` stays with the exchange until then.
  lent.parser().set_builders(&ex->head, &ex->trailers, &ex->extensions);
  lent.parser().set_request_context(ex->flags.head_request, ex->flags.connect_request);
  return parsing = ex;
}

bool ClientCore::on_body(State& ex, std::string_view piece) noexcept {
  ex.body_received += piece.size();
  if (ex.body_received > ex.max_body) {
    fail(Error::body_too_large, Error::connection_closed);
    return false;
  }
  body_pending = piece;
  return true;
}

void ClientCore::on_upgrade(State& ex) noexcept {
  if (ex.response.status == 101 || (ex.flags.connect_request && ex.response.status < 300)) {
    tunnel = &ex;
    ex.in.to(In::body);
    ex.flags.has_body = true;
  }
}

void ClientCore::on_parse_error(State&) noexcept {
  const Error e = lent.parser().error();
  fail(e == Error::bad_request ? Error::bad_response : e, Error::connection_closed);
}

void ClientCore::on_head(State& ex) noexcept {
  const int status = lent.parser().status();
  if (status < 200 && status != 101) {
    // Interim: 100 releases a body held for it; the views live for this call.
    if (status == 100) ex.flags.body_held = false, ex.continue_until.reset();
    ex.handler->on_informational(ex.handle, status, ex.head.headers());
    return;
  }
  Response& r = ex.response;
  r.status = status;
  r.reason = ex.head.reason();
  describe_message(r, ex.head.headers());
  const bool tunnel_response = status == 101 || (ex.flags.connect_request && status < 300);
  // RFC 9112 §6.3: which responses have a body.
  ex.flags.has_body = !ex.flags.head_request && status != 204 && status != 304 && !tunnel_response &&
                (r.chunked || r.content_length.value_or(1) > 0);
  ex.in.to(ex.flags.has_body ? In::body : In::complete);
  // RFC 9110 §15.2.2: no switch to a protocol the request did not offer.
  if (status == 101 && !ex.flags.upgrade_offered) return fail(Error::bad_response, Error::connection_closed);
  if (tunnel_response && ex.writes_allowed()) {
    // The request's own body is unfinished: its bytes and the other
    // protocol's would interleave. No valid server switches here.
    return fail(Error::bad_response, Error::connection_closed);
  }
  if (tunnel_response) {
    // Everything after this head is the other protocol's: the parser stops.
    tunnel = &ex;
    ex.in.to(In::body);
    ex.flags.has_body = true;
    ex.body = {};
    ex.body.framing = detail::Framing::tunnel;
    ex.sending.to(ex.request_written() ? State::Sending::reopened : State::Sending::open);  // raw writes may follow
  } else if (!r.keep_alive) {
    stop_accepting();
    ex.flags.last_request = true;
  }
  // A final answer before the body was asked for: the body stays unsent, and
  // the connection cannot carry another request (the server may still expect
  // the bytes that were declared).
  if (ex.flags.body_held) {
    ex.flags.body_held = false;
    stop_accepting();
    ex.flags.last_request = true;
    drop_output(ex);
    ex.sending.to(State::Sending::written);
  }
  ex.handler->on_response(ex.handle);
  if (r.content_length && *r.content_length > ex.max_body && ex.flags.has_body)
    fail(Error::body_too_large, Error::connection_closed);
}

void ClientCore::on_message_end(State& ex) noexcept {
  if (ex.in == In::waiting) {
    // The end of a 1xx: the final head follows, into fresh storage.
    ex.reset_head(config);
    lent.parser().set_builders(&ex.head, &ex.trailers, &ex.extensions);
    return;
  }
  ex.in.to(In::complete);
  ex.response.trailers = ex.trailers.headers();
  parsing = nullptr;
  if (ex.reader.asked()) flags.again = true;
}

bool ClientCore::deliver() noexcept {
  const bool piece = deliver_piece();
  return deliver_end() || piece;
}

// ---- ClientExchange: the reading side --------------------------------------

const Response& ClientExchange::response() const noexcept { return detail::received(live(), &State::response); }

void ClientCore::request_body(State& ex) noexcept {
  if (!ex.reader.ended()) ask_body(ex);
}

void ClientCore::input_ended() noexcept {
  if (!reading()) return;
  run();  // whatever is buffered is read first
  if (tunnel) {
    tunnel->in.to(In::complete);
    close_input();
    return run();
  }
  State* ex = parsing ? parsing : receiving();
  if (ex && ex->in != In::waiting && body_pending.empty()) {
    // A body delimited by close ends here; any other is cut short.
    const detail::MessageParser::Step step = lent.parser().finish();
    if (step.event == Event::message_end) {
      on_message_end(*ex);
      close_input();
      return run();
    }
  }
  if (ex) fail(ex->in != In::waiting ? Error::peer_closed : Error::no_response, Error::no_response);
  close_input();
  run();
}

detail::DeadlineList<ClientCore::Timer, 3> ClientCore::deadlines() const noexcept {
  detail::DeadlineList<Timer, 3> d;
  if (!writing()) return d;
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
  } else if (ex && ex->request_written() && ex->in == In::waiting) {
    d.add(ex->written_at + config.header_timeout, Timer::header);
  } else if (ex && ex->reader.asked() && body_pending.empty()) {
    d.add(body_progress + config.body_timeout, Timer::body);
  } else if (active.empty() && reading()) {
    d.add(idle_since + config.keep_alive_timeout, Timer::idle);
  }
  return d;
}

bool ClientCore::fire(Timer timer) noexcept {
  switch (timer) {
    case Timer::continue_wait:
      for (State* ex : active) {
        if (ex->continue_until && now >= *ex->continue_until) {
          ex->continue_until.reset();
          ex->flags.body_held = false;
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

// ---- public API -------------------------------------------------------------

ClientConnection::ClientConnection(const Config& config, Time now)
    : ClientConnection(std::make_shared<const Config>(config), now) {}

ClientConnection::ClientConnection(std::shared_ptr<const Config> config, Time now)
    : BasicConnection(std::make_unique<ClientCore>(std::move(config), now)) {}
ClientConnection::~ClientConnection() = default;

SendResult ClientConnection::send(ResponseHandler& handler, std::string_view method,
                                  std::string_view target, Headers headers, std::string_view body,
                                  RequestOptions options) noexcept {
  return core_->send(handler, method, target, headers, body, options);
}

bool ClientConnection::can_send() const noexcept {
  const ClientCore& c = *core_;
  return c.accepting() && !c.tunnel && c.active.size() < c.config.max_pipelined_requests;
}

bool ClientConnection::is_idle() const noexcept { return core_->active.empty(); }

}  // namespace wirestate
