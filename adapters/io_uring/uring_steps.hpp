#pragma once
// One socket and one connection of either role (wirestate::Connection) on an
// io_uring: the submissions and completions every io_uring drive makes,
// written once for the server loop and the client.
//
// Reads are readiness, then recv: a multishot poll stays armed on the socket
// and holds no buffer, and a recv into the connection's read_buffer() is
// submitted only once the socket has bytes. An idle keep-alive connection
// thus holds no read buffer (a recv in flight would pin one), and the bytes
// land where the connection parses them, with one copy as on epoll.
//
// Writes: every write the connection hands out in one turn goes as one chain
// of linked writev submissions; a short one cancels the rest of its chain,
// which the connection expects (each is reported, the cancelled ones with 0).
// A new chain starts only when the last one has completed, so the socket
// never has two unordered writes.
#include <liburing.h>
#include <sys/poll.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "wirestate/connection.hpp"

namespace wirestate::adapters {

// What a completion is for: kept in the low bits of its user_data, beside
// the pointer to the UringSocket (or the loop) it belongs to.
enum class UringOp : std::uint64_t { poll = 0, recv = 1, write = 2, cancel = 3, accept = 4, wake = 5 };

inline std::uint64_t uring_tag(const void* owner, UringOp op) {
  return reinterpret_cast<std::uint64_t>(owner) | static_cast<std::uint64_t>(op);
}
inline UringOp uring_op(std::uint64_t tag) { return static_cast<UringOp>(tag & 7); }
template <class T>
T* uring_owner(std::uint64_t tag) {
  return reinterpret_cast<T*>(tag & ~std::uint64_t{7});
}

// One socket's state on the ring.
struct alignas(8) UringSocket {
  int fd = -1;
  bool readable = false;      // the poll said so; a short recv clears it
  bool hangup = false;        // the poll saw the peer's FIN (or an error): read to the end
  bool poll_armed = false;
  bool recv_in_flight = false;
  bool cancelled = false;     // everything on the fd was cancelled: submit nothing more
  std::uint8_t writes_in_flight = 0;
  // The owner's, kept here where the bytes would be padding: whether it is
  // a client connection (which type a completion's tag leads back to), and
  // whether its recv holds one of the server loop's recv slots.
  bool owner_is_client = false;
  bool recv_counted = false;
  std::uint32_t asked = 0;    // the size of the recv in flight
  bool in_flight() const { return poll_armed || recv_in_flight || writes_in_flight > 0; }
};

// Gets a submission entry, submitting what is queued when the ring is full.
inline io_uring_sqe* uring_sqe(io_uring& ring) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (!sqe) {
    io_uring_submit(&ring);
    sqe = io_uring_get_sqe(&ring);
  }
  return sqe;
}

inline void uring_arm_poll(io_uring& ring, UringSocket& s) {
  if (s.poll_armed || s.cancelled) return;
  io_uring_sqe* sqe = uring_sqe(ring);
  io_uring_prep_poll_multishot(sqe, s.fd, POLLIN | POLLRDHUP);
  io_uring_sqe_set_data64(sqe, uring_tag(&s, UringOp::poll));
  s.poll_armed = true;
}

// A poll completion: the socket has bytes, a FIN or an error for recv to see.
inline void uring_polled(UringSocket& s, const io_uring_cqe& cqe) {
  if (!(cqe.flags & IORING_CQE_F_MORE)) s.poll_armed = false;  // ended: re-armed by the next step
  if (cqe.res > 0) s.readable = true;
  if (cqe.res > 0 && (cqe.res & (POLLRDHUP | POLLHUP | POLLERR))) s.hangup = true;
}

