#pragma once
// A parsed response head, as the client role sees it. Every view points into
// storage owned by the client exchange, valid until
// ResponseHandler::on_exchange_end for that exchange.
#include "wirestate/cxx20.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

#include "wirestate/headers.hpp"

namespace wirestate {

struct Response {
  int status = 0;
  std::string_view reason;
  int version_major = 1;
  int version_minor = 1;  // a higher 1.x minor reads 1: it is processed as 1.1
  Headers headers;   // as received, in order
  Headers trailers;  // of a chunked body; filled before on_body_end

  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = true;  // the connection may carry another request after this

  std::optional<std::string_view> header(std::string_view name) const noexcept {
    return find_header(headers, name);
  }
};

}  // namespace wirestate
