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

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <system_error>

#include "wirestate/error.hpp"
#include "wirestate/exchange_handle.hpp"
#include "wirestate/headers.hpp"
#include "wirestate/request.hpp"

namespace wirestate {

namespace detail {
struct ExchangeState;
}  // namespace detail

// Called once the connection no longer needs borrowed bytes: after they were
// written, or when the exchange ended without writing them. Runs from inside
// an adapter call, like every handler callback.
struct Release {
  void (*fn)(void* context) = nullptr;
  void* context = nullptr;
};

struct [[nodiscard]] WriteResult {
  std::error_code error;  // set: nothing was queued (a borrowed write's bytes
                          // stay the caller's; its release does not run)
  bool wait = false;      // queued, and the queue is past the high watermark:
                          // write no more until Handler::on_writable
  explicit operator bool() const noexcept { return !error; }
};

class WIRESTATE_API Exchange : public ExchangeHandle<detail::ExchangeState> {
 public:
  // A handle to no exchange: every call returns Error::exchange_ended.
  Exchange() noexcept = default;

  // The request head; an empty Request once the exchange has ended.
  [[nodiscard]] const Request& request() const noexcept;

  // Ask for the next piece of the body: one on_body or on_body_end follows.
  // The first call on a request with `Expect: 100-continue` sends
  // `100 Continue` (unless a final response has started). While the app does
  // not ask, the connection stops reading once its buffer is full.
  [[nodiscard]] std::error_code read_body() noexcept;
  // Raise or lower Config::max_body_bytes for this request; call it in
  // on_request, before the body is read.
  [[nodiscard]] std::error_code set_max_body_bytes(std::uint64_t limit) noexcept;
  // In on_body: the extensions of the chunk that piece came from (RFC 9112
  // §7.1.1), quotes removed, in the order sent; empty for other bodies.
  // Valid until on_body returns.
  [[nodiscard]] Headers chunk_extensions() const noexcept;

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

  // Body bytes of a streamed response, copied.
  WriteResult write(std::string_view data) noexcept;
  // Body bytes of a streamed response, by reference (gathered into writev
  // without a copy). `release` runs when the connection is done with them.
  WriteResult write_borrowed(std::string_view data, Release release) noexcept;
  // Body bytes of a chunked response, copied, as one chunk whose size line
  // carries `extensions` (names are tokens; values are sent as tokens or
  // quoted; Config::max_chunk_extension_bytes). Error::not_chunked when the
  // response is not chunked.
  WriteResult write_chunk(std::string_view data, Headers extensions) noexcept;
  WriteResult write_chunk(std::string_view data, std::initializer_list<Header> extensions) noexcept {
    return write_chunk(data, Headers(extensions.begin(), extensions.size()));
  }
  // Ends a streamed response; trailers go out with a chunked body only, and
  // may not carry fields that framing, routing, authentication or content
  // handling depend on (RFC 9110 §6.5.1; Error::invalid_trailer), within
  // Config::max_trailer_bytes.
  [[nodiscard]] std::error_code end(Headers trailers = {}) noexcept;
  [[nodiscard]] std::error_code end(std::initializer_list<Header> trailers) noexcept {
    return end(Headers(trailers.begin(), trailers.size()));
  }

  // Each of these answers false, 0 or null once the exchange has ended.
  [[nodiscard]] bool response_started() const noexcept;
  // Whether the exchange has become a tunnel (after 101, or 2xx to CONNECT).
  [[nodiscard]] bool is_tunnel() const noexcept;
  // Bytes of this exchange's response queued and not yet written.
  [[nodiscard]] std::size_t queued_bytes() const noexcept;

  // Free for the application: per-request state it wants to find again,
  // shared by every copy of the handle, null at the start of each exchange.
  [[nodiscard]] void* user_data() const noexcept;
  [[nodiscard]] std::error_code set_user_data(void* data) noexcept;
  // What the adapter set with ServerConnection::set_user_data, or null.
  [[nodiscard]] void* connection_user_data() const noexcept;

 private:
  friend struct detail::ExchangeState;
  explicit Exchange(detail::Slot<detail::ExchangeState>& slot) noexcept : ExchangeHandle(slot) {}
};

}  // namespace wirestate
