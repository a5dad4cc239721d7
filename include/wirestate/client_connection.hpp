#pragma once
// The client role of HTTP/1.1 as a pure state machine, driven exactly as the
// server role is, by the calls of BasicConnection (basic_connection.hpp and
// docs/client.md). Requests are queued with send(); responses come back, in
// order, through each request's ResponseHandler.
#include "wirestate/api.hpp"

#include <cstdint>
#include <memory>
#include <initializer_list>
#include <string_view>
#include <system_error>

#include "wirestate/basic_connection.hpp"
#include "wirestate/config.hpp"
#include "wirestate/exchange.hpp"
#include "wirestate/handler.hpp"
#include "wirestate/headers.hpp"
#include "wirestate/io.hpp"
#include "wirestate/response.hpp"
#include "wirestate/time.hpp"

namespace wirestate {

class ClientExchange;

// Callbacks for one request's response; as on the server side they run only
// inside a call the adapter made, never inside the application's own call.
class WIRESTATE_API ResponseHandler {
 public:
  virtual ~ResponseHandler() = default;
  // A 1xx other than 101 (100 Continue releases a held-back body first).
  // The views are valid during the call only.
  virtual void on_informational(ClientExchange& exchange, int status, Headers headers) noexcept {
    (void)exchange, (void)status, (void)headers;
  }
  // The final response head: exchange.response(). Read the body with
  // read_body(). A 101, or a 2xx to CONNECT, makes the exchange a tunnel.
  virtual void on_response(ClientExchange& exchange) noexcept = 0;
  // One per read_body() call; `data` is valid during the call only.
  virtual void on_body(ClientExchange& exchange, std::string_view data) noexcept {
    (void)exchange, (void)data;
  }
  virtual void on_body_end(ClientExchange& exchange) noexcept { (void)exchange; }
  // The request body's queue drained below the low watermark after `wait`.
  virtual void on_writable(ClientExchange& exchange) noexcept { (void)exchange; }
  // Last call: the response was read to its end (error empty), or the
  // exchange failed. The exchange is reused after this returns.
  virtual void on_exchange_end(ClientExchange& exchange, std::error_code error) noexcept {
    (void)exchange, (void)error;
  }
};

struct RequestOptions {
  // Write this request before earlier responses have arrived. Off: it waits
  // until every earlier exchange has ended.
  bool pipeline = true;
  // Streamed body: write() and end() follow. Otherwise `body` is the whole
  // body (Content-Length is set from it when there is one, or for methods
  // that expect one).
  bool streaming = false;
};

// A handle, as the server's Exchange is (exchange.hpp): keep a copy to use
// it later; once the exchange has ended every call returns
// Error::exchange_ended and touches nothing.
class WIRESTATE_API ClientExchange : public ExchangeHandle<ClientRole> {
 public:
  // A handle to no exchange.
  ClientExchange() noexcept = default;

  // The response head; an empty Response once the exchange has ended.
  [[nodiscard]] const Response& response() const noexcept;
  // Reading the response body, writing and ending a streamed request body
  // (Content-Length framing when the request headers declared one, else
  // chunked; held back while `Expect: 100-continue` waits for its answer),
  // is_tunnel and user_data come from ExchangeHandle (exchange_handle.hpp).

 private:
  friend struct detail::ClientExchangeState;
  explicit ClientExchange(detail::Slot<detail::ClientExchangeState>& slot) noexcept : ExchangeHandle(slot) {}
};

struct [[nodiscard]] SendResult {
  ClientExchange exchange;  // ended when `error` is set
  std::error_code error;    // set: nothing was queued
};

class WIRESTATE_API ClientConnection : public BasicConnection<ClientRole> {
 public:
  // The Config is co-owned or copied, as ServerConnection's. The fields that apply: read_buffer_bytes, the
  // header limits (for response heads), max_body_bytes (response bodies),
  // max_pipelined_requests (requests awaiting responses), output and
  // watermark sizes; header_timeout (request written → response head),
  // body_timeout (response body stalls while read), send_timeout,
  // keep_alive_timeout (idle), continue_timeout.
  ClientConnection(const Config& config, Time now);
  ClientConnection(std::shared_ptr<const Config> config, Time now);
  ~ClientConnection();

  // Queues a request. `method`, `target`, `headers` and `body` are copied.
  // The application supplies Host; the connection adds Content-Length or
  // Transfer-Encoding.
  SendResult send(ResponseHandler& handler, std::string_view method, std::string_view target,
                  Headers headers, std::string_view body = {}, RequestOptions options = {}) noexcept;
  SendResult send(ResponseHandler& handler, std::string_view method, std::string_view target,
                  std::initializer_list<Header> headers, std::string_view body = {},
                  RequestOptions options = {}) noexcept {
    return send(handler, method, target, Headers(headers.begin(), headers.size()), body, options);
  }
  // Whether send() would accept a request now: the connection is open, the
  // server has not announced a close, and fewer than max_pipelined_requests
  // are outstanding.
  [[nodiscard]] bool can_send() const noexcept;

  // No request in flight: the connection can be returned to a pool.
  [[nodiscard]] bool is_idle() const noexcept;
};

}  // namespace wirestate
