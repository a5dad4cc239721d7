// The client connection's requests and output: queueing requests, writing
// their bodies, gathering iovecs, and ending exchanges.
#include <charconv>

#include "client/client_core.hpp"
#include "wire/chunk_framing.hpp"
#include "wire/message_serializer.hpp"

namespace wirestate {

using detail::ClientCore;
using State = detail::ClientExchangeState;
using In = State::In;
using detail::Framing;

namespace {
// A method compared with a short literal byte by byte: string_view's ==,
// and even memcmp with a constant length of 3, compile to a call that costs
// more than the compare.
template <std::size_t N>
bool method_is(std::string_view m, const char (&literal)[N]) noexcept {
  if (m.size() != N - 1) return false;
  bool same = true;
  for (std::size_t i = 0; i + 1 < N; ++i) same &= m[i] == literal[i];
  return same;
}
bool method_expects_body(std::string_view m) {
  return method_is(m, "POST") || method_is(m, "PUT") || method_is(m, "PATCH");
}
}  // namespace

SendResult ClientCore::send(ResponseHandler& handler, std::string_view method,
                                        std::string_view target, Headers headers,
                                        std::string_view body, RequestOptions options) noexcept {
  if (!accepting() || tunnel || active.size() >= config.max_pipelined_requests)
    return {{}, Error::not_accepting};
  if (!detail::valid_field_name(method) || !detail::valid_target(target))
    return {{}, Error::invalid_request_line};
  const detail::HeaderFacts facts = detail::scan_headers(headers);
  // The connection frames the body; Content-Length is the application's
  // only for a streamed body it announces.
  if (!facts.valid || facts.invalid_host || facts.transfer_encoding || (facts.content_length && !options.streaming))
    return {{}, Error::invalid_header};
  std::uint64_t declared = 0;
  if (facts.content_length) {
    const std::string_view v = *facts.content_length;
    auto [p, err] = std::from_chars(v.data(), v.data() + v.size(), declared);
    if (err != std::errc{} || p != v.data() + v.size()) return {{}, Error::invalid_header};
  }

  State* ex = take_state();
  ex->handler = &handler;
  ex->head_request = method_is(method, "HEAD");
  ex->connect_request = method_is(method, "CONNECT");
  ex->pipeline = options.pipeline;
  ex->upgrade_offered = facts.upgrade && facts.connection_upgrade;

  std::optional<std::uint64_t> length;
  bool chunked = false;
  if (options.streaming) {
    if (facts.content_length) {
      ex->body.framing = Framing::length;
      ex->body.declared = declared;
    } else {
      ex->body.framing = Framing::chunked;
      chunked = true;
    }
  } else if (!body.empty() || method_expects_body(method)) {
    ex->body.framing = Framing::length;
    ex->body.declared = body.size();
    length = body.size();
  }
  detail::serialize_request_head(arena, ex->head_queue, method, target, headers, facts, length, chunked);
  if (!options.streaming) {
    if (!body.empty()) detail::append_copy(arena, ex->body_queue, body);
    ex->body.sent = body.size();
    ex->sending = State::Sending::queued;
  }
  // RFC 9110 §10.1.1: hold the body until 100 Continue, a final response,
  // or continue_timeout.
  const bool has_body = options.streaming || !body.empty();
  if (has_body && header_has_token(headers, "expect", "100-continue")) {
    ex->body_held = true;
    ex->continue_until = now + config.continue_timeout;
  }
  if (facts.connection_close) {
    // RFC 9112 §9.6: no request may follow one that announces close.
    ex->last_request = true;
    stop_accepting();
  }
  active.push_back(ex);
  wake_for_output();
  return {ex->handle, {}};
}

// ---- ClientExchange: the writing side --------------------------------------

namespace {

WriteResult write_request_body(State* live_ex, std::string_view data, const Release* release,
                               Headers extensions = {}) {
  if (!live_ex) return {Error::exchange_ended, false};
  State& ex = *live_ex;
  ClientCore& c = *ex.conn;
  if (ex.failure) return {ex.failure, false};
  if (!ex.writes_allowed()) return {Error::response_ended, false};
  if (auto ec = ex.body.write(c.arena, ex.body_queue, data, release, c.deferred_releases, extensions,
                              c.config.max_chunk_extension_bytes))
    return {ec, false};
  c.touch();
  ex.wait_writable = c.queued_bytes() > c.config.write_high_watermark_bytes;
  if (ex.wait_writable) c.writable_owed = true;
  return {{}, ex.wait_writable};
}

}  // namespace

WriteResult ClientExchange::write(std::string_view data) noexcept {
  return write_request_body(live(), data, nullptr);
}

WriteResult ClientExchange::write_borrowed(std::string_view data, Release release) noexcept {
  return write_request_body(live(), data, &release);
}

WriteResult ClientExchange::write_chunk(std::string_view data, Headers extensions) noexcept {
  return write_request_body(live(), data, nullptr, extensions);
}

std::error_code ClientExchange::end(Headers trailers) noexcept {
  State* live_ex = live();
  if (!live_ex) return Error::exchange_ended;
  State& ex = *live_ex;
  ClientCore& c = *ex.conn;
  if (ex.failure) return ex.failure;
  if (!ex.writes_allowed()) return Error::response_ended;
  if (Error e = detail::check_trailers(trailers, c.config.max_trailer_bytes); e != Error{}) return e;
  ex.sending = ex.sending == State::Sending::reopened ? State::Sending::written : State::Sending::queued;
  const detail::OutgoingBody::Ending ending = ex.body.end(c.arena, ex.body_queue, trailers);
  if (ending.close) {
    c.stop_accepting();
    ex.last_request = true;
  }
  c.touch();
  return ending.error;
}

// ---- output -----------------------------------------------------------------

void ClientCore::gather(IoVec* out, std::size_t& n, std::size_t& skip) noexcept {
  for (State* next : active) {
    if (n == detail::max_iovecs) break;
    State& ex = *next;
    if (!ex.pipeline && &ex != active.front()) break;  // waits for the earlier exchanges to end
    detail::gather(ex.head_queue, out, n, skip);
    if (!ex.body_held) detail::gather(ex.body_queue, out, n, skip);
    if (ex.writes_allowed() || ex.body_held) break;  // later requests follow this one's bytes
    if (ex.last_request) break;
  }
}

bool ClientCore::output_finished() noexcept {
  if (accepting() || !active.empty()) return false;
  close_now();
  return true;
}

void ClientCore::consume(State& ex, std::size_t& n) noexcept {
  consume_queue(ex.head_queue, n);
  if (!ex.body_held) consume_queue(ex.body_queue, n);
  if (ex.sending == State::Sending::queued && ex.head_queue.empty() && ex.body_queue.empty()) {
    ex.sending = State::Sending::written;
    ex.written_at = now;
  }
}

bool ClientCore::finished(const State& ex) const noexcept {
  // With the write side closed, an unwritten request never will be.
  return ex.in == In::complete && (!ex.has_body || ex.reader.ended()) && (ex.request_written() || !writing());
}

bool ClientCore::retire() noexcept {
  bool progress = false, retired = false;
  while (!active.empty()) {
    State& ex = *active.front();
    if (!finished(ex)) break;
    const bool last = ex.last_request;
    end_exchange(ex, ex.failure);
    retired = true;
    // After the exchange that closes the connection, nothing else will come.
    if (last && !active.empty()) {
      fail(Error::no_response, Error::no_response);
      progress = true;
    }
    if (active.empty()) idle_since = now;
  }
  // As the server's: another pass only if something waited behind it.
  if (retired && (!input.empty() || parsing || tunnel || writable_owed)) progress = true;
  return progress;
}

void ClientCore::on_ended(State& ex, std::error_code ec) noexcept {
  ex.handler->on_exchange_end(ex.handle, ec);
}

void ClientCore::fail(Error e, Error later) noexcept {
  State* first = parsing ? parsing : receiving();
  // Exchanges whose responses are complete keep them; from the one being
  // read on, every exchange ends.
  std::vector<State*> doomed;
  bool reached = first == nullptr;
  for (State* ex : active) {
    if (ex == first) reached = true;
    if (reached && (ex->in != In::complete || ex == first)) doomed.push_back(ex);
  }
  for (State* ex : doomed) {
    const Error err = ex == first ? e : later;
    ex->failure = err;
    end_exchange(*ex, err);
  }
  close_now();
}

void ClientCore::close_now() noexcept {
  phase = detail::Phase::closed;
  input.discard();
  body_pending = {};
  parsing = nullptr;
  write_waiting_since.reset();
}

}  // namespace wirestate
