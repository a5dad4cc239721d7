#include "field_builder.hpp"

#include "token.hpp"

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

Error FieldBuilder::end_field(bool unquote) noexcept {
  if (fields_.size() >= limits_.max_field_count) return Error::too_many_headers;
  Span& v = current_.value;
  const bool quoted =
      unquote && v.length >= 2 && bytes_[v.offset] == '"' && bytes_[v.offset + v.length - 1] == '"';
  if (quoted) {
    v.offset += 1;
    v.length -= 2;
  }
  // Field values exclude trailing whitespace (RFC 9110 §5.5); llhttp already
  // drops the leading part. A quoted value keeps its spaces.
  while (!quoted && current_.value.length > 0) {
    const char c = bytes_[current_.value.offset + current_.value.length - 1];
    if (!is_ows(c)) break;
    --current_.value.length;
  }
  fields_.push_back(current_);
  current_ = {};
  return Error{};
}

void FieldBuilder::finish() noexcept {
  views_.clear();
  for (const Field& f : fields_) views_.push_back({view(f.name), view(f.value)});
}

}  // namespace wirestate::detail
