#include "wire/chunked_decoder.hpp"

#include "wire/token.hpp"

namespace wirestate::detail {
namespace {

// Bytes a size line or a trailer section may take beyond what the limits
// count (the size's digits, separators, whitespace, line ends): only a line
// that never ends gets near it.
constexpr std::size_t slack_bytes = 256;
// Digits of a chunk size, leading zeros included; 16 significant ones are
// 64 bits.
constexpr std::size_t max_size_digits = 64;

int hex_value(unsigned char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  const unsigned lower = c | 0x20u;
  if (lower >= 'a' && lower <= 'f') return static_cast<int>(lower - 'a' + 10);
  return -1;
}
// field-vchar: VCHAR and obs-text (RFC 9110 §5.5).
bool is_field_vchar(unsigned char c) noexcept { return c > 0x20 && c != 0x7f; }
// qdtext (RFC 9110 §5.6.4).
bool is_qdtext(unsigned char c) noexcept {
  return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c != 0x7f);
}
// What may follow a backslash in a quoted-string.
bool is_quotable(unsigned char c) noexcept { return c == '\t' || c == ' ' || is_field_vchar(c); }

constexpr std::string_view bad_size_line = "invalid chunk size line";

}  // namespace

void ChunkedDecoder::start(FieldBuilder* extensions, FieldBuilder* trailers, const Limits& limits) noexcept {
  extensions_ = extensions;
  trailers_ = trailers;
  limits_ = limits;
  state_ = State::size_first;
  size_ = 0;
  digits_ = line_bytes_ = 0;
  error_ = Error{};
  reason_ = {};
  extensions_->reset({0, limits.max_extension_bytes, limits.max_field_count});
  extensions_->finish();
  trailers_->reset({0, limits.max_trailer_bytes, limits.max_field_count});
}

ChunkedDecoder::Step ChunkedDecoder::fail(Error e, std::string_view reason, std::size_t consumed) noexcept {
  state_ = State::failed;
  error_ = e;
  reason_ = reason;
  return {Event::error, consumed, {}};
}

// The size line's CRLF: its extensions become visible; the last chunk
// starts the trailer section.
ChunkedDecoder::State ChunkedDecoder::size_line_end() noexcept {
  extensions_->finish();
  line_bytes_ = 0;
  return size_ == 0 ? State::trailer_start : State::data;
}

