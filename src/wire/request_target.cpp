#include "wire/request_target.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace wirestate::detail {
namespace {

constexpr bool is_alpha(char c) noexcept { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
constexpr bool is_hex(char c) noexcept { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
constexpr bool is_unreserved(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
// RFC 3986's sub-delims but the comma: a recipient reads a comma in a field
// value as a list separator (RFC 9110 §5.3), and a Host that is a list is
// exactly what must not reach two hops as two different hosts.
constexpr bool is_sub_delim(char c) noexcept {
  switch (c) {
    case '!': case '$': case '&': case '\'': case '(': case ')':
    case '*': case '+': case ';': case '=': return true;
    default: return false;
  }
}

bool all_digits(std::string_view s) noexcept {
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

// A table: every request's Host goes through it.
constexpr std::array<bool, 256> reg_name_table = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = is_unreserved(static_cast<char>(c)) || is_sub_delim(static_cast<char>(c));
  return t;
}();

// reg-name: unreserved, pct-encoded and sub-delims.
bool valid_reg_name(std::string_view s) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (reg_name_table[static_cast<unsigned char>(s[i])]) continue;
    if (s[i] != '%' || i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
    i += 2;
  }
  return true;
}

// dec-octet "." dec-octet "." dec-octet "." dec-octet, no leading zeros.
bool valid_ipv4(std::string_view s) noexcept {
  for (int octet = 0; octet < 4; ++octet) {
    std::size_t n = 0;
    unsigned value = 0;
    while (n < s.size() && n < 4 && is_digit(s[n])) value = value * 10 + static_cast<unsigned>(s[n++] - '0');
    if (n == 0 || n > 3 || value > 255 || (n > 1 && s[0] == '0')) return false;
    s.remove_prefix(n);
    if (octet < 3) {
      if (s.empty() || s[0] != '.') return false;
      s.remove_prefix(1);
    }
  }
  return s.empty();
}

// Up to eight h16 groups, at most one "::" standing for one or more of
// them, the last 32 bits optionally as an IPv4 address.
bool valid_ipv6(std::string_view s) noexcept {
  const std::size_t n = s.size();
  std::size_t i = 0;
  int groups = 0;
  bool compressed = false;
  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    compressed = true;
    i = 2;
    if (i == n) return true;
  }
  for (;;) {
    std::size_t j = i;
    while (j < n && j - i < 5 && is_hex(s[j])) ++j;
    if (j < n && s[j] == '.') {
      if (!valid_ipv4(s.substr(i))) return false;
      groups += 2;
      break;
    }
    if (j == i || j - i > 4) return false;
    ++groups;
    if (j == n) break;
    if (s[j] != ':') return false;
    if (j + 1 < n && s[j + 1] == ':') {
      if (compressed) return false;
      compressed = true;
      i = j + 2;
      if (i == n) break;
    } else {
      i = j + 1;
      if (i == n) return false;
    }
  }
  return compressed ? groups < 8 : groups == 8;
}

// "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
bool valid_ipvfuture(std::string_view s) noexcept {
  if (s.size() < 4 || (s[0] | 0x20) != 'v') return false;
  std::size_t i = 1;
  while (i < s.size() && is_hex(s[i])) ++i;
  if (i == 1 || i + 1 >= s.size() || s[i] != '.') return false;
  for (++i; i < s.size(); ++i)
    if (!is_unreserved(s[i]) && !is_sub_delim(s[i]) && s[i] != ':') return false;
  return true;
}

// uri-host [ ":" port ], the host not empty.
bool valid_authority(std::string_view s) noexcept {
  std::string_view host = s, port;
  if (!s.empty() && s[0] == '[') {
    const std::size_t close = s.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view literal = s.substr(1, close - 1);
    if (!valid_ipv6(literal) && !valid_ipvfuture(literal)) return false;
    host = s.substr(0, close + 1);
    const std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      port = rest.substr(1);
    }
  } else if (const std::size_t colon = s.rfind(':'); colon != std::string_view::npos) {
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
    if (!valid_reg_name(host)) return false;
  } else if (!valid_reg_name(host)) {
    return false;
  }
  return !host.empty() && all_digits(port);
}

bool has_port(std::string_view authority) noexcept {
  const std::size_t colon = authority.rfind(':');
  return colon != std::string_view::npos && colon + 1 < authority.size() &&
         authority.find(']', colon) == std::string_view::npos;
}

// What each byte of a path and query may be (RFC 3986 §3.3, §3.4): pchar
// (unreserved, pct-encoded, sub-delims, ":", "@"), "/" and, from the query
// on, "?". Everything else, the bytes of RFC 3986 §2 excluded from URIs
// (`"` `<` `>` `\` `^` `` ` `` `{` `|` `}`, controls, space, non-ASCII)
// among them, makes the request line invalid (RFC 9112 §3: 400).
enum class Byte : std::uint8_t { plain, query, percent, fragment, invalid };
constexpr std::array<Byte, 256> path_table = [] {
  std::array<Byte, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const bool pchar = is_unreserved(ch) || is_sub_delim(ch) || ch == ',' || ch == ':' || ch == '@' || ch == '/';
    t[c] = pchar ? Byte::plain : Byte::invalid;
  }
  t['?'] = Byte::query;
  t['%'] = Byte::percent;
  t['#'] = Byte::fragment;
  return t;
}();

