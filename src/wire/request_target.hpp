#pragma once
// The parts of a request target and the Host field, by the grammar of RFC
// 3986 as RFC 9110 §4 and RFC 9112 §3.2 use it. llhttp checks that a target
// holds only URI characters; which of the four forms it takes, and whether
// an authority is a host and a port, is decided here.
#include <string_view>

namespace wirestate::detail {

// uri-host [ ":" port ] (RFC 9110 §7.2): a reg-name, an IPv4 address or an
// IP-literal in brackets, then an optional port of digits. No userinfo, no
// whitespace, no list. Empty is valid: a Host for a target with no authority.
bool valid_host(std::string_view host) noexcept;

struct TargetParts {
  enum class Form { origin, absolute, authority, asterisk };
  Form form = Form::origin;
  std::string_view path;       // "/a/b" (absolute-form with an empty path: "/"), "*", or empty
  std::string_view query;      // after "?", without it
  std::string_view authority;  // absolute- and authority-form only
  const char* fault = nullptr; // why the target is refused, or null
};

// The form `target` takes for `method` (RFC 9112 §3.2): origin-form for
// every method; absolute-form (`scheme "://" authority path`) too, its
// authority a valid host; authority-form (`host ":" port`) for CONNECT
// alone, which takes no other; asterisk-form for OPTIONS alone.
TargetParts split_target(std::string_view method, std::string_view target) noexcept;

}  // namespace wirestate::detail
