#pragma once
// What Exchange (the server's) and ClientExchange have in common: each is a
// handle, a small value naming the connection's state for one exchange and
// the generation it saw. The connection moves a state's slot to its next
// generation when the exchange ends, so every copy of a handle to it knows
// it is stale, however the thread's pool reuses or frees the state
// underneath. The calls both roles share are written once, here.
#include "wirestate/api.hpp"

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <system_error>

#include "wirestate/headers.hpp"
#include "wirestate/roles.hpp"

namespace wirestate {

// Called once the connection no longer needs borrowed bytes: after they were
// written, or when the exchange ended without writing them. Runs from inside
// an adapter call, like every handler callback.
struct Release {
  void (*fn)(void* context) = nullptr;
  void* context = nullptr;
};

struct [[nodiscard]] WriteResult {
  std::error_code error;  // set: nothing was queued (a borrowed write's bytes
                          // stay the caller's; its release does not run)
  bool wait = false;      // queued, and the queue is past the high watermark:
                          // write no more until Handler::on_writable
  explicit operator bool() const noexcept { return !error; }
};

namespace detail {
// The thread's pool owns slots (src/memory/state_pool.hpp); a slot outlives
// the states it serves, so a stale handle reads only its slot.
template <class State>
struct Slot {
  State* state = nullptr;
  std::uint64_t generation = 0;  // the exchange's; only ever grows
  Slot* next_free = nullptr;
};
}  // namespace detail

template <class Role>
class WIRESTATE_API ExchangeHandle {
 public:
  // The exchange has ended (on_exchange_end returned), or this handle never
  // named one: every call returns Error::exchange_ended, or an empty value,
  // and touches nothing.
  [[nodiscard]] bool ended() const noexcept { return live() == nullptr; }
  // Two handles to the same exchange (or both to none) compare equal.
  friend bool operator==(const ExchangeHandle&, const ExchangeHandle&) noexcept = default;
  // Keep a copy: the reference a callback gets names the exchange of that
  // callback, and its address would outlive it.
  ExchangeHandle* operator&() = delete;
  const ExchangeHandle* operator&() const = delete;

  // The body this exchange receives (the request's on the server, the
  // response's on the client), pulled: each call asks for the next piece,
  // and exactly one on_body or on_body_end follows. While the application
  // does not ask, the connection stops reading once its buffer is full.
  [[nodiscard]] std::error_code read_body() noexcept;
  // Raise or lower Config::max_body_bytes for that body, before it is read.
  [[nodiscard]] std::error_code set_max_body_bytes(std::uint64_t limit) noexcept;
  // In on_body: the extensions of the chunk that piece came from (RFC 9112
  // §7.1.1), quotes removed, in the order sent; empty for other bodies.
  // Valid until on_body returns.
  [[nodiscard]] Headers chunk_extensions() const noexcept;
  // Whether the exchange has become a tunnel (after 101, or 2xx to CONNECT):
  // its body reads and writes carry raw bytes both ways.
  [[nodiscard]] bool is_tunnel() const noexcept;
  // The body this exchange streams (a response started with
  // respond_streaming, a request sent with RequestOptions::streaming):
  // bytes copied...
  WriteResult write(std::string_view data) noexcept;
  // ...or by reference, gathered into writev without a copy; `release` runs
  // when the connection is done with them.
  WriteResult write_borrowed(std::string_view data, Release release) noexcept;
  // Copied, as one chunk whose size line carries `extensions` (names are
  // tokens; values are sent as tokens or quoted;
  // Config::max_chunk_extension_bytes); Error::not_chunked when the body is
  // not chunked.
  WriteResult write_chunk(std::string_view data, Headers extensions) noexcept;
  WriteResult write_chunk(std::string_view data, std::initializer_list<Header> extensions) noexcept {
    return write_chunk(data, Headers(extensions.begin(), extensions.size()));
  }
  // Ends it; trailers go out with a chunked body only, and may not carry
  // fields that framing, routing, authentication or content handling depend
  // on (RFC 9110 §6.5.1; Error::invalid_trailer), within
  // Config::max_trailer_bytes.
  [[nodiscard]] std::error_code end(Headers trailers = {}) noexcept;
  [[nodiscard]] std::error_code end(std::initializer_list<Header> trailers) noexcept {
    return end(Headers(trailers.begin(), trailers.size()));
  }

  // Free for the application: per-exchange state it wants to find again,
  // shared by every copy of the handle, null at the start of each exchange.
  [[nodiscard]] void* user_data() const noexcept;
  [[nodiscard]] std::error_code set_user_data(void* data) noexcept;

 protected:
  using State = typename detail::RoleTypes<Role>::State;

  ExchangeHandle() noexcept = default;
  WIRESTATE_INTERNAL explicit ExchangeHandle(detail::Slot<State>& slot) noexcept
      : slot_(&slot), generation_(slot.generation) {}
  WIRESTATE_INTERNAL State* live() const noexcept { return slot_ && slot_->generation == generation_ ? slot_->state : nullptr; }

 private:
  detail::Slot<State>* slot_ = nullptr;
  std::uint64_t generation_ = 0;
};

extern template class WIRESTATE_API ExchangeHandle<ServerRole>;
extern template class WIRESTATE_API ExchangeHandle<ClientRole>;

}  // namespace wirestate
