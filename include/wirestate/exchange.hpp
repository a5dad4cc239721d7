#pragma once
// One request and its response. An Exchange is a handle: a small value that
// names the connection's state for one request. The handler gets one by
// reference in every callback; to answer later (from a timer, another
// system's reply), keep a copy of it, never its address (taking the address
// does not compile). Once the exchange has ended (on_exchange_end has
// returned) every call on any copy returns Error::exchange_ended, or an
// empty value, and touches nothing, while the connection reuses the state
// for other requests. Handles belong to the thread that drives their
// connection.
//
// Buffer ownership:
//  - headers and bodies passed to respond/write are copied before the call
//    returns, except write_borrowed's data, which the caller keeps alive and
//    unchanged until its release callback runs;
//  - everything the exchange hands out (request(), body data) is described in
//    request.hpp and handler.hpp.
#include "wirestate/api.hpp"

#include <cstddef>
#include <initializer_list>
#include <string_view>
#include <system_error>

#include "wirestate/error.hpp"
#include "wirestate/exchange_handle.hpp"
#include "wirestate/headers.hpp"
#include "wirestate/request.hpp"

namespace wirestate {

class WIRESTATE_API Exchange : public ExchangeHandle<ServerRole> {
 public:
  // A handle to no exchange: every call returns Error::exchange_ended.
  // Reading the request body (read_body, set_max_body_bytes,
  // chunk_extensions), writing and ending the streamed response (write,
  // write_borrowed, write_chunk, end), is_tunnel and user_data come from
  // ExchangeHandle (exchange_handle.hpp). The first read_body on a request
  // with `Expect: 100-continue` sends `100 Continue` (unless a final
  // response has started).
  Exchange() noexcept = default;

  // The request head; an empty Request once the exchange has ended.
  [[nodiscard]] const Request& request() const noexcept;

  // A whole response. Content-Length is set from `body`; a HEAD request gets
  // the same head and no body. A 2xx to CONNECT is refused
  // (Error::tunnel_required): it opens a tunnel, which respond_streaming
  // does (RFC 9110 §9.3.6).
  [[nodiscard]] std::error_code respond(int status, Headers headers, std::string_view body = {}) noexcept;
  [[nodiscard]] std::error_code respond(int status, std::initializer_list<Header> headers,
                          std::string_view body = {}) noexcept {
    return respond(status, Headers(headers.begin(), headers.size()), body);
  }

  // A streamed response. With a Content-Length header the body is sent as is
  // and must match it; without one it is chunked (HTTP/1.1) or delimited by
  // closing the connection (HTTP/1.0). A 101 (or 2xx to CONNECT) turns the
  // exchange into a tunnel: read_body and write carry raw bytes both ways.
  [[nodiscard]] std::error_code respond_streaming(int status, Headers headers) noexcept;
  [[nodiscard]] std::error_code respond_streaming(int status, std::initializer_list<Header> headers) noexcept {
    return respond_streaming(status, Headers(headers.begin(), headers.size()));
  }
  // An interim response (1xx other than 101), before the final one.
  [[nodiscard]] std::error_code send_informational(int status, Headers headers) noexcept;
  [[nodiscard]] std::error_code send_informational(int status, std::initializer_list<Header> headers) noexcept {
    return send_informational(status, Headers(headers.begin(), headers.size()));
  }

  // Each of these answers false, 0 or null once the exchange has ended.
  [[nodiscard]] bool response_started() const noexcept;
  // Bytes of this exchange's response queued and not yet written.
  [[nodiscard]] std::size_t queued_bytes() const noexcept;

  // What the adapter set with ServerConnection::set_user_data, or null.
  [[nodiscard]] void* connection_user_data() const noexcept;

 private:
  friend struct detail::ExchangeState;
  explicit Exchange(detail::Slot<detail::ExchangeState>& slot) noexcept : ExchangeHandle(slot) {}
};

}  // namespace wirestate
