// find_byte looks at eight bytes at a time; its answers must be a plain
// loop's for every position, alignment and neighbouring byte value.
#include <catch2/catch.hpp>

#include <string>

#include "byte_scan.hpp"

using wirestate::detail::find_byte;

namespace {

const char* plain_find(const char* p, const char* end, char c) {
  while (p < end && *p != c) ++p;
  return p;
}

}  // namespace

TEST_CASE("find_byte: the first match at every position of every length") {
  for (std::size_t len = 0; len <= 40; ++len) {
    for (std::size_t at = 0; at <= len; ++at) {
      std::string s(len, 'a');
      if (at < len) s[at] = ':';
      const char* b = s.data();
      INFO("length " << len << ", colon at " << at);
      CHECK(find_byte(b, b + len, ':') == b + at);
    }
  }
}

TEST_CASE("find_byte: bytes next to the one sought are not taken for it") {
  // A word-at-a-time test can misreport a byte right above a match or one
  // that differs only in its high bit; compare with a plain loop.
  const char target = ':';
  const unsigned char neighbours[] = {0x00, 0x01, 0x3a ^ 0x01, 0x3a ^ 0x80, 0x3b, 0x39, 0x7f, 0x80, 0xff, 0xba};
  for (unsigned char n : neighbours) {
    for (std::size_t at = 0; at < 24; ++at) {
      std::string s(24, static_cast<char>(n));
      s[at] = target;
      s[(at + 5) % 24] = target;
      const char* b = s.data();
      INFO("neighbour byte " << int(n) << ", first colon near " << at);
      CHECK(find_byte(b, b + s.size(), target) == plain_find(b, b + s.size(), target));
    }
    std::string none(24, static_cast<char>(n));
    CHECK(find_byte(none.data(), none.data() + none.size(), target) == none.data() + none.size());
  }
}

TEST_CASE("find_byte: stops at the end it is given, not at the end of the bytes") {
  const std::string s = "Host-name-longer-than-eight:value";
  const char* b = s.data();
  CHECK(find_byte(b, b + 10, ':') == b + 10);
  CHECK(find_byte(b + 3, b + s.size(), ':') == b + 27);
  CHECK(find_byte(b, b + s.size(), '\xff') == b + s.size());
}
