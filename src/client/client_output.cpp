// The client connection's requests and output: queueing requests, writing
// their bodies, gathering iovecs, and ending exchanges.
#include <charconv>

#include "client/client_core.hpp"
#include "wire/chunk_framing.hpp"
#include "wire/message_serializer.hpp"

namespace wirestate::detail {

using State = ClientExchangeState;

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
  if (!valid_field_name(method) || !valid_target(target))
    return {{}, Error::invalid_request_line};
  const HeaderFacts facts = scan_headers(headers);
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
  ex->flags.head_request = method_is(method, "HEAD");
  ex->flags.connect_request = method_is(method, "CONNECT");
  ex->flags.pipeline = options.pipeline;
  ex->flags.upgrade_offered = facts.upgrade && facts.connection_upgrade;

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
  serialize_request_head(arena, ex->head_queue, method, target, headers, facts, length, chunked);
  if (!options.streaming) {
    if (!body.empty()) append_copy(arena, ex->body_queue, body);
    ex->body.sent = body.size();
    ex->sending.to(State::Sending::queued);
  }
  // RFC 9110 §10.1.1: hold the body until 100 Continue, a final response,
  // or continue_timeout.
  const bool has_body = options.streaming || !body.empty();
  if (has_body && header_has_token(headers, "expect", "100-continue")) {
    ex->flags.body_held = true;
    ex->continue_until = now + config.continue_timeout;
  }
  if (facts.connection_close) {
    // RFC 9112 §9.6: no request may follow one that announces close.
    ex->flags.last_request = true;
    stop_accepting();
  }
  active.push_back(ex);
  wake_for_output();
  return {ex->handle, {}};
}

// ---- ClientExchange's hooks: the writing side -------------------------------

std::error_code ClientExchangeState::check_body_write() const noexcept {
  if (failure) return failure;
  if (!writes_allowed()) return Error::response_ended;
  return {};
}

void ClientExchangeState::body_ended(bool close) noexcept {
  sending.to(sending == Sending::reopened ? Sending::written : Sending::queued);
  if (close) {
    conn->stop_accepting();
    flags.last_request = true;
  }
}

// ---- output -----------------------------------------------------------------

void ClientCore::gather(IoVec* out, std::size_t& n, std::size_t& skip) noexcept {
  for (State* next : active) {
    if (n == max_iovecs) break;
    State& ex = *next;
    if (!ex.flags.pipeline && &ex != active.front()) break;  // waits for the earlier exchanges to end
    detail::gather(ex.head_queue, out, n, skip);
    if (!ex.flags.body_held) detail::gather(ex.body_queue, out, n, skip);
    if (ex.writes_allowed() || ex.flags.body_held) break;  // later requests follow this one's bytes
    if (ex.flags.last_request) break;
  }
}

bool ClientCore::output_finished() noexcept {
  if (accepting() || !active.empty()) return false;
  close_now();
  return true;
}

void ClientCore::consume(State& ex, std::size_t& n) noexcept {
  consume_queue(ex.head_queue, n);
  if (!ex.flags.body_held) consume_queue(ex.body_queue, n);
  if (ex.sending == State::Sending::queued && ex.head_queue.empty() && ex.body_queue.empty()) {
    ex.sending.to(State::Sending::written);
    ex.written_at = now;
  }
}

bool ClientCore::finished(const State& ex) const noexcept {
  // With the write side closed, an unwritten request never will be.
  return ex.in == In::complete && (!ex.flags.has_body || ex.reader.ended()) && (ex.request_written() || !writing());
}

bool ClientCore::retire_front(State& ex, bool& progress) noexcept {
  if (!finished(ex)) return false;
  const bool last = ex.flags.last_request;
  end_exchange(ex, ex.failure);
  // After the exchange that closes the connection, nothing else will come.
  if (last && !active.empty()) {
    fail(Error::no_response, Error::no_response);
    progress = true;
  }
  return true;
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
  phase.to(Phase::closed);
  input.discard();
  body_pending = {};
  parsing = nullptr;
  write_waiting_since.reset();
}

}  // namespace wirestate::detail
