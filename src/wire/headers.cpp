#include "wirestate/headers.hpp"

#include "wire/token.hpp"

namespace wirestate {
std::optional<std::string_view> find_header(Headers headers, std::string_view name) noexcept {
  for (const Header& h : headers)
    if (iequals(h.name, name)) return h.value;
  return std::nullopt;
}

bool header_has_token(Headers headers, std::string_view name, std::string_view token) noexcept {
  for (const Header& h : headers) {
    if (!iequals(h.name, name)) continue;
    std::string_view rest = h.value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view item = detail::trim_ows(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (iequals(item, token)) return true;
    }
  }
  return false;
}

}  // namespace wirestate
