#include "core/outgoing_body.hpp"

#include "wire/chunk_framing.hpp"

namespace wirestate::detail {

std::error_code OutgoingBody::write(BlockArena& arena, SegmentQueue& q, std::string_view data,
                                    const Release* release, std::vector<Segment>& deferred,
                                    Headers extensions, std::size_t max_extension_bytes) noexcept {
  if (no_body && !data.empty()) return Error::body_not_allowed;
  if (!extensions.empty()) {
    if (framing != Framing::chunked) return Error::not_chunked;
    if (Error e = check_chunk_extensions(extensions, max_extension_bytes); e != Error{}) return e;
  }
  if (framing == Framing::length && sent + data.size() > declared) return Error::body_overrun;
  sent += data.size();
  if (data.empty() || discard) {
    if (release) deferred.push_back({data.data(), data.size(), nullptr, *release});
    return {};
  }
  // An empty chunk would end the body; empty writes returned above.
  if (framing == Framing::chunked) serialize_chunk_header(arena, q, data.size(), extensions);
  if (release) q.push({data.data(), data.size(), nullptr, *release});
  else append_copy(arena, q, data);
  if (framing == Framing::chunked) append_copy(arena, q, "\r\n");
  return {};
}

OutgoingBody::Ending OutgoingBody::end(BlockArena& arena, SegmentQueue& q, Headers trailers) noexcept {
  switch (framing) {
    case Framing::chunked:
      if (!discard) serialize_last_chunk(arena, q, trailers);
      return {};
    case Framing::length:
      // The declared length cannot be met: closing is the only way to tell
      // the peer the message is incomplete (RFC 9112 §8).
      if (sent < declared && !discard) return {Error::body_underrun, true};
      return {};
    case Framing::close:
    case Framing::tunnel:
      return {{}, true};
    case Framing::none:
      return {};
  }
  return {};
}

}  // namespace wirestate::detail
