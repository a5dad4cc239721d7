#pragma once
// Collects a list of fields that arrive in pieces (a trailer section, one
// chunk's extensions) into storage that keeps its capacity
// across messages. Views are made once the list is complete, so growing the
// storage while pieces arrive never invalidates anything handed out. Heads
// take another way: see received_head.hpp.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wirestate/error.hpp"
#include "wirestate/headers.hpp"

namespace wirestate::detail {

struct HeadLimits {
  std::size_t max_line_bytes;    // method + target, or the reason phrase (heads only)
  std::size_t max_field_bytes;   // names + values
  std::size_t max_field_count;
};

class FieldBuilder {
 public:
  // Inline, as ReceivedHead::reset: callers build `limits` just before.
  void reset(const HeadLimits& limits) noexcept {
    limits_ = limits;
    bytes_.clear();
    fields_.clear();
    views_.clear();
    current_ = {};
    field_bytes_ = 0;
  }

  // Each returns Error{} (value 0) on success, or the limit that was passed.
  Error append_name(std::string_view piece) noexcept;
  Error append_value(std::string_view piece) noexcept;
  // `trim_ows`: the value loses trailing whitespace (a field value, RFC
  // 9110 §5.5); a decoded quoted-string keeps it.
  Error end_field(bool trim_ows) noexcept;
  // The field being built has value bytes (leading whitespace is skipped
  // by the caller, which must know whether a value has begun).
  bool value_started() const noexcept { return current_.value.length > 0; }

  // Makes the views; call once, after the last piece.
  void finish() noexcept;

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
  Field current_;
  std::size_t field_bytes_ = 0;
};

}  // namespace wirestate::detail
