#pragma once
// RFC 9110 §5.6.2: the characters of a token (field names, methods, coding
// names). A table: it runs for every byte of every response field name.
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

}  // namespace wirestate::detail
