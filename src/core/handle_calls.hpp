#pragma once
// ExchangeHandle's calls, written once over the role's exchange state. Each
// role's file includes this and instantiates it for its role, as with
// transport_calls.hpp. What differs between the roles are these hooks of
// the role's core and of its exchange state:
//
//   core:   void request_body(State&);            // read_body() on a live exchange
//   state:  std::error_code check_body_write() const;  // may it write now?
//           SegmentQueue& send_queue();          // where its body's bytes go
//           void body_ended(bool close);         // end() queued the body's end
#include "core/outgoing_body.hpp"
#include "wire/chunk_framing.hpp"
#include "wirestate/error.hpp"
#include "wirestate/exchange_handle.hpp"

namespace wirestate {

namespace detail {

template <class State>
WriteResult write_body(State* ex, std::string_view data, const Release* release, Headers extensions) noexcept {
  if (!ex) return {Error::exchange_ended, false};
  if (auto ec = ex->check_body_write()) return {ec, false};
  return ex->conn->queue_body(*ex, ex->send_queue(), data, release, extensions);
}

// The head a live exchange received (its Request or Response), or an empty
// one once it has ended.
template <class Message, class State>
const Message& received(const State* ex, Message State::*head) noexcept {
  static constexpr Message none{};
  return ex ? ex->*head : none;
}

}  // namespace detail

template <class Role>
std::error_code ExchangeHandle<Role>::read_body() noexcept {
  State* ex = live();
  if (!ex) return Error::exchange_ended;
  if (ex->failure) return ex->failure;
  ex->conn->request_body(*ex);
  return {};
}

template <class Role>
std::error_code ExchangeHandle<Role>::set_max_body_bytes(std::uint64_t limit) noexcept {
  State* ex = live();
  if (!ex) return Error::exchange_ended;
  ex->max_body = limit;
  return {};
}

template <class Role>
Headers ExchangeHandle<Role>::chunk_extensions() const noexcept {
  const State* ex = live();
  return ex ? ex->conn->chunk_extensions(*ex) : Headers{};
}

template <class Role>
bool ExchangeHandle<Role>::is_tunnel() const noexcept {
  const State* ex = live();
  return ex && ex->is_tunnel();
}

template <class Role>
WriteResult ExchangeHandle<Role>::write(std::string_view data) noexcept {
  return detail::write_body(live(), data, nullptr, {});
}

template <class Role>
WriteResult ExchangeHandle<Role>::write_borrowed(std::string_view data, Release release) noexcept {
  return detail::write_body(live(), data, &release, {});
}

template <class Role>
WriteResult ExchangeHandle<Role>::write_chunk(std::string_view data, Headers extensions) noexcept {
  return detail::write_body(live(), data, nullptr, extensions);
}

template <class Role>
std::error_code ExchangeHandle<Role>::end(Headers trailers) noexcept {
  State* ex = live();
  if (!ex) return Error::exchange_ended;
  if (auto ec = ex->check_body_write()) return ec;
  if (Error e = detail::check_trailers(trailers, ex->conn->config.max_trailer_bytes); e != Error{}) return e;
  const detail::OutgoingBody::Ending ending = ex->conn->end_body(*ex, ex->send_queue(), trailers);
  ex->body_ended(ending.close);
  return ending.error;
}

template <class Role>
void* ExchangeHandle<Role>::user_data() const noexcept {
  const State* ex = live();
  return ex ? ex->user_data : nullptr;
}

template <class Role>
std::error_code ExchangeHandle<Role>::set_user_data(void* data) noexcept {
  State* ex = live();
  if (!ex) return Error::exchange_ended;
  ex->user_data = data;
  return {};
}

}  // namespace wirestate
