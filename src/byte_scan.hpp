#pragma once
// Looking for bytes eight at a time in a machine word. Field names, methods
// and targets are a few to a few dozen bytes: too short for memchr's call
// and set-up to pay, long enough that a byte-at-a-time loop shows in a
// request's cost.
#include <bit>
#include <cstdint>
#include <cstring>

namespace wirestate::detail {

// High bit set in each byte of `w` that is zero. A borrow can only mark
// bytes above a zero byte, so the lowest mark is exact.
constexpr std::uint64_t zero_bytes(std::uint64_t w) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
  return (w - ones) & ~w & highs;
}

// The first `c` in [p, end), or end.
inline const char* find_byte(const char* p, const char* end, char c) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    const std::uint64_t pattern = std::uint64_t{0x0101010101010101} * static_cast<unsigned char>(c);
    for (; end - p >= 8; p += 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      if (const std::uint64_t marks = zero_bytes(w ^ pattern)) return p + std::countr_zero(marks) / 8;
    }
  }
  while (p < end && *p != c) ++p;
  return p;
}

}  // namespace wirestate::detail