ChunkedDecoder::Step ChunkedDecoder::decode(const char* data, std::size_t size) noexcept {
  std::size_t i = 0;
  const auto bad = [&](std::string_view why) { return fail(Error::invalid_chunk, why, i); };
  // A field piece of one byte: extensions and trailers are rare and short,
  // and FieldBuilder checks the limits as they grow.
  const auto piece = [&] { return std::string_view(data + i, 1); };
  // An extension's name, value and end; false past max_extension_bytes or
  // max_field_count, which is 413.
  const auto add_name = [&] { return extensions_->append_name(piece()) == Error{}; };
  const auto add_value = [&] { return extensions_->append_value(piece()) == Error{}; };
  const auto end_extension = [&] { return extensions_->end_field(/*trim_ows=*/false) == Error{}; };
  const auto too_large = [&] { return fail(Error::chunk_extension_too_large, {}, i); };
  while (i < size) {
    const char ch = data[i];
    const auto c = static_cast<unsigned char>(ch);
    // A bare LF, and a CR not followed by LF, are never line ends here
    // (RFC 9112 §2.2): the chunk line-terminator smuggling vectors.
    const bool in_trailers = state_ >= State::trailer_start;
    if (c == '\n' && state_ != State::data && state_ != State::size_lf && state_ != State::data_lf &&
        state_ != State::trailer_lf && state_ != State::end_lf)
      return in_trailers ? fail(Error::bad_request, "bare LF in the trailer section", i)
                         : bad("bare LF in a chunk size line");
    switch (state_) {
      case State::data: {
        const std::size_t n = size - i < size_ ? size - i : static_cast<std::size_t>(size_);
        size_ -= n;
        if (size_ == 0) state_ = State::data_cr;
        return {Event::body, i + n, {data + i, n}};
      }
      case State::data_cr:
        if (c != '\r') return bad("chunk data not followed by CRLF");
        state_ = State::data_lf;
        break;
      case State::data_lf:
        if (c != '\n') return bad("bare CR after chunk data");
        state_ = State::size_first;
        size_ = 0;
        digits_ = line_bytes_ = 0;
        extensions_->reset({0, limits_.max_extension_bytes, limits_.max_field_count});
        break;

      case State::size_first:
      case State::size: {
        const int v = hex_value(c);
        if (v >= 0) {
          if (size_ >> 60 != 0) return bad("chunk size past 64 bits");
          if (++digits_ > max_size_digits) return bad("chunk size of more than 64 digits");
          size_ = size_ << 4 | static_cast<unsigned>(v);
          state_ = State::size;
          break;
        }
        if (state_ == State::size_first) return bad(bad_size_line);
        if (c == '\r') state_ = State::size_lf;
        else if (c == ';') state_ = State::ext_name_start;
        else if (is_ows(ch)) state_ = State::size_bws;
        else return bad(bad_size_line);
        break;
      }
      case State::size_bws:  // BWS, then only ";" may follow
        if (c == ';') state_ = State::ext_name_start;
        else if (!is_ows(ch)) return bad(bad_size_line);
        break;
      case State::ext_name_start:
        if (is_tchar(ch)) {
          if (!add_name()) return too_large();
          state_ = State::ext_name;
        } else if (!is_ows(ch)) {
          return bad("chunk extension without a name");
        }
        break;
      case State::ext_name:
        if (is_tchar(ch)) {
          if (!add_name()) return too_large();
        } else if (c == '=') {
          state_ = State::ext_value_start;
        } else if (is_ows(ch)) {
          state_ = State::ext_name_bws;
        } else if (c == ';' || c == '\r') {  // a name without a value
          if (!end_extension()) return too_large();
          state_ = c == ';' ? State::ext_name_start : State::size_lf;
        } else {
          return bad(bad_size_line);
        }
        break;
      case State::ext_name_bws:  // BWS after a name: "=" or the next ";"
        if (c == '=') {
          state_ = State::ext_value_start;
        } else if (c == ';') {
          if (!end_extension()) return too_large();
          state_ = State::ext_name_start;
        } else if (!is_ows(ch)) {
          return bad(bad_size_line);
        }
        break;
      case State::ext_value_start:
        if (c == '"') {
          state_ = State::ext_quoted;
        } else if (is_tchar(ch)) {
          if (!add_value()) return too_large();
          state_ = State::ext_token;
        } else if (!is_ows(ch)) {
          return bad("chunk extension without a value after \"=\"");
        }
        break;
      case State::ext_token:
        if (is_tchar(ch)) {
          if (!add_value()) return too_large();
          break;
        }
        if (!end_extension()) return too_large();
        state_ = State::ext_after_value;
        continue;  // the same byte, after the value
      case State::ext_quoted:
        if (c == '"') {
          if (!end_extension()) return too_large();
          state_ = State::ext_after_value;
        } else if (c == '\\') {
          state_ = State::ext_quoted_pair;
        } else if (is_qdtext(c)) {
          if (!add_value()) return too_large();
        } else {
          return bad("invalid character in a quoted chunk extension value");
        }
        break;
      case State::ext_quoted_pair:
        if (!is_quotable(c)) return bad("invalid character in a quoted chunk extension value");
        if (!add_value()) return too_large();
        state_ = State::ext_quoted;
        break;
      case State::ext_after_value:
        if (c == '\r') state_ = State::size_lf;
        else if (c == ';') state_ = State::ext_name_start;
        else if (is_ows(ch)) state_ = State::size_bws;
        else return bad(bad_size_line);
        break;
      case State::size_lf:
        if (c != '\n') return bad("bare CR in a chunk size line");
        state_ = size_line_end();
        break;

      case State::trailer_start:
        if (c == '\r') {
          state_ = State::end_lf;
        } else if (is_tchar(ch)) {
          if (Error e = trailers_->append_name(piece()); e != Error{}) return fail(Error::trailer_too_large, {}, i);
          state_ = State::trailer_name;
        } else if (is_ows(ch)) {
          return fail(Error::bad_request, "obs-fold in the trailer section", i);  // RFC 9112 §5.2
        } else {
          return fail(Error::bad_request, "invalid trailer field name", i);
        }
        break;
      case State::trailer_name:
        if (c == ':') {
          state_ = State::trailer_value;
        } else if (!is_tchar(ch)) {
          return fail(Error::bad_request, "invalid trailer field name", i);
        } else if (trailers_->append_name(piece()) != Error{}) {
          return fail(Error::trailer_too_large, {}, i);
        }
        break;
      case State::trailer_value:
        if (c == '\r') {
          if (Error e = trailers_->end_field(true); e != Error{}) return fail(e, {}, i);
          state_ = State::trailer_lf;
        } else if (is_field_vchar(c) || (is_ows(ch) && trailers_->value_started())) {
          if (trailers_->append_value(piece()) != Error{}) return fail(Error::trailer_too_large, {}, i);
        } else if (!is_ows(ch)) {
          return fail(Error::bad_request, "invalid character in a trailer field value", i);
        }
        break;
      case State::trailer_lf:
        if (c != '\n') return fail(Error::bad_request, "bare CR in the trailer section", i);
        state_ = State::trailer_start;
        break;
      case State::end_lf:
        if (c != '\n') return fail(Error::bad_request, "bare CR in the trailer section", i);
        trailers_->finish();
        state_ = State::done;
        return {Event::end, i + 1, {}};

      case State::done:
      case State::failed:
        return {Event::need_more, 0, {}};
    }
    ++i;
    if (++line_bytes_ > (in_trailers
                             ? limits_.max_trailer_bytes + 4 * limits_.max_field_count + slack_bytes
                             : limits_.max_extension_bytes + slack_bytes) &&
        state_ != State::data) {
      return in_trailers ? fail(Error::trailer_too_large, {}, i) : too_large();
    }
  }
  return {Event::need_more, size, {}};
}

}  // namespace wirestate::detail
