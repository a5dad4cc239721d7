#include "wire/field_builder.hpp"

#include "wire/token.hpp"

namespace wirestate::detail {

// Pieces of one token arrive back to back, so a span only ever grows at the
// end of the storage: the piece is appended and the span widened.
Error FieldBuilder::append(Span& span, std::string_view piece) noexcept {
  if (span.length == 0) span.offset = static_cast<std::uint32_t>(bytes_.size());
  bytes_.append(piece);
  span.length += static_cast<std::uint32_t>(piece.size());
  return Error{};
}

Error FieldBuilder::append_name(std::string_view piece) noexcept {
  field_bytes_ += piece.size();
  if (field_bytes_ > limits_.max_field_bytes) return Error::header_too_large;
  return append(current_.name, piece);
}

Error FieldBuilder::append_value(std::string_view piece) noexcept {
  field_bytes_ += piece.size();
  if (field_bytes_ > limits_.max_field_bytes) return Error::header_too_large;
  return append(current_.value, piece);
}

Error FieldBuilder::end_field(bool trim_ows) noexcept {
  if (fields_.size() >= limits_.max_field_count) return Error::too_many_headers;
  while (trim_ows && current_.value.length > 0 && is_ows(bytes_[current_.value.offset + current_.value.length - 1]))
    --current_.value.length;
  fields_.push_back(current_);
  current_ = {};
  return Error{};
}

void FieldBuilder::finish() noexcept {
  views_.clear();
  for (const Field& f : fields_) views_.push_back({view(f.name), view(f.value)});
}

}  // namespace wirestate::detail
