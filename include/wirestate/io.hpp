#pragma once
// IO described as values: the connection says what it wants, the adapter does
// the syscall and reports back.
#include "wirestate/cxx20.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace wirestate {

// Same members and order as POSIX iovec, so an adapter can hand an array of
// these to writev after checking the layout (see adapters/common).
struct IoVec {
  const void* base;
  std::size_t len;
};

enum class ReadOp {
  read,   // fill read_buffer() and call commit_read(), or read_eof()
  yield,  // stop polling for input until the connection wakes the adapter
  close,  // no more input is wanted: shut down the read side
};

// Ties a write's report to the write: the writes in flight have distinct
// tokens, growing in the order they were handed out. Its own type, so that
// wrote(token, n, now) with the two swapped does not compile.
enum class WriteToken : std::uint64_t {};

struct WriteOp {
  enum Kind {
    write,  // write `iovecs` (gather), then report with wrote()
    yield,  // nothing to write now; the adapter is woken or told by a report
    close,  // everything is written and no write is in flight: close
  };
  Kind kind = yield;
  // Valid until this write is reported (or write_failed()).
  std::span<const IoVec> iovecs;
  WriteToken token{};
};

}  // namespace wirestate
