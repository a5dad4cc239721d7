#pragma once
// What connections count as they go, for an embedder's metrics: plain
// integers, bumped on the thread that drives the connections, with no
// atomics and no locks. Point Config::counters at one and every connection
// sharing that Config adds to it; read it on the same thread (a loop's
// snapshot call copies it out).
#include "wirestate/cxx20.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

#include "wirestate/error.hpp"

namespace wirestate {

// One past the highest Error value: the size of a table indexed by Error.
inline constexpr std::size_t error_table_size = static_cast<std::size_t>(Error::upgrade_before_body_end) + 1;

struct Counters {
  // Request heads handed to Handler::on_request.
  std::uint64_t requests = 0;
  // Response heads queued, by class: [1] 1xx (interim ones too) to [5] 5xx;
  // [0] counts a status outside 100-599. Automatic error responses count
  // here as well as in `automatic`.
  std::array<std::uint64_t, 6> responses{};
  // Automatic error responses (400, 408, 413, 414, 431, 501, 505, ...), by
  // the Error behind each: automatic[static_cast<size_t>(Error::header_timeout)].
  std::array<std::uint64_t, error_table_size> automatic{};
  // Bytes the adapter committed as read and reported as written (both roles).
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;

  std::uint64_t automatic_for(Error e) const noexcept { return automatic[static_cast<std::size_t>(e)]; }
  static constexpr std::size_t status_class(int status) noexcept {
    return status >= 100 && status <= 599 ? static_cast<std::size_t>(status / 100) : 0;
  }
};

}  // namespace wirestate
