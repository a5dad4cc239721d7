#pragma once
// What an adapter drives: the IO calls both ServerConnection and
// ClientConnection answer, named once, so that an event loop writes one
// drive and uses it for either role.
#include "wirestate/cxx20.hpp"

#include <concepts>
#include <cstddef>
#include <optional>
#include <span>

#include "wirestate/handler.hpp"
#include "wirestate/io.hpp"
#include "wirestate/time.hpp"

namespace wirestate {

template <class C>
concept Connection = requires(C& c, const C& cc, std::size_t n, Time now, WriteToken token, Waker* waker) {
  { c.next_read() } -> std::same_as<ReadOp>;
  { c.read_buffer() } -> std::same_as<std::span<char>>;
  c.commit_read(n, now);
  c.read_eof(now);
  { c.next_write() } -> std::same_as<WriteOp>;
  c.wrote(token, n, now);
  c.write_failed(now);
  { cc.deadline() } -> std::same_as<std::optional<Time>>;
  c.on_deadline(now);
  c.set_waker(waker);
  { cc.is_closed() } -> std::same_as<bool>;
};

}  // namespace wirestate
