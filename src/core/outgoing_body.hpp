#pragma once
// The framing of a message body being sent, shared by both roles: a server's
// response and a client's request. It checks each write against the framing
// (declared length, bodies that may not exist) and queues the bytes with the
// chunked encoding when that is the framing.
#include <cstdint>
#include <string_view>
#include <system_error>
#include <vector>

#include "memory/output_queue.hpp"
#include "wirestate/error.hpp"
#include "wirestate/headers.hpp"

namespace wirestate::detail {

enum class Framing {
  none,     // no body may follow (1xx, 204, 304, or nothing started)
  length,   // Content-Length: `declared` bytes
  chunked,  // Transfer-Encoding: chunked
  close,    // delimited by closing the connection
  tunnel,   // raw bytes of another protocol
};

struct OutgoingBody {
  Framing framing = Framing::none;
  bool discard = false;  // counted but never sent (the response to HEAD)
  bool no_body = false;  // any byte is an error (1xx, 204, 304)
  std::uint64_t declared = 0;
  std::uint64_t sent = 0;

  // Queues `data`: copied, or by reference when `release` is given. Bytes
  // that are discarded still owe their release: it goes to `deferred`.
  // `extensions` go on the chunk's size line (chunked framing only), within
  // `max_extension_bytes`.
  std::error_code write(BlockArena& arena, SegmentQueue& q, std::string_view data,
                        const Release* release, std::vector<Segment>& deferred,
                        Headers extensions = {}, std::size_t max_extension_bytes = 0) noexcept;

  struct Ending {
    std::error_code error;  // body_underrun: the declared length was not met
    bool close = false;     // the connection must close to end this body
  };
  // Trailers (checked with check_trailers first) go out with a chunked body
  // only.
  Ending end(BlockArena& arena, SegmentQueue& q, Headers trailers) noexcept;
};

}  // namespace wirestate::detail
