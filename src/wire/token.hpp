#pragma once
// RFC 9110 §5.6.2 and §5.6.3: the characters of a token (field names,
// methods, coding names), and optional whitespace. The token test is a table:
// it runs for every byte of every response field name.
#include <array>
#include <string_view>

namespace wirestate::detail {

inline constexpr std::array<bool, 256> tchar_table = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (unsigned char c : std::string_view("!#$%&'*+-.^_`|~")) t[c] = true;
  return t;
}();

inline bool is_tchar(char c) noexcept { return tchar_table[static_cast<unsigned char>(c)]; }

// OWS: space or horizontal tab.
inline bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

// `s` without the OWS around it.
inline std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace wirestate::detail