// Splits a path-and-query (origin-form, or what follows the authority of
// absolute-form) at its first "?", checking every byte on the way.
void split_path(std::string_view rest, TargetParts& parts) noexcept {
  std::size_t q = std::string_view::npos;
  const std::size_t n = rest.size();
  for (std::size_t i = 0;; ++i) {
    // Plain bytes, nearly all of every target, in a loop of their own.
    while (i < n && path_table[static_cast<unsigned char>(rest[i])] == Byte::plain) ++i;
    if (i == n) break;
    switch (path_table[static_cast<unsigned char>(rest[i])]) {
      case Byte::plain:
        break;
      case Byte::query:
        if (q == std::string_view::npos) q = i;
        break;
      case Byte::percent:
        if (i + 2 >= n || !is_hex(rest[i + 1]) || !is_hex(rest[i + 2])) {
          parts.fault = "request target with a malformed percent-encoding (RFC 3986 2.1)";
          return;
        }
        i += 2;
        break;
      case Byte::fragment:
        parts.fault = "request target with a fragment";
        return;
      case Byte::invalid:
        parts.fault = "request target with a character RFC 3986 does not allow in a URI";
        return;
    }
  }
  parts.path = rest.substr(0, q);
  if (q != std::string_view::npos) parts.query = rest.substr(q + 1);
}

}  // namespace

bool valid_host(std::string_view host) noexcept { return host.empty() || valid_authority(host); }

TargetParts split_target(std::string_view method, std::string_view target) noexcept {
  TargetParts parts;
  const bool connect = method.size() == 7 && method[0] == 'C' && method == "CONNECT";
  if (!connect && target[0] == '/') {
    // Origin-form, nearly every request: one pass over a table.
    split_path(target, parts);
    return parts;
  }
  if (target.find('#') != std::string_view::npos) {
    parts.fault = "request target with a fragment";
  } else if (connect) {
    // RFC 9112 §3.2.3 (and RFC 9110 §9.3.6): host and port, nothing else.
    parts.form = TargetParts::Form::authority;
    parts.authority = target;
    if (!valid_authority(target) || !has_port(target)) parts.fault = "CONNECT target is not host:port";
  } else if (target == "*") {
    // RFC 9112 §3.2.4: the asterisk-form is for OPTIONS alone.
    parts.form = TargetParts::Form::asterisk;
    parts.path = target;
    if (method != "OPTIONS") parts.fault = "asterisk-form target with a method other than OPTIONS";
  } else {
    // RFC 9112 §3.2.2: scheme ":" "//" authority path-abempty [ "?" query ].
    parts.form = TargetParts::Form::absolute;
    std::size_t i = 0;
    while (i < target.size() && (is_alpha(target[i]) || (i > 0 && (is_digit(target[i]) || target[i] == '+' ||
                                                                     target[i] == '-' || target[i] == '.'))))
      ++i;
    if (i == 0 || target.substr(i, 3) != "://") {
      parts.fault = "request target is neither a path nor an absolute URI with an authority";
      return parts;
    }
    const std::string_view rest = target.substr(i + 3);
    const std::size_t end = rest.find_first_of("/?");
    parts.authority = rest.substr(0, end);
    // RFC 9110 §4.2.4: userinfo in an http(s) URI is an error; §4.2.1: so
    // is an empty host.
    if (parts.authority.find('@') != std::string_view::npos) {
      parts.fault = "request target with userinfo";
    } else if (!valid_authority(parts.authority)) {
      parts.fault = "request target's authority is not host[:port]";
    } else {
      split_path(end == std::string_view::npos ? std::string_view{} : rest.substr(end), parts);
      // RFC 9112 §3.2.1: an empty path is sent as "/".
      if (!parts.fault && parts.path.empty()) parts.path = "/";
    }
  }
  return parts;
}

}  // namespace wirestate::detail
