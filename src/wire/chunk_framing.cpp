#include "wire/chunk_framing.hpp"

#include <charconv>

#include "wire/message_serializer.hpp"
#include "wirestate/headers.hpp"

namespace wirestate::detail {
namespace {

bool is_token(std::string_view s) noexcept { return valid_field_name(s); }

// qdtext (RFC 9110 §5.6.4) without the quoted-pair escape.
bool quotable(std::string_view s) noexcept {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\' || c == 0x7f || (c < 0x20 && c != '\t')) return false;
  }
  return true;
}

// RFC 9110 §6.5.1: fields a recipient must not take from a trailer section.
constexpr std::string_view not_in_trailers[] = {
    "transfer-encoding", "content-length", "host", "connection", "keep-alive", "upgrade", "te",
    "trailer", "content-encoding", "content-type", "content-range", "authorization",
    "proxy-authorization", "www-authenticate", "proxy-authenticate", "cookie", "set-cookie",
    "expect", "range", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since",
    "if-range", "max-forwards", "cache-control", "age", "expires", "location", "retry-after",
    "vary"};

}  // namespace

Error check_chunk_extensions(Headers extensions, std::size_t max_bytes) noexcept {
  std::size_t bytes = 0;
  for (const Header& e : extensions) {
    if (!is_token(e.name) || !quotable(e.value)) return Error::invalid_chunk_extension;
    bytes += e.name.size() + e.value.size();
  }
  return bytes > max_bytes ? Error::chunk_extension_too_large : Error{};
}

void serialize_chunk_header(BlockArena& a, SegmentQueue& q, std::size_t size, Headers extensions) noexcept {
  char digits[20];
  char* end = std::to_chars(digits, digits + 16, size, 16).ptr;
  if (extensions.empty()) {
    *end++ = '\r';
    *end++ = '\n';
    return append_copy(a, q, {digits, static_cast<std::size_t>(end - digits)});
  }
  append_copy(a, q, {digits, static_cast<std::size_t>(end - digits)});
  for (const Header& e : extensions) {
    append_copy(a, q, ";");
    append_copy(a, q, e.name);
    if (e.value.empty()) continue;
    // Always quoted: llhttp 8 (node's parser, Debian's) refuses a token value
    // that another extension follows, and a quoted one means the same.
    append_copy(a, q, "=\"");
    append_copy(a, q, e.value);
    append_copy(a, q, "\"");
  }
  append_copy(a, q, "\r\n");
}

Error check_trailers(Headers trailers, std::size_t max_bytes) noexcept {
  if (validate_headers(trailers) != Error{}) return Error::invalid_header;
  std::size_t bytes = 0;
  for (const Header& h : trailers) {
    for (std::string_view banned : not_in_trailers)
      if (iequals(h.name, banned)) return Error::invalid_trailer;
    bytes += h.name.size() + h.value.size();
  }
  return bytes > max_bytes ? Error::trailer_too_large : Error{};
}

void serialize_last_chunk(BlockArena& a, SegmentQueue& q, Headers trailers) noexcept {
  if (trailers.empty()) return append_copy(a, q, "0\r\n\r\n");
  append_copy(a, q, "0\r\n");
  for (const Header& h : trailers) {
    append_copy(a, q, h.name);
    append_copy(a, q, ": ");
    append_copy(a, q, h.value);
    append_copy(a, q, "\r\n");
  }
  append_copy(a, q, "\r\n");
}

}  // namespace wirestate::detail
