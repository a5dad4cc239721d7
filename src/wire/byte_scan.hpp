#pragma once
// Looking for bytes eight at a time in a machine word. Field names, methods
// and targets are a few to a few dozen bytes: too short for memchr's call
// and set-up to pay, long enough that a byte-at-a-time loop shows in a
// request's cost.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace wirestate::detail {

// High bit set in each byte of `w` that is zero. A borrow can only mark
// bytes above a zero byte, so the lowest mark is exact.
constexpr std::uint64_t zero_bytes(std::uint64_t w) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
  return (w - ones) & ~w & highs;
}

// High bit set in each byte of `w` below `n`, for n up to 0x80; whether any
// byte is marked is exact, as for zero_bytes.
constexpr std::uint64_t bytes_below(std::uint64_t w, unsigned char n) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
  return (w - ones * n) & ~w & highs;
}

// `c` in every byte of a word.
constexpr std::uint64_t broadcast(char c) noexcept {
  return std::uint64_t{0x0101010101010101} * static_cast<unsigned char>(c);
}

// Whether the word test `marks` (zero_bytes and the like) marks no byte of
// [p, p + n). Whether a byte is present does not depend on reading some
// twice, so there is no byte-at-a-time tail: the last word overlaps the one
// before it, and under eight bytes the word is two overlapping halves, or
// the first, middle and last byte over `fill`, which `marks` must not mark.
template <class Marks>
inline bool none_marked(const char* p, std::size_t n, Marks marks, char fill) noexcept {
  std::uint64_t w;
  if (n >= 8) {
    std::uint64_t found = 0;
    for (std::size_t i = 0; i + 8 < n; i += 8) {
      std::memcpy(&w, p + i, 8);
      found |= marks(w);
    }
    std::memcpy(&w, p + n - 8, 8);
    return (found | marks(w)) == 0;
  }
  if (n >= 4) {
    std::uint32_t low, high;
    std::memcpy(&low, p, 4);
    std::memcpy(&high, p + n - 4, 4);
    w = low | std::uint64_t{high} << 32;
  } else {
    w = broadcast(fill);
    if (n > 0)
      w = w << 24 | static_cast<unsigned char>(p[0]) | std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 |
          std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16;
  }
  return marks(w) == 0;
}

// The first `c` in [p, end), or end.
inline const char* find_byte(const char* p, const char* end, char c) noexcept {
  if constexpr (std::endian::native == std::endian::little) {
    const std::uint64_t pattern = broadcast(c);
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
