#pragma once
// The chunked transfer coding as it is received (RFC 9112 §7.1), decoded
// here rather than by llhttp: llhttp 8.1 refuses valid size lines (BWS
// around ";" and "=", a token value followed by another extension, a
// quoted-pair) and accepts a bare LF in a trailer section. This decoder
// takes exactly the grammar:
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-ext    = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
//   ext-val      = token / quoted-string
//   trailer-section = *( field-name ":" OWS field-value OWS CRLF )
//
// and refuses everything else: a bare CR or LF anywhere, whitespace that the
// grammar does not place, a missing CRLF after chunk data, a size past 64
// bits, obs-fold. Every line is capped, so no input makes it work without
// end on one line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wire/field_builder.hpp"
#include "wirestate/error.hpp"

namespace wirestate::detail {

class ChunkedDecoder {
 public:
  enum class Event {
    need_more,  // every byte was consumed; feed more
    body,       // `body` holds chunk data (borrowed from the input)
    end,        // the last chunk and the trailer section are complete
    error,      // see error() and reason(); the decoder is done
  };
  struct Step {
    Event event = Event::need_more;
    std::size_t consumed = 0;
    std::string_view body;
  };
  struct Limits {
    std::size_t max_extension_bytes;  // names and values of one chunk's extensions
    std::size_t max_trailer_bytes;    // names and values of the trailer section
    std::size_t max_field_count;      // extensions of one chunk, trailer fields
  };

  // Starts a body: extensions of each chunk go to `extensions` (views made
  // once its size line is complete), the trailer fields to `trailers`
  // (views made at Event::end).
  void start(FieldBuilder* extensions, FieldBuilder* trailers, const Limits& limits) noexcept;
  // Decodes from `data`, stopping after each piece of chunk data.
  Step decode(const char* data, std::size_t size) noexcept;

  // Whether `extensions` holds the extensions of the chunk whose data was
  // last delivered (and not those of a size line still being read).
  bool extensions_current() const noexcept { return state_ == State::data || state_ == State::data_cr; }
  Error error() const noexcept { return error_; }
  std::string_view reason() const noexcept { return reason_; }

 private:
  enum class State : std::uint8_t {
    size_first, size, size_bws, ext_name_start, ext_name, ext_name_bws, ext_value_start,
    ext_token, ext_quoted, ext_quoted_pair, ext_after_value, size_lf,
    data, data_cr, data_lf,
    trailer_start, trailer_name, trailer_value, trailer_lf, end_lf,
    done, failed,
  };
  Step fail(Error e, std::string_view reason, std::size_t consumed) noexcept;
  State size_line_end() noexcept;

  State state_ = State::done;
  FieldBuilder* extensions_ = nullptr;
  FieldBuilder* trailers_ = nullptr;
  Limits limits_{};
  std::uint64_t size_ = 0;       // of the chunk being read or delivered
  std::size_t digits_ = 0;       // of its size, leading zeros included
  std::size_t line_bytes_ = 0;   // of the size line, or of the trailer section
  Error error_{};
  std::string_view reason_;
};

}  // namespace wirestate::detail
