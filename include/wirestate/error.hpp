#pragma once
// Errors are values. Two families, as in h11: the peer broke the protocol or a
// limit (each carries the status to answer with), or the caller misused the
// API. Both are std::error_code in wirestate's category; the message text lives
// in one switch in src/error.cpp.
#include "wirestate/api.hpp"

#include <system_error>

namespace wirestate {

enum class Error {
  // Peer errors: the request could not be accepted.
  bad_request = 1,          // 400: malformed request (llhttp's reason in body)
  missing_host,             // 400: HTTP/1.1 request without exactly one Host
  invalid_host,             // 400: a Host that is not uri-host [ ":" port ]
  conflicting_framing,      // 400: Content-Length with Transfer-Encoding
  chunked_not_final,        // 400: Transfer-Encoding without final chunked
  invalid_transfer_encoding,  // 400: Transfer-Encoding naming no coding, chunked twice, or on HTTP/1.0
  invalid_content_length,   // 400
  invalid_chunk,            // 400: bad chunk size or chunk framing
  request_line_too_long,    // 414: Config::max_request_line_bytes
  header_too_large,         // 431: Config::max_header_bytes
  too_many_headers,         // 431: Config::max_header_count
  body_too_large,           // 413: Config::max_body_bytes or per-request limit
  chunk_extension_too_large,  // 413: Config::max_chunk_extension_bytes
  trailer_too_large,        // 431: Config::max_trailer_bytes
  unsupported_transfer_coding,  // 501
  method_not_implemented,   // 501
  expectation_failed,       // 417: Expect with anything but 100-continue
  version_not_supported,    // 505
  header_timeout,           // 408: Config::header_timeout
  body_timeout,             // 408: Config::body_timeout
  body_too_slow,            // 408: Config::min_recv_bytes_per_sec

  // Transport: the conversation ended before the exchange did.
  peer_closed,              // EOF in the middle of a request
  write_failed,             // the adapter reported a failed write
  send_timeout,             // Config::send_timeout
  send_too_slow,            // Config::min_send_bytes_per_sec
  connection_closed,        // the connection closed for another exchange's error
  no_response,              // client: the server closed before this request's response

  // Client role: the server broke the protocol or a limit.
  bad_response,             // malformed response (llhttp's reason in the message)
  unexpected_response,      // bytes from the server when no request is outstanding

  // Local errors: the application misused the API.
  response_already_started, // respond twice, or 1xx after the final head
  response_not_started,     // write or end before respond_streaming
  response_ended,           // write after end
  body_overrun,             // writing more than the declared Content-Length
  body_underrun,            // end before the declared Content-Length
  body_not_allowed,         // body on HEAD-less 1xx/204/304 response
  invalid_status,           // status outside 100..999, or 1xx as final
  invalid_header,           // a field name that is no token, or CR/LF/NUL in a value
  invalid_trailer,          // a trailer field that framing or routing depends on (RFC 9110 §6.5.1)
  invalid_chunk_extension,  // a name that is no token, a value that cannot be quoted
  not_chunked,              // chunk extensions on a body that is not chunked
  invalid_request_line,     // client: a method that is no token, or a bad target
  not_accepting,            // client: send() while the connection takes no request
  write_misreported,        // adapter: a report for a write that is not the oldest in flight
  exchange_ended,           // a handle used after its exchange ended (on_exchange_end returned)
  tunnel_required,          // respond() with a 2xx to CONNECT: respond_streaming opens the tunnel
  upgrade_before_body_end,  // 101 before the request's body was read to its end
};

WIRESTATE_API const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(Error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

// The status an automatic response carries for a peer error, 0 for others.
WIRESTATE_API int status_for(Error e) noexcept;
// What an automatic response tells the peer about a peer error, in terms
// the peer can act on ("request header fields too large"); message() is
// for the embedder and names the Config field behind a limit.
WIRESTATE_API const char* peer_reason(Error e) noexcept;
// The enumerator's own name ("header_too_large"), for metrics labels and
// logs that want a stable identifier; "unknown" for a value outside Error.
WIRESTATE_API const char* error_name(Error e) noexcept;
// Whether `ec` says the caller misused the API (a bug to fix: a second
// response, a stale handle, ...), as opposed to a peer or transport error
// the caller only has to let pass (on_exchange_end follows with it).
WIRESTATE_API bool is_misuse(std::error_code ec) noexcept;

}  // namespace wirestate

template <>
struct std::is_error_code_enum<wirestate::Error> : std::true_type {};
