#include "wirestate/error.hpp"

namespace wirestate {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "wirestate"; }

  std::string message(int value) const override {
    switch (static_cast<Error>(value)) {
      case Error::bad_request: return "malformed request";
      case Error::missing_host: return "HTTP/1.1 request needs exactly one Host header (RFC 9112 section 3.2)";
      case Error::invalid_host: return "Host is not a host with an optional port (RFC 9110 section 7.2)";
      case Error::conflicting_framing: return "request has both Content-Length and Transfer-Encoding, or differing Content-Length values";
      case Error::chunked_not_final: return "Transfer-Encoding whose final coding is not chunked";
      case Error::invalid_transfer_encoding: return "Transfer-Encoding naming no coding, chunked twice, or in an HTTP/1.0 message";
      case Error::invalid_content_length: return "invalid Content-Length";
      case Error::invalid_chunk: return "invalid chunk size or chunk framing";
      case Error::request_line_too_long: return "request line (or status line) longer than Config::max_request_line_bytes";
      case Error::header_too_large: return "header section larger than Config::max_header_bytes";
      case Error::too_many_headers: return "more header fields than Config::max_header_count";
      case Error::body_too_large: return "body larger than the body limit (Config::max_body_bytes)";
      case Error::chunk_extension_too_large: return "chunk extensions longer than Config::max_chunk_extension_bytes";
      case Error::trailer_too_large: return "trailer section larger than Config::max_trailer_bytes";
      case Error::unsupported_transfer_coding: return "transfer coding not implemented (only chunked is)";
      case Error::method_not_implemented: return "request method not recognized";
      case Error::expectation_failed: return "Expect holds an expectation other than 100-continue";
      case Error::version_not_supported: return "HTTP version not supported (only HTTP/1.x is)";
      case Error::header_timeout: return "message head not received within Config::header_timeout";
      case Error::body_timeout: return "body stalled longer than Config::body_timeout";
      case Error::peer_closed: return "peer closed the connection in the middle of a message";
      case Error::write_failed: return "writing to the peer failed";
      case Error::body_too_slow: return "request body slower than Config::min_recv_bytes_per_sec";
      case Error::send_too_slow: return "peer read the response slower than Config::min_send_bytes_per_sec";
      case Error::send_timeout: return "peer accepted no response bytes within Config::send_timeout";
      case Error::connection_closed: return "connection closed before this exchange finished";
      case Error::no_response: return "the server closed the connection before responding to this request";
      case Error::bad_response: return "malformed response";
      case Error::unexpected_response: return "the server sent bytes with no request outstanding";
      case Error::response_already_started: return "the final response was already started";
      case Error::response_not_started: return "no streamed response was started";
      case Error::response_ended: return "the response was already ended";
      case Error::body_overrun: return "body longer than the declared Content-Length";
      case Error::body_underrun: return "body ended before the declared Content-Length";
      case Error::body_not_allowed: return "this response cannot carry a body";
      case Error::invalid_status: return "invalid status code for this call";
      case Error::invalid_header: return "invalid header field name or value";
      case Error::invalid_trailer: return "a trailer field may not carry framing, routing or authentication (RFC 9110 §6.5.1)";
      case Error::invalid_chunk_extension: return "chunk extension name is no token, or its value cannot be sent as a quoted-string";
      case Error::not_chunked: return "chunk extensions need a chunked body";
      case Error::invalid_request_line: return "invalid request method or target";
      case Error::write_misreported: return "a write was reported out of order, or as more than it held";
      case Error::exchange_ended: return "the exchange has ended: its handle refers to nothing any more";
      case Error::tunnel_required: return "a 2xx to CONNECT opens a tunnel: answer it with respond_streaming";
      case Error::upgrade_before_body_end: return "a 101 switches protocols after the request's body: read it to its end first";
      case Error::not_accepting: return "the connection accepts no more requests (closing, or max_pipelined_requests outstanding)";
    }
    return "unknown wirestate error";
  }
};

// Constant-initialized: a function-local static would put a guard check,
// inlined into every place that returns an error, on hot paths.
constinit const Category category;

}  // namespace

const std::error_category& error_category() noexcept { return category; }

int status_for(Error e) noexcept {
  switch (e) {
    case Error::bad_request:
    case Error::missing_host:
    case Error::invalid_host:
    case Error::conflicting_framing:
    case Error::chunked_not_final:
    case Error::invalid_transfer_encoding:
    case Error::invalid_content_length:
    case Error::invalid_chunk: return 400;
    case Error::request_line_too_long: return 414;
    case Error::header_too_large:
    case Error::too_many_headers: return 431;
    case Error::body_too_large:
    case Error::chunk_extension_too_large: return 413;
    case Error::trailer_too_large: return 431;
    case Error::expectation_failed: return 417;
    case Error::unsupported_transfer_coding:
    case Error::method_not_implemented: return 501;
    case Error::version_not_supported: return 505;
    case Error::header_timeout:
    case Error::body_timeout:
    case Error::body_too_slow: return 408;
    default: return 0;
  }
}

