#pragma once
// Header fields as views. Request heads hand out views into storage owned by
// the exchange (valid until Handler::on_exchange_end); responses take views
// that are only borrowed for the duration of the call that takes them.
#include "wirestate/api.hpp"

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string_view>

namespace wirestate {

struct Header {
  std::string_view name;
  std::string_view value;
};

using Headers = std::span<const Header>;

// ASCII case-insensitive equality, as field names compare (RFC 9110 §5.1).
// Inline: it runs on every field of every head, mostly against literals.
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    // Only a letter's two cases differ in exactly the 0x20 bit.
    const unsigned lower = x | 0x20u;
    if ((x ^ y) != 0x20u || lower < 'a' || lower > 'z') return false;
  }
  return true;
}

// The first field named `name`, if any.
WIRESTATE_API std::optional<std::string_view> find_header(Headers headers, std::string_view name) noexcept;

// Whether a comma-separated list field (e.g. Connection) holds `token`.
WIRESTATE_API bool header_has_token(Headers headers, std::string_view name, std::string_view token) noexcept;

}  // namespace wirestate
