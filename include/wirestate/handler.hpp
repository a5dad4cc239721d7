#pragma once
// The application side of a connection. The connection calls these only from
// inside a call the adapter made (commit_read, wrote, on_deadline, next_read,
// next_write, ...), never from inside a call the application made: an
// Exchange method records what the app wants and returns; the effects, and any
// callbacks they cause, follow on the adapter's next call.
//
// Callbacks are noexcept, and so must their overrides be: the library is
// built without exceptions and calls them from noexcept code, so an
// exception escaping one ends the process (std::terminate). Catch inside.
#include "wirestate/api.hpp"

#include <string_view>
#include <system_error>

#include "wirestate/error.hpp"
#include "wirestate/headers.hpp"

namespace wirestate {

class Exchange;

// A request the connection answered by itself before the application saw
// it: a head it refused, or one that broke a limit while still arriving.
// Views are valid for the duration of the callback.
struct RefusedRequest {
  Error error;                  // exactly why (its message() is for logs)
  int status = 0;               // the status the automatic response carries
  std::string_view method;      // as far as the start line arrived; may be empty
  std::string_view target;
  std::string_view detail;      // more about a malformed request, or empty
  void* connection_user_data = nullptr;  // see ServerConnection::set_user_data
};

// The headers and body of an automatic error response, as the connection
// would send them; Handler::on_error_response may replace either. Views the
// application sets must stay valid until that callback returns (they are
// copied). The status, Content-Length, Connection: close, Date and Server
// stay the connection's: headers that would frame the body or decide the
// connection (Content-Length, Transfer-Encoding, Connection, Upgrade), or
// that are not valid fields, make it send its own response instead.
struct ErrorResponse {
  Headers headers;        // Content-Type: text/plain; charset=utf-8
  std::string_view body;  // "<status> <reason>: <peer_reason>[ (<detail>)]\n"
};

class WIRESTATE_API Handler {
 public:
  virtual ~Handler() = default;

  // A request head arrived. Respond now or later; ask for the body with
  // Exchange::read_body(). Pipelined requests may arrive before earlier
  // responses are finished; responses always go out in request order.
  virtual void on_request(Exchange& exchange) noexcept = 0;

  // Body bytes, after a read_body() call: exactly one on_body or on_body_end
  // per call. `data` is borrowed: valid until this callback returns.
  virtual void on_body(Exchange& exchange, std::string_view data) noexcept {
    (void)exchange, (void)data;
  }
  // The body is complete; trailers, if any, are in exchange.request().trailers.
  virtual void on_body_end(Exchange& exchange) noexcept { (void)exchange; }

  // Queued response bytes fell below Config::write_low_watermark_bytes after
  // a write that returned `wait`.
  virtual void on_writable(Exchange& exchange) noexcept { (void)exchange; }

  // Last call for this exchange: its response is fully written (error empty),
  // or it failed (peer gone, timeout, a protocol error). The exchange and the
  // views it handed out are reused after this returns: release per-request
  // state here.
  virtual void on_exchange_end(Exchange& exchange, std::error_code error) noexcept {
    (void)exchange, (void)error;
  }

  // The connection refused a request before on_request, and queued its
  // automatic error response (which is the last on the connection). For
  // access logs and metrics; the peer was told only the status and a
  // short reason.
  virtual void on_request_refused(const RefusedRequest& refused) noexcept { (void)refused; }

  // An automatic error response (400, 408, 413, 414, 431, 501, 505, ...) is
  // about to be queued, for a request the application never saw or one it
  // saw and that then broke a limit: `response` holds what the connection
  // would send, to replace with the application's own (a JSON problem
  // body, say). The connection closes after it either way.
  virtual void on_error_response(const RefusedRequest& refused, ErrorResponse& response) noexcept {
    (void)refused, (void)response;
  }
};

// Implemented by the adapter: the application acted outside an adapter call
// (from a timer, another thread's handoff, ...) and the connection has work.
// The adapter then calls next_read()/next_write() soon, not from inside wake().
class WIRESTATE_API Waker {
 public:
  virtual ~Waker() = default;
  virtual void wake() noexcept = 0;
};

}  // namespace wirestate
