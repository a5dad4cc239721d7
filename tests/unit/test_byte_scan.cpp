// find_byte looks at eight bytes at a time; its answers must be a plain
// loop's for every position, alignment and neighbouring byte value.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>

#include "wire/byte_scan.hpp"
#include "wire/message_serializer.hpp"
#include "wire/token.hpp"

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

// The checks of what an application hands over read words too, with
// overlapping loads instead of a tail; each must agree with a plain loop
// for every length, every position of an odd byte and every byte value.
namespace {

bool plain_value(std::string_view v) {
  for (char c : v)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

bool plain_target(std::string_view t) {
  if (t.empty()) return false;
  for (char c : t)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
  return true;
}

bool plain_name(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!wirestate::detail::is_tchar(c)) return false;
  return true;
}

}  // namespace

TEST_CASE("field value, target and name checks: a plain loop's answer for every byte at every place") {
  using namespace wirestate::detail;
  std::size_t compared = 0, value_wrong = 0, target_wrong = 0, name_wrong = 0;
  for (std::size_t len = 0; len <= 40; ++len) {
    for (std::size_t at = 0; at < std::max<std::size_t>(len, 1); ++at) {
      for (int b = 0; b < 256; ++b) {
        std::string s(len, 'x');
        if (at < len) s[at] = static_cast<char>(b);
        value_wrong += valid_field_value(s) != plain_value(s);
        target_wrong += valid_target(s) != plain_target(s);
        name_wrong += valid_field_name(s) != plain_name(s);
        ++compared;
      }
    }
  }
  INFO(compared << " strings compared");
  CHECK(value_wrong == 0);
  CHECK(target_wrong == 0);
  CHECK(name_wrong == 0);
}

TEST_CASE("field value and target checks see a bad byte in the middle of a short input") {
  // Under eight bytes the word is built from the first, middle and last
  // byte or two halves: each of those places must be read.
  using namespace wirestate::detail;
  CHECK_FALSE(valid_field_value("a\rb"));
  CHECK_FALSE(valid_field_value("ab\ncd"));
  CHECK_FALSE(valid_field_value(std::string_view("abc\0efg", 7)));
  CHECK_FALSE(valid_target("/a b"));
  CHECK_FALSE(valid_target("/\x7f"));
  CHECK(valid_target("/"));
  CHECK(valid_field_value(""));
  CHECK_FALSE(valid_target(""));
}
