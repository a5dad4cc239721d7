#pragma once
// The IO calls an adapter makes, written once for both roles: ServerConnection
// and ClientConnection are BasicConnections over their role's core. It never
// calls the OS and never reads a clock; the adapter drives it:
//
//   switch (conn.next_read()) {
//     case ReadOp::read:  n = recv(fd, conn.read_buffer()); conn.commit_read(n, now)
//                         (conn.read_eof(now) on 0; commit_read(0, now) on EAGAIN);
//     case ReadOp::yield: stop polling for input until the waker fires;
//     case ReadOp::close: shutdown(fd, SHUT_RD);
//   }
//   WriteOp op = conn.next_write();   // write: writev(op.iovecs); conn.wrote(n, now)
//                                     // (several in flight: conn.wrote(op.token, n, now))
//   if (auto t = conn.deadline()) arm a timer for *t → conn.on_deadline(now);
//
// Read and write are independent loops; either may be driven at any time.
// The concept wirestate::Connection (connection.hpp) names these calls for
// an adapter's templates.
#include "wirestate/api.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <span>

#include "wirestate/handler.hpp"
#include "wirestate/io.hpp"
#include "wirestate/roles.hpp"
#include "wirestate/time.hpp"

namespace wirestate {

template <class Role>
class WIRESTATE_API BasicConnection {
  using Core = typename detail::RoleTypes<Role>::Core;

 public:
  BasicConnection(const BasicConnection&) = delete;
  BasicConnection& operator=(const BasicConnection&) = delete;

  // What the read side wants. Call again after every call below.
  ReadOp next_read() noexcept;
  // Free space to read into, lent until commit_read/read_eof takes it back
  // (the connection never gives it to its pool while lent, so a read may be
  // in flight into it). Non-empty whenever next_read() returned ReadOp::read.
  std::span<char> read_buffer() noexcept;
  // `n` bytes were placed at the start of read_buffer(). 0 hands the buffer
  // back unused (the socket had nothing): do so, or an idle connection keeps
  // its read buffer.
  void commit_read(std::size_t n, Time now) noexcept;
  // The peer will send nothing more.
  void read_eof(Time now) noexcept;

  // What the write side wants. Up to Config::max_writes_in_flight writes may
  // be out at once; each one's iovecs stay valid until it is reported.
  WriteOp next_write() noexcept;
  // `n` bytes of the write `token` were written. Writes are reported in the
  // order they were handed out. A short report (n below the write's size)
  // must be followed by reports of 0 for every later write in flight (as a
  // linked chain is cancelled); the rest is handed out again. A report out
  // of order fails the connection with Error::write_misreported.
  void wrote(WriteToken token, std::size_t n, Time now) noexcept;
  // The same for the oldest write in flight (one write at a time).
  void wrote(std::size_t n, Time now) noexcept;
  // The socket failed and no write in flight will be reported; every pending
  // exchange ends with Error::write_failed.
  void write_failed(Time now) noexcept;

  // When on_deadline must be called next, if ever.
  std::optional<Time> deadline() const noexcept;
  void on_deadline(Time now) noexcept;

  // Called when the app acts outside an adapter call. May be null.
  void set_waker(Waker* waker) noexcept;

  // Both sides are done and no write is in flight: the adapter may close the
  // socket and destroy this.
  bool is_closed() const noexcept;
  // The connection failed (a send timeout, a peer gone) while writes were
  // in flight, and wants none of them to complete. A completion loop cancels
  // them, so that a peer that stopped reading cannot hold them forever; each
  // is still reported (0 if it did not complete) before is_closed().
  bool writes_abandoned() const noexcept;

 protected:
  WIRESTATE_INTERNAL explicit BasicConnection(std::unique_ptr<Core> core) noexcept;
  ~BasicConnection();

  std::unique_ptr<Core> core_;
};

extern template class WIRESTATE_API BasicConnection<ServerRole>;
extern template class WIRESTATE_API BasicConnection<ClientRole>;

}  // namespace wirestate
