#pragma once
// One read and one write between a non-blocking socket and a connection of
// either role (wirestate::Connection): the two steps every epoll drive takes,
// written once for the server loop and the client. Each reports what
// happened; what to do about it (reschedule, linger, give up) is the loop's.
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstddef>

#include "wirestate/connection.hpp"

namespace wirestate::adapters {

// The socket's readiness as the edge-triggered events told it.
struct SocketReadiness {
  int fd = -1;
  bool readable = true, writable = true;
  bool hangup = false;  // the peer's FIN (or an error) was signalled: read to the end
};

struct StepResult {
  bool progress = false;  // the connection moved: another step may do more
  int error = 0;          // errno of a failed socket call (the connection was told)
};

// A read, if the connection wants one and the socket may have bytes.
template <Connection C>
StepResult read_step(C& conn, SocketReadiness& s, Time now) {
  if (!s.readable || conn.next_read() != ReadOp::read) return {};
  const std::span<char> buf = conn.read_buffer();
  const ssize_t n = recv(s.fd, buf.data(), buf.size(), 0);
  if (n > 0) {
    // A short read drained the socket, and data arriving later raises a new
    // edge: waiting for EAGAIN would cost a recv per request. Not so for a
    // FIN that came with the data: read on to see it.
    if (static_cast<std::size_t>(n) < buf.size() && !s.hangup) s.readable = false;
    conn.commit_read(static_cast<std::size_t>(n), now);
    return {true, 0};
  }
  if (n == 0) {
    s.readable = false;
    conn.read_eof(now);
    return {true, 0};
  }
  const int error = errno;
  conn.commit_read(0, now);  // the buffer goes back unused
  if (error == EINTR) return {true, 0};
  s.readable = false;
  if (error == EAGAIN) return {};
  conn.write_failed(now);  // reset by the peer: nothing more gets through
  return {true, error};
}

// The write the connection hands out, if any; `close` is set when the
// connection is done writing and the loop should close (or linger).
template <Connection C>
StepResult write_step(C& conn, SocketReadiness& s, Time now, bool& close) {
  const WriteOp op = conn.next_write();
  close = op.kind == WriteOp::close;
  if (op.kind != WriteOp::write) return {};
  // One write at a time: every write handed out is reported before the
  // next, with 0 when it could not go out now.
  ssize_t n = 0;
  if (s.writable) {
    msghdr msg{};
    msg.msg_iov = reinterpret_cast<iovec*>(const_cast<IoVec*>(op.iovecs.data()));
    msg.msg_iovlen = op.iovecs.size();
    n = sendmsg(s.fd, &msg, MSG_NOSIGNAL);
  }
  if (n > 0) {
    std::size_t offered = 0;
    for (const IoVec& v : op.iovecs) offered += v.len;
    if (static_cast<std::size_t>(n) < offered) s.writable = false;  // the send buffer is full
    conn.wrote(op.token, static_cast<std::size_t>(n), now);
    return {true, 0};
  }
  const int error = n < 0 ? errno : 0;
  if (n == 0 || error == EAGAIN || error == EINTR) {
    if (error == EAGAIN) s.writable = false;  // EPOLLOUT (edge) will say when there is room
    conn.wrote(op.token, 0, now);
    return {error == EINTR, 0};
  }
  conn.write_failed(now);
  return {true, error};
}

}  // namespace wirestate::adapters
