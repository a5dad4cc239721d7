// The server connection's output: gathering iovecs, consuming what was
// written, retiring finished exchanges, and ending exchanges on errors.
#include <string>

#include "server/server_core.hpp"
#include "wire/message_serializer.hpp"
#include "wirestate/status.hpp"

namespace wirestate::detail {

using In = ExchangeState::In;
using Out = ExchangeState::Out;

void ServerCore::gather(IoVec* out, std::size_t& n, std::size_t& skip) noexcept {
  for (ExchangeState* ex : active) {
    detail::gather(ex->queue, out, n, skip);
    // Later responses wait until this one is complete, and never share a
    // write with one after which the connection closes.
    if (ex->out != Out::ended || ex->close_after || ex->in != In::complete || n == max_iovecs) break;
  }
  if (n > 0) send_rate.track(true);
}

bool ServerCore::output_finished() noexcept {
  // No more requests will be read: once the last response is out, close.
  return !reading() && active.empty();
}

bool ServerCore::retire_front(ExchangeState& ex, bool& progress) noexcept {
  if (ex.out != Out::ended || !ex.queue.empty()) return false;
  if (&ex == parsing && settle_unread_body()) progress = true;
  if (ex.in == In::draining) return false;  // ends with the body's end, or closes
  // A request whose body was not read to the end leaves the connection at
  // an unknown position in the byte stream: it cannot carry another.
  const bool close = ex.close_after || ex.in != In::complete;
  end_exchange(ex, ex.failure);
  server_flags.served_any = true;
  if (close) {
    stop_reading();
    fail_all_active(Error::connection_closed);
    progress = true;
  }
  return true;
}

void ServerCore::on_ended(ExchangeState& ex, std::error_code ec) noexcept {
  if (upgrade_owner == &ex) upgrade_owner = nullptr;
  if (ex.in != In::head) handler.on_exchange_end(ex.handle, ec);
}

void ServerCore::fail_all_active(Error e) noexcept {
  while (!active.empty()) {
    ExchangeState& ex = *active.back();
    ex.failure = e;
    end_exchange(ex, e);
  }
}

void ServerCore::fail_transport(Error e) noexcept {
  stop_reading();
  fail_all_active(e);
  phase.to(Phase::closed);
  write_waiting_since.reset();
}

void ServerCore::queue_error_response(ExchangeState& ex, Error e,
                                                  std::string_view detail) noexcept {
  const int status = status_for(e);
  // Errors are rare; building the text with std::string costs nothing that
  // matters, and the steady state never comes here.
  std::string body = std::to_string(status);
  body += ' ';
  body += reason_phrase(status);
  body += ": ";
  body += peer_reason(e);
  if (!detail.empty()) {
    body += " (";
    body += detail;
    body += ')';
  }
  body += '\n';
  static constexpr Header content_type[] = {{"Content-Type", "text/plain; charset=utf-8"}};
  ErrorResponse response{content_type, body};
  handler.on_error_response(refusal(ex, e, detail), response);
  HeaderFacts facts = scan_headers(response.headers);
  if (!facts.valid || facts.content_length || facts.transfer_encoding || facts.upgrade ||
      find_header(response.headers, "connection")) {
    response = {content_type, body};
    facts = scan_headers(response.headers);
  }
  HeadSpec spec(status, response.headers, facts);
  spec.content_length = response.body.size();
  spec.close = true;
  if (config.counters) ++config.counters->automatic[static_cast<std::size_t>(e)];
  queue_head(ex, spec);
  // RFC 9110 §9.3.2: the answer to HEAD has the length of the body it
  // would have had, and no body.
  if (ex.head.method_so_far() != "HEAD") append_copy(arena, ex.queue, response.body);
  ex.out.to(Out::ended);
  ex.close_after = true;
}

RefusedRequest ServerCore::refusal(const ExchangeState& ex, Error e, std::string_view detail) const noexcept {
  return {e, status_for(e), ex.head.method_so_far(), ex.head.target_so_far(), detail, user_data};
}

void ServerCore::fail_request(Error e, std::string_view detail) noexcept {
  ExchangeState* ex = parsing;
  stop_accepting();
  if (!ex) {
    stop_reading();
    return;
  }
  stop_reading(/*drop_unanswered_head=*/false);  // this exchange carries the answer
  ex->failure = e;
  if (status_for(e) == 0) {
    end_exchange(*ex, e);
    return;
  }
  if (ex->out == Out::none) {
    queue_error_response(*ex, e, detail);
    if (ex->in == In::head) handler.on_request_refused(refusal(*ex, e, detail));
  } else if (ex->out == Out::streaming) {
    // The response cannot be finished: what was queued goes out, then the
    // close tells the peer it is truncated.
    ex->out.to(Out::ended);
    ex->close_after = true;
  } else {
    ex->close_after = true;
  }
}

}  // namespace wirestate::detail
