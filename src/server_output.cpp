// The server connection's output: gathering iovecs, consuming what was
// written, retiring finished exchanges, and ending exchanges on errors.
#include <algorithm>
#include <string>

#include "server_impl.hpp"
#include "message_serializer.hpp"
#include "wirestate/status.hpp"

namespace wirestate {

using detail::ExchangeState;
using In = ExchangeState::In;
using Out = ExchangeState::Out;

WriteOp ServerConnection::Impl::build_write() noexcept {
  // Close only once the kernel holds none of our memory.
  if (write_closed) return {lent.nothing_in_flight() ? WriteOp::close : WriteOp::yield, {}};
  std::size_t skip = 0;
  if (IoVec* out = lent.write_array(queued_bytes(), skip)) {
    std::size_t n = 0;
    for (ExchangeState* ex : active) {
      detail::gather(ex->queue, out, n, skip);
      // Later responses wait until this one is complete, and never share a
      // write with one after which the connection closes.
      if (ex->out != Out::ended || ex->close_after || ex->in != In::complete || n == detail::max_iovecs)
        break;
    }
    if (n > 0) {
      if (!write_waiting_since) write_waiting_since = now;
      send_rate.track(true);
      return lent.window().offer(n);
    }
  }
  if (!lent.nothing_in_flight()) return {WriteOp::yield, {}};
  write_waiting_since.reset();
  // No more requests will be read: once the last response is out, close.
  if (read_closed && active.empty()) {
    write_closed = read_closed = true;
    return {WriteOp::close, {}};
  }
  return {WriteOp::yield, {}};
}

void ServerConnection::Impl::consume_written(std::size_t n) noexcept {
  const std::size_t accepted = n;
  for (ExchangeState* ex : active) {
    while (n > 0 && !ex->queue.empty()) {
      detail::Segment& s = ex->queue.front();
      if (n < s.size) {
        ex->queue.consume_front(n);
        n = 0;
        break;
      }
      n -= s.size;
      detail::Segment done = s;
      ex->queue.pop();
      detail::release_segment(arena, done);
    }
    if (n == 0) break;
  }
  // Only accepted bytes restart the send timeout; a write handed back
  // unwritten (0) does not.
  send_rate.add(accepted);
  if (accepted > 0) write_waiting_since = queued_bytes() > 0 ? std::optional<Time>(now) : std::nullopt;
}

void ServerConnection::Impl::report_written(WriteToken token, std::size_t n) noexcept {
  const detail::WriteWindow::Report r = lent.report(token, n, arena);
  if (r.misuse) return fail_all(Error::write_misreported);
  consume_written(r.consumed);
}

void ServerConnection::Impl::drop_queue(ExchangeState& ex) noexcept {
  while (!ex.queue.empty()) {
    detail::Segment s = ex.queue.front();
    ex.queue.pop();
    lent.drop(arena, s);
  }
}

std::size_t ServerConnection::Impl::queued_bytes() const noexcept {
  std::size_t total = 0;
  for (const ExchangeState* ex : active) total += ex->queue.bytes();
  return total;
}

bool ServerConnection::Impl::above_high_watermark() const noexcept {
  return queued_bytes() > config.write_high_watermark_bytes;
}

void ServerConnection::Impl::response_head_queued(ExchangeState&) noexcept { touch(); }

bool ServerConnection::Impl::deliver_writable() noexcept {
  if (!writable_owed || queued_bytes() > config.write_low_watermark_bytes) return false;
  for (ExchangeState* ex : active) {
    if (ex->wait_writable) {
      ex->wait_writable = false;
      handler.on_writable(ex->handle);
      return true;  // `active` may have changed
    }
  }
  writable_owed = false;
  return false;
}

bool ServerConnection::Impl::retire() noexcept {
  bool progress = false, retired = false;
  while (!active.empty()) {
    ExchangeState& ex = *active.front();
    if (ex.out != Out::ended || !ex.queue.empty()) break;
    if (&ex == parsing && settle_unread_body()) progress = true;
    if (ex.draining) break;  // ends with the body's end, or closes
    // A request whose body was not read to the end leaves the connection at
    // an unknown position in the byte stream: it cannot carry another.
    const bool close = ex.close_after || ex.in != In::complete;
    end_exchange(ex, ex.failure);
    served_any = true;
    retired = true;
    if (close) {
      closing = true;
      stop_reading();
      fail_all_active(Error::connection_closed);
      progress = true;
    }
    if (active.empty() && !parsing) idle_since = now;
  }
  // A retired exchange matters to the other steps only if something waited
  // behind it: input or a message being parsed (the pipelining limit, an
  // upgrade), or a delivery owed. An idle connection (every response of a
  // request-per-read peer) needs no further pass. What the app did in
  // on_exchange_end came through touch().
  if (retired && (!input.empty() || parsing || tunnel || upgrade_owner || reads_owed || writable_owed))
    progress = true;
  return progress;
}

void ServerConnection::Impl::end_exchange(ExchangeState& ex, std::error_code ec) noexcept {
  active.remove(&ex);
  drop_queue(ex);
  if (tunnel == &ex) tunnel = nullptr;
  if (upgrade_owner == &ex) upgrade_owner = nullptr;
  if (parsing == &ex) parsing = nullptr;
  if (ex.app_owned) handler.on_exchange_end(ex.handle, ec);
  recycle_state(ex);  // already out of `active`
}

void ServerConnection::Impl::fail_all_active(Error e) noexcept {
  while (!active.empty()) {
    ExchangeState& ex = *active.back();
    ex.failure = e;
    end_exchange(ex, e);
  }
}

void ServerConnection::Impl::fail_all(Error e) noexcept {
  stop_reading();
  fail_all_active(e);
  write_closed = true;
  write_waiting_since.reset();
}

void ServerConnection::Impl::queue_error_response(ExchangeState& ex, Error e,
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
  detail::HeadSpec spec(status, content_type, detail::scan_headers(content_type));
  spec.content_length = body.size();
  spec.close = true;
  detail::serialize_head(arena, ex.queue, config, spec);
  // RFC 9110 §9.3.2: the answer to HEAD has the length of the body it
  // would have had, and no body.
  if (ex.head.method_so_far() != "HEAD") detail::append_copy(arena, ex.queue, body);
  ex.out = Out::ended;
  ex.close_after = true;
}

void ServerConnection::Impl::fail_request(Error e, std::string_view detail) noexcept {
  ExchangeState* ex = parsing;
  closing = true;
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
    if (!ex->app_owned) {
      const std::string_view method = ex->head.method_so_far();
      handler.on_request_refused({e, status_for(e), method, ex->head.target_so_far(), detail, user_data});
    }
  } else if (ex->out == Out::streaming) {
    // The response cannot be finished: what was queued goes out, then the
    // close tells the peer it is truncated.
    ex->out = Out::ended;
    ex->close_after = true;
  } else {
    ex->close_after = true;
  }
}

}  // namespace wirestate
