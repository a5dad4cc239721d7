#pragma once
// Writes message heads (responses and requests) and chunked framing into an
// exchange's output queue.
#include <cstdint>
#include <optional>
#include <string_view>

#include "memory/output_queue.hpp"
#include "wirestate/config.hpp"
#include "wirestate/error.hpp"
#include "wirestate/headers.hpp"

namespace wirestate::detail {

// What the connection needs to know of the application's response headers,
// found in one pass.
struct HeaderFacts {
  bool valid = true;  // names are tokens, values hold no CR, LF or NUL
  bool date = false, server = false, transfer_encoding = false, upgrade = false;
  bool connection_close = false, connection_upgrade = false;
  bool invalid_host = false;  // a Host that is not uri-host [ ":" port ] (RFC 9110 §7.2)
  std::optional<std::string_view> content_length;
  std::size_t line_bytes = 0;  // the fields as "name: value\r\n"
};
HeaderFacts scan_headers(Headers headers) noexcept;

struct HeadSpec {
  // What every head sets comes in here, so only the rest is zeroed (a
  // block clear of the whole is slow to start).
  HeadSpec(int s, Headers h, const HeaderFacts& f) noexcept : status(s), headers(h), facts(f) {}

  int status = 200;
  Headers headers;                          // the application's, in its order
  HeaderFacts facts;                        // scan_headers(headers)
  std::optional<std::uint64_t> content_length;  // add Content-Length
  bool chunked = false;                     // add Transfer-Encoding: chunked
  bool close = false;                       // add Connection: close
  bool keep_alive = false;                  // add Connection: keep-alive (HTTP/1.0 peers)
  bool connection_upgrade = false;          // add Connection: upgrade (101)
  bool informational = false;               // 1xx: no Date/Server/framing fields
  std::string_view body;                    // copied right after the head
};

// RFC 9110 §5.1 and §5.5: names are tokens; values carry no CR, LF or NUL.
bool valid_field_name(std::string_view name) noexcept;
bool valid_field_value(std::string_view value) noexcept;
Error validate_headers(Headers headers) noexcept;  // trailers

void serialize_head(BlockArena& arena, SegmentQueue& q, const Config& config,
                    const HeadSpec& spec) noexcept;
// "METHOD target HTTP/1.1", the application's fields (`facts` is
// scan_headers(headers)), then the framing field: Content-Length when
// `content_length` is set, else chunked if `chunked`.
void serialize_request_head(BlockArena& arena, SegmentQueue& q, std::string_view method,
                            std::string_view target, Headers headers, const HeaderFacts& facts,
                            std::optional<std::uint64_t> content_length, bool chunked) noexcept;
// A request target: visible ASCII, no spaces (RFC 9112 §3.2).
bool valid_target(std::string_view target) noexcept;

}  // namespace wirestate::detail