// Submits a recv into `buffer` if the socket is readable and none is in
// flight. Returns whether it did.
inline bool uring_recv(io_uring& ring, UringSocket& s, std::span<char> buffer) {
  if (!s.readable || s.recv_in_flight || s.cancelled || buffer.empty()) return false;
  io_uring_sqe* sqe = uring_sqe(ring);
  // MSG_DONTWAIT: a readiness that was stale fails at once instead of
  // leaving the buffer pinned under a recv that waits.
  io_uring_prep_recv(sqe, s.fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
  s.asked = static_cast<std::uint32_t>(buffer.size());
  io_uring_sqe_set_data64(sqe, uring_tag(&s, UringOp::recv));
  s.recv_in_flight = true;
  return true;
}

// The connection's read step: a recv if it wants one.
template <Connection C>
bool uring_read(io_uring& ring, C& conn, UringSocket& s) {
  if (s.recv_in_flight || !s.readable || s.cancelled) return false;
  if (conn.next_read() != ReadOp::read) return false;
  return uring_recv(ring, s, conn.read_buffer());
}

// A recv completion, told to the connection. Returns the errno of a failed
// socket (the connection was told), else 0.
template <Connection C>
int uring_received(C& conn, UringSocket& s, int res, std::size_t asked, Time now) {
  s.recv_in_flight = false;
  if (res > 0) {
    // A short read drained the socket; the poll says when more comes. Not
    // so for a FIN that came with the data: the poll will not fire again
    // for it, so read on to see it.
    if (static_cast<std::size_t>(res) < asked && !s.hangup) s.readable = false;
    conn.commit_read(static_cast<std::size_t>(res), now);
    return 0;
  }
  if (res == 0) {
    s.readable = false;
    conn.read_eof(now);
    return 0;
  }
  conn.commit_read(0, now);  // the buffer goes back unused
  if (res == -EAGAIN || res == -EINTR || res == -ECANCELED) {
    s.readable = false;
    return 0;
  }
  s.readable = false;
  conn.write_failed(now);  // reset by the peer: nothing more gets through
  return -res;
}

// The connection's write step: when no chain is in flight, every write it
// hands out now, linked. `close` is set when it is done writing.
template <Connection C>
void uring_write(io_uring& ring, C& conn, UringSocket& s, bool& close) {
  close = false;
  if (s.writes_in_flight > 0 || s.cancelled) return;
  io_uring_sqe* previous = nullptr;
  for (;;) {
    const WriteOp op = conn.next_write();
    close = op.kind == WriteOp::close;
    if (op.kind != WriteOp::write) break;
    if (previous) previous->flags |= IOSQE_IO_LINK;
    io_uring_sqe* sqe = uring_sqe(ring);
    // IoVec has iovec's layout (checked where the adapter is compiled).
    io_uring_prep_writev(sqe, s.fd, reinterpret_cast<const iovec*>(op.iovecs.data()),
                         static_cast<unsigned>(op.iovecs.size()), 0);
    io_uring_sqe_set_data64(sqe, uring_tag(&s, UringOp::write));
    ++s.writes_in_flight;
    previous = sqe;
  }
}

// A write completion, reported as the oldest write in flight (the chain
// completes in order). Returns the errno of a failed socket, else 0.
template <Connection C>
int uring_written(C& conn, UringSocket& s, int res, Time now) {
  --s.writes_in_flight;
  if (res >= 0) {
    conn.wrote(static_cast<std::size_t>(res), now);
    return 0;
  }
  if (res == -ECANCELED || res == -EAGAIN || res == -EINTR) {
    conn.wrote(0, now);  // cut from its chain, or the ring gave up: handed out again
    return 0;
  }
  conn.write_failed(now);
  return -res;
}

// Cancels everything in flight on the socket (a connection that gave up on
// its writes, or one being closed); each operation still completes, and
// nothing more is submitted for it. The cancel's own completion names no
// socket, so the socket may go as soon as its operations have completed.
inline void uring_cancel_all(io_uring& ring, UringSocket& s) {
  if (s.cancelled) return;
  s.cancelled = true;
  if (!s.in_flight()) return;
  io_uring_sqe* sqe = uring_sqe(ring);
  io_uring_prep_cancel_fd(sqe, s.fd, IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, uring_tag(nullptr, UringOp::cancel));
}

}  // namespace wirestate::adapters
