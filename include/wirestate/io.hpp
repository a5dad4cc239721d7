#pragma once
// IO described as values: the connection says what it wants, the adapter does
// the syscall and reports back.
#include <cstddef>
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

struct WriteOp {
  enum Kind {
    write,  // write `iovecs` (gather), then report with wrote()
    yield,  // nothing to write until the connection wakes the adapter
    close,  // everything is written: close the socket
  };
  Kind kind = yield;
  // Valid until the next wrote()/write_failed() call.
  std::span<const IoVec> iovecs;
};

}  // namespace wirestate
