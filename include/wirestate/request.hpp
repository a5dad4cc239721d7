#pragma once
// A parsed request head. Every view points into storage owned by the exchange
// and stays valid until Handler::on_exchange_end for that exchange.
#include "wirestate/cxx20.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

#include "wirestate/headers.hpp"

namespace wirestate {

struct Request {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // as received: origin-, absolute-, authority- or asterisk-form
  // The target's parts (RFC 9112 §3.2). `path` is what to route on: the
  // path of an origin- or absolute-form target ("/" for an absolute-form one
  // with none), "*" for asterisk-form, empty for CONNECT's authority-form.
  std::string_view path;
  std::string_view query;      // after "?", without it; empty if none
  // Whom the request is for: the authority of an absolute- or
  // authority-form target, which replaces Host (RFC 9112 §3.2.2), else the
  // Host field's value (empty for an HTTP/1.0 request without one).
  std::string_view authority;
  int version_major = 1;
  int version_minor = 1;    // a higher 1.x minor reads 1: it is processed as 1.1
  Headers headers;          // as received, in order
  // Trailer fields of a chunked body; filled before Handler::on_body_end.
  Headers trailers;

  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = true;        // RFC 9112 §9.3, from version and Connection
  bool expects_continue = false; // Expect: 100-continue on HTTP/1.1
  bool upgrade = false;          // Upgrade requested, or CONNECT

  std::optional<std::string_view> header(std::string_view name) const noexcept {
    return find_header(headers, name);
  }
  bool is_head() const noexcept { return method == "HEAD"; }
  bool is_connect() const noexcept { return method == "CONNECT"; }
  // Whether a body follows the head (RFC 9112 §6.3).
  bool has_body() const noexcept { return chunked || content_length.value_or(0) > 0; }
};

}  // namespace wirestate
