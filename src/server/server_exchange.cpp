// What the application asks of an exchange. Every method records the request
// and returns; nothing here calls the handler (see handler.hpp).
#include <cassert>
#include <charconv>
#include <memory>
#include <type_traits>

#include "core/handle_calls.hpp"
#include "server/server_core.hpp"
#include "wire/chunk_framing.hpp"
#include "wire/message_serializer.hpp"

namespace wirestate {

template class ExchangeHandle<ServerRole>;

using detail::ExchangeState;
using In = ExchangeState::In;
using Out = ExchangeState::Out;
using detail::Framing;

void ExchangeState::reset(const Config& config) noexcept {
  reset_common(config);
  // Rebuilt in place, as reset_common rebuilds the body's framing.
  static_assert(std::is_trivially_destructible_v<Request>, "rebuilt without being destroyed");
  std::construct_at(&request);
  in.restart(In::head);
  continue_sent = false;
  out.restart(Out::none);
  close_after = false;
  handle = Exchange(*slot);
  assert(queue.empty());
}

const Request& Exchange::request() const noexcept { return detail::received(live(), &ExchangeState::request); }

void* Exchange::connection_user_data() const noexcept {
  const ExchangeState* ex = live();
  return ex ? ex->conn->user_data : nullptr;
}

bool Exchange::response_started() const noexcept {
  const ExchangeState* ex = live();
  return ex && ex->out != Out::none;
}
std::size_t Exchange::queued_bytes() const noexcept {
  const ExchangeState* ex = live();
  return ex ? ex->queue.bytes() : 0;
}

namespace {

bool status_has_no_body(int status) { return status < 200 || status == 204 || status == 304; }

bool wants_close(const ExchangeState& ex, const detail::ServerCore& c,
                 const detail::HeaderFacts& facts) {
  // After a CONNECT that gets no tunnel, what the client sends next is not
  // HTTP (RFC 9110 §9.3.6).
  return !ex.request.keep_alive || c.flags.closing || ex.request.is_connect() || facts.connection_close;
}

std::error_code check_final(const ExchangeState& ex, int status, const detail::HeaderFacts& facts) {
  if (ex.failure) return ex.failure;
  if (ex.out != Out::none) return Error::response_already_started;
  if (status < 100 || status > 999) return Error::invalid_status;
  if (!facts.valid) return Error::invalid_header;
  // The connection chooses the framing; an application-supplied
  // Transfer-Encoding would contradict it.
  if (facts.transfer_encoding) return Error::invalid_header;
  return {};
}

}  // namespace

std::error_code Exchange::respond(int status, Headers headers, std::string_view body) noexcept {
  ExchangeState* live_ex = live();
  if (!live_ex) return Error::exchange_ended;
  ExchangeState& ex = *live_ex;
  detail::ServerCore& c = *ex.conn;
  const detail::HeaderFacts facts = detail::scan_headers(headers);
  if (auto ec = check_final(ex, status, facts)) return ec;
  if (status < 200) return Error::invalid_status;
  // RFC 9110 §9.3.6: a 2xx to CONNECT makes the connection a tunnel and
  // carries no framed body; respond_streaming opens it.
  if (ex.request.is_connect() && status < 300) return Error::tunnel_required;
  if (facts.content_length) return Error::invalid_header;
  const bool no_body = status == 204 || status == 304;
  if (no_body && !body.empty()) return Error::body_not_allowed;

  detail::HeadSpec spec(status, headers, facts);
  if (!no_body) spec.content_length = body.size();
  // A body the app did not read keeps the connection from being reused,
  // unless it is to be drained.
  const bool unread_body = ex.in != In::complete && !ex.reader.asked() && !c.drainable(ex);
  spec.close = wants_close(ex, c, facts) || unread_body;
  spec.keep_alive = !spec.close && ex.request.version_minor == 0;
  if (!ex.request.is_head()) spec.body = body;
  c.queue_head(ex, spec);
  ex.close_after = spec.close;
  // Once a response says the connection closes, no later request is read.
  if (spec.close) c.stop_accepting();
  ex.out.to(Out::ended);
  c.touch();
  return {};
}

std::error_code Exchange::respond_streaming(int status, Headers headers) noexcept {
  ExchangeState* live_ex = live();
  if (!live_ex) return Error::exchange_ended;
  ExchangeState& ex = *live_ex;
  detail::ServerCore& c = *ex.conn;
  const detail::HeaderFacts facts = detail::scan_headers(headers);
  if (auto ec = check_final(ex, status, facts)) return ec;
  const bool connect_ok = ex.request.is_connect() && status >= 200 && status < 300;
  const bool upgrade_ok = status == 101 && ex.request.upgrade && !ex.request.is_connect();
  if (status < 200 && !upgrade_ok) return Error::invalid_status;
  // The new protocol starts after the request's content (RFC 9110 §7.8):
  // switching before it is read would hand its bytes over as the tunnel's,
  // with nothing to tell where one ended and the other began.
  if (upgrade_ok && ex.in != In::complete && (ex.request.chunked || ex.request.content_length.value_or(0) > 0))
    return Error::upgrade_before_body_end;

  detail::HeadSpec spec(status, headers, facts);
  spec.close = wants_close(ex, c, facts);
  if (upgrade_ok || connect_ok) {
    // RFC 9110 §7.8 and §9.3.6: after this head the connection carries
    // another protocol; no framing fields apply.
    ex.body.framing = Framing::tunnel;
    spec.close = false;
    spec.connection_upgrade = upgrade_ok && !facts.connection_upgrade;
  } else if (status_has_no_body(status)) {
    // RFC 9110 §8.6: no Content-Length on 1xx or 204 (304 may carry one).
    if (facts.content_length && status != 304) return Error::invalid_header;
    ex.body.no_body = true;
  } else if (auto cl = facts.content_length) {
    std::uint64_t n = 0;
    auto [p, err] = std::from_chars(cl->data(), cl->data() + cl->size(), n);
    if (err != std::errc{} || p != cl->data() + cl->size()) return Error::invalid_header;
    ex.body.framing = Framing::length;
    ex.body.declared = n;
  } else if (ex.request.version_minor >= 1) {
    ex.body.framing = Framing::chunked;
    spec.chunked = true;
  } else {
    // RFC 9112 §6.3: an HTTP/1.0 peer knows no chunked; close delimits.
    ex.body.framing = Framing::close;
    spec.close = true;
  }
  spec.keep_alive = !spec.close && ex.request.version_minor == 0 && !ex.is_tunnel();
  ex.body.discard = ex.request.is_head();
  c.queue_head(ex, spec);
  ex.close_after = spec.close;
  if (spec.close) c.stop_accepting();
  ex.out.to(Out::streaming);
  c.touch();
  return {};
}

std::error_code Exchange::send_informational(int status, Headers headers) noexcept {
  ExchangeState* live_ex = live();
  if (!live_ex) return Error::exchange_ended;
  ExchangeState& ex = *live_ex;
  detail::ServerCore& c = *ex.conn;
  if (ex.failure) return ex.failure;
  if (ex.out != Out::none) return Error::response_already_started;
  if (status < 100 || status > 199 || status == 101) return Error::invalid_status;
  const detail::HeaderFacts facts = detail::scan_headers(headers);
  if (!facts.valid) return Error::invalid_header;
  // RFC 9110 §15.2: no 1xx to an HTTP/1.0 client.
  if (ex.request.version_minor == 0) return {};
  detail::HeadSpec spec(status, headers, facts);
  spec.informational = true;
  c.queue_head(ex, spec);
  if (status == 100) ex.continue_sent = true;
  c.touch();
  return {};
}

std::error_code ExchangeState::check_body_write() const noexcept {
  if (failure) return failure;
  if (out == Out::none) return Error::response_not_started;
  if (out == Out::ended) return Error::response_ended;
  return {};
}

void ExchangeState::body_ended(bool close) noexcept {
  out.to(Out::ended);
  if (close) close_after = true;
}

}  // namespace wirestate