bool is_misuse(std::error_code ec) noexcept {
  if (ec.category() != error_category()) return false;
  switch (static_cast<Error>(ec.value())) {
    case Error::response_already_started:
    case Error::response_not_started:
    case Error::response_ended:
    case Error::body_overrun:
    case Error::body_underrun:
    case Error::body_not_allowed:
    case Error::invalid_status:
    case Error::invalid_header:
    case Error::invalid_trailer:
    case Error::invalid_chunk_extension:
    case Error::not_chunked:
    case Error::invalid_request_line:
    case Error::not_accepting:
    case Error::write_misreported:
    case Error::exchange_ended:
    case Error::tunnel_required:
    case Error::upgrade_before_body_end: return true;
    default: return false;
  }
}

const char* error_name(Error e) noexcept {
  switch (e) {
    case Error::bad_request: return "bad_request";
    case Error::missing_host: return "missing_host";
    case Error::invalid_host: return "invalid_host";
    case Error::conflicting_framing: return "conflicting_framing";
    case Error::chunked_not_final: return "chunked_not_final";
    case Error::invalid_transfer_encoding: return "invalid_transfer_encoding";
    case Error::invalid_content_length: return "invalid_content_length";
    case Error::invalid_chunk: return "invalid_chunk";
    case Error::request_line_too_long: return "request_line_too_long";
    case Error::header_too_large: return "header_too_large";
    case Error::too_many_headers: return "too_many_headers";
    case Error::body_too_large: return "body_too_large";
    case Error::chunk_extension_too_large: return "chunk_extension_too_large";
    case Error::trailer_too_large: return "trailer_too_large";
    case Error::unsupported_transfer_coding: return "unsupported_transfer_coding";
    case Error::method_not_implemented: return "method_not_implemented";
    case Error::expectation_failed: return "expectation_failed";
    case Error::version_not_supported: return "version_not_supported";
    case Error::header_timeout: return "header_timeout";
    case Error::body_timeout: return "body_timeout";
    case Error::body_too_slow: return "body_too_slow";
    case Error::peer_closed: return "peer_closed";
    case Error::write_failed: return "write_failed";
    case Error::send_timeout: return "send_timeout";
    case Error::send_too_slow: return "send_too_slow";
    case Error::connection_closed: return "connection_closed";
    case Error::no_response: return "no_response";
    case Error::bad_response: return "bad_response";
    case Error::unexpected_response: return "unexpected_response";
    case Error::response_already_started: return "response_already_started";
    case Error::response_not_started: return "response_not_started";
    case Error::response_ended: return "response_ended";
    case Error::body_overrun: return "body_overrun";
    case Error::body_underrun: return "body_underrun";
    case Error::body_not_allowed: return "body_not_allowed";
    case Error::invalid_status: return "invalid_status";
    case Error::invalid_header: return "invalid_header";
    case Error::invalid_trailer: return "invalid_trailer";
    case Error::invalid_chunk_extension: return "invalid_chunk_extension";
    case Error::not_chunked: return "not_chunked";
    case Error::invalid_request_line: return "invalid_request_line";
    case Error::not_accepting: return "not_accepting";
    case Error::write_misreported: return "write_misreported";
    case Error::exchange_ended: return "exchange_ended";
    case Error::tunnel_required: return "tunnel_required";
    case Error::upgrade_before_body_end: return "upgrade_before_body_end";
  }
  return "unknown";
}

const char* peer_reason(Error e) noexcept {
  switch (e) {
    case Error::bad_request: return "malformed request";
    case Error::missing_host: return "an HTTP/1.1 request needs exactly one Host header field";
    case Error::invalid_host: return "the Host header field is not a host name or address with an optional port";
    case Error::conflicting_framing: return "the request has both Content-Length and Transfer-Encoding";
    case Error::chunked_not_final: return "the final transfer coding is not chunked";
    case Error::invalid_transfer_encoding: return "invalid Transfer-Encoding";
    case Error::invalid_content_length: return "invalid Content-Length";
    case Error::invalid_chunk: return "invalid chunked encoding";
    case Error::request_line_too_long: return "request line too long";
    case Error::header_too_large: return "request header fields too large";
    case Error::too_many_headers: return "too many request header fields";
    case Error::body_too_large: return "request body too large";
    case Error::chunk_extension_too_large: return "chunk extensions too large";
    case Error::trailer_too_large: return "request trailer fields too large";
    case Error::unsupported_transfer_coding: return "transfer coding not implemented (only chunked is)";
    case Error::method_not_implemented: return "request method not implemented";
    case Error::expectation_failed: return "the only expectation supported is 100-continue";
    case Error::version_not_supported: return "HTTP version not supported (only HTTP/1.x is)";
    case Error::header_timeout: return "request header fields not received in time";
    case Error::body_timeout: return "request body stalled";
    case Error::body_too_slow: return "request body sent too slowly";
    default: return "";
  }
}

}  // namespace wirestate
