#pragma once
// The application side of a connection. The connection calls these only from
// inside a call the adapter made (commit_read, wrote, on_deadline, next_read,
// next_write, ...), never from inside a call the application made: an
// Exchange method records what the app wants and returns; the effects, and any
// callbacks they cause, follow on the adapter's next call.
#include <string_view>
#include <system_error>

namespace wirestate {

class Exchange;

class Handler {
 public:
  virtual ~Handler() = default;

  // A request head arrived. Respond now or later; ask for the body with
  // Exchange::read_body(). Pipelined requests may arrive before earlier
  // responses are finished; responses always go out in request order.
  virtual void on_request(Exchange& exchange) = 0;

  // Body bytes, after a read_body() call: exactly one on_body or on_body_end
  // per call. `data` is borrowed: valid until this callback returns.
  virtual void on_body(Exchange& exchange, std::string_view data) {
    (void)exchange, (void)data;
  }
  // The body is complete; trailers, if any, are in exchange.request().trailers.
  virtual void on_body_end(Exchange& exchange) { (void)exchange; }

  // Queued response bytes fell below Config::write_low_watermark_bytes after
  // a write that returned `wait`.
  virtual void on_writable(Exchange& exchange) { (void)exchange; }

  // Last call for this exchange: its response is fully written (error empty),
  // or it failed (peer gone, timeout, a protocol error). The exchange and the
  // views it handed out are reused after this returns: release per-request
  // state here.
  virtual void on_exchange_end(Exchange& exchange, std::error_code error) {
    (void)exchange, (void)error;
  }
};

// Implemented by the adapter: the application acted outside an adapter call
// (from a timer, another thread's handoff, ...) and the connection has work.
// The adapter then calls next_read()/next_write() soon, not from inside wake().
class Waker {
 public:
  virtual ~Waker() = default;
  virtual void wake() = 0;
};

}  // namespace wirestate
