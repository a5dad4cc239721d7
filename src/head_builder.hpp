#pragma once
// Collects one header section (a request line and fields, or a trailer
// section) as it arrives in pieces, into storage that keeps its capacity
// across requests. Views are made once the section is complete, so growing the
// storage while pieces arrive never invalidates anything handed out.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wirestate/error.hpp"
#include "wirestate/headers.hpp"

namespace wirestate::detail {

struct HeadLimits {
  std::size_t max_line_bytes;    // method + target (+ reason for responses)
  std::size_t max_field_bytes;   // names + values
  std::size_t max_field_count;
};

class HeadBuilder {
 public:
  void reset(const HeadLimits& limits) noexcept;

  // Each returns Error{} (value 0) on success, or the limit that was passed.
  Error append_method(std::string_view piece) noexcept;
  Error append_target(std::string_view piece) noexcept;
  Error append_name(std::string_view piece) noexcept;
  Error append_value(std::string_view piece) noexcept;
  // `unquote`: a value sent as a quoted-string loses its quotes (a chunk
  // extension; the parser has already refused quoted-pairs).
  Error end_field(bool unquote = false) noexcept;

  // Makes the views; call once, after the last piece.
  void finish() noexcept;

  std::string_view method() const noexcept { return method_; }
  // The method as far as it arrived, before finish(); valid until the next
  // append.
  std::string_view method_so_far() const noexcept { return view(method_span_); }
  std::string_view target() const noexcept { return target_; }
  Headers headers() const noexcept { return {views_.data(), views_.size()}; }

 private:
  struct Span {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
  };
  struct Field {
    Span name;
    Span value;
  };
  Error append(Span& span, std::string_view piece) noexcept;
  std::string_view view(Span s) const noexcept { return {bytes_.data() + s.offset, s.length}; }

  HeadLimits limits_{};
  std::string bytes_;
  std::vector<Field> fields_;
  std::vector<Header> views_;
  Span method_span_, target_span_;
  Field current_;
  std::size_t field_bytes_ = 0;
  std::string_view method_, target_;
};

}  // namespace wirestate::detail
