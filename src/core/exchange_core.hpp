#pragma once
// What an exchange's state holds in either role: the application's handle
// to it, the message it receives (head storage, trailers, the chunk
// extensions of the piece being read, and the body as the application pulls
// it), and the framing of the body it sends. Each role's state derives from
// this and adds what only it has: the server's request and response phases,
// the client's request options and response.
//
// A state is lent from the thread's StatePool for one exchange; `slot`
// names it to handles (see state_pool.hpp), and `next` links it into the
// connection's ExchangeList or the pool's free list.
#include <cstdint>
#include <memory>
#include <system_error>
#include <type_traits>

#include "core/body_reader.hpp"
#include "core/outgoing_body.hpp"
#include "memory/state_pool.hpp"
#include "wire/field_builder.hpp"
#include "wire/received_head.hpp"
#include "wirestate/config.hpp"

namespace wirestate::detail {

template <class Self, class Handle, class Core>
struct ExchangeCore {
  Handle handle;             // what callbacks pass: this exchange's generation
  Slot<Self>* slot = nullptr;
  void* user_data = nullptr;  // the handle's user_data()
  Core* conn = nullptr;
  Self* next = nullptr;

  ReceivedHead head;
  FieldBuilder trailers, extensions;
  BodyReader reader;         // the received body, as the application asks for it
  std::uint64_t max_body = 0;
  std::uint64_t body_received = 0;

  OutgoingBody body;           // the framing of the body this side sends
  bool wait_writable = false;  // a write returned `wait`
  std::error_code failure;     // why it ended early, reported at the end

  // After a 101, or a 2xx to CONNECT: raw bytes both ways.
  bool is_tunnel() const noexcept { return body.framing == Framing::tunnel; }

  // Fresh head storage within the limits: for each exchange, and on the
  // client after each 1xx, whose final head follows.
  void reset_head(const Config& config) noexcept {
    head.reset({config.max_request_line_bytes, config.max_header_bytes, config.max_header_count});
  }

  // The start of an exchange, for what both roles hold; the role's reset()
  // calls this, then sets its own fields and the handle's generation.
  void reset_common(const Config& config) noexcept {
    reset_head(config);
    trailers.reset({0, config.max_trailer_bytes, config.max_header_count});
    reader = {};
    max_body = config.max_body_bytes;
    body_received = 0;
    // Rebuilt in place: a temporary's copy would reload narrow stores wide.
    static_assert(std::is_trivially_destructible_v<OutgoingBody>, "rebuilt without being destroyed");
    std::construct_at(&body);
    wait_writable = false;
    failure.clear();
    user_data = nullptr;
  }
};

}  // namespace wirestate::detail
