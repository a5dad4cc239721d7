#pragma once
// The chunked coding as it is sent (RFC 9112 §7.1): chunk size lines with
// their extensions, and the last chunk with its trailer section. What is
// received is llhttp's to parse (message_parser.cpp).
#include <cstddef>

#include "memory/output_queue.hpp"
#include "wirestate/error.hpp"
#include "wirestate/headers.hpp"

namespace wirestate::detail {

// Extensions a chunk may carry: names are tokens; a value goes out quoted
// (it may hold visible characters and spaces). A value with '"' or '\'
// would need a quoted-pair, which strict parsers (llhttp among them)
// refuse, so it is refused here. Names and values
// together stay within `max_bytes` (Error::chunk_extension_too_large).
Error check_chunk_extensions(Headers extensions, std::size_t max_bytes) noexcept;
// "<hex size>[;name[=value]]...\r\n" before a chunk's data; the extensions
// have passed check_chunk_extensions.
void serialize_chunk_header(BlockArena& arena, SegmentQueue& q, std::size_t size,
                            Headers extensions = {}) noexcept;

// A trailer section: valid fields, none that framing, routing, request
// modifiers, authentication or content handling depend on (RFC 9110
// §6.5.1), within `max_bytes` of names and values.
Error check_trailers(Headers trailers, std::size_t max_bytes) noexcept;
// The last chunk and trailer section: "0\r\n" fields "\r\n".
void serialize_last_chunk(BlockArena& arena, SegmentQueue& q, Headers trailers) noexcept;

}  // namespace wirestate::detail
