#pragma once
// One uv_tcp_t and one connection of either role (wirestate::Connection) on
// libuv: reading and writing, written once for the server loop and the
// client.
//
// Reads: uv_read_start while the connection wants input, uv_read_stop when it
// yields (the waker restarts it). libuv asks for a buffer only once the
// socket is readable, and alloc_cb lends read_buffer(), so an idle
// connection holds none and bytes land where they are parsed.
//
// Writes: one at a time. uv_try_write first, straight from the iovecs; what
// the socket does not take goes by uv_write, whose request comes from a
// pool, so an idle connection holds no request either.
#include <uv.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "wirestate/connection.hpp"

namespace wirestate::adapters {

static_assert(sizeof(IoVec) == sizeof(uv_buf_t) && offsetof(IoVec, base) == offsetof(uv_buf_t, base) &&
              offsetof(IoVec, len) == offsetof(uv_buf_t, len));

// Write requests of one loop, reused.
class UvWriteRequests {
 public:
  uv_write_t* take() {
    if (free_.empty()) return new uv_write_t;
    uv_write_t* r = free_.back().release();
    free_.pop_back();
    return r;
  }
  void give(uv_write_t* r) { free_.emplace_back(r); }

 private:
  std::vector<std::unique_ptr<uv_write_t>> free_;
};

// The stream's state beside the connection. `tcp.data` points to the
// owner, which derives from UvSocket.
struct UvSocket {
  uv_tcp_t tcp;
  bool reading = false;      // uv_read_start is in effect
  bool lent = false;         // alloc_cb lent read_buffer(); read_cb hands it back
  bool eof = false;          // the peer's FIN came (libuv stopped reading)
  bool write_in_flight = false;
  std::size_t write_size = 0;
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp); }
};

// Starts or stops reading as the connection wants. `alloc` and `read` are
// the owner's callbacks (they find it through tcp.data).
template <Connection C>
void uv_read_step(C& conn, UvSocket& s, uv_alloc_cb alloc, uv_read_cb read) {
  const bool want = conn.next_read() == ReadOp::read;
  if (want && !s.reading) s.reading = uv_read_start(s.stream(), alloc, read) == 0;
  if (!want && s.reading) {
    uv_read_stop(s.stream());
    s.reading = false;
  }
}

// alloc_cb's part: lends the connection's buffer, or none when it does not
// want input now (read_cb then gets UV_ENOBUFS and nothing is lost).
template <Connection C>
void uv_lend(C& conn, UvSocket& s, uv_buf_t* buf) {
  if (conn.next_read() != ReadOp::read) {
    *buf = uv_buf_init(nullptr, 0);
    return;
  }
  const std::span<char> space = conn.read_buffer();
  s.lent = true;
  *buf = uv_buf_init(space.data(), static_cast<unsigned>(space.size()));
}

// read_cb's part. Returns the libuv error of a failed socket (the
// connection was told), else 0.
template <Connection C>
int uv_received(C& conn, UvSocket& s, ssize_t nread, Time now) {
  const bool lent = s.lent;
  s.lent = false;
  if (nread > 0) {
    conn.commit_read(static_cast<std::size_t>(nread), now);
    return 0;
  }
  if (nread == UV_EOF) {
    s.eof = true;
    s.reading = false;  // libuv stops reading at the end of the stream
    conn.read_eof(now);
    return 0;
  }
  if (lent) conn.commit_read(0, now);  // the buffer goes back unused
  if (nread == 0 || nread == UV_ENOBUFS || nread == UV_EAGAIN) return 0;
  conn.write_failed(now);  // reset by the peer: nothing more gets through
  return static_cast<int>(nread);
}

// The writes the connection hands out: as many as the socket takes now,
// then one uv_write for the rest. `close` is set when it is done writing.
// Returns the libuv error of a failed socket, else 0.
template <Connection C>
int uv_write_step(C& conn, UvSocket& s, UvWriteRequests& requests, uv_write_cb written, Time now,
                  bool& close) {
  close = false;
  int error = 0;  // after a failure the connection says close on the next turn
  while (!s.write_in_flight) {
    const WriteOp op = conn.next_write();
    close = op.kind == WriteOp::close;
    if (op.kind != WriteOp::write) return error;
    auto* bufs = reinterpret_cast<const uv_buf_t*>(op.iovecs.data());
    const auto count = static_cast<unsigned>(op.iovecs.size());
    const int n = uv_try_write(s.stream(), bufs, count);
    if (n > 0) {
      conn.wrote(op.token, static_cast<std::size_t>(n), now);
      continue;  // a short one hands out the rest, which likely waits below
    }
    if (n != UV_EAGAIN) {
      conn.wrote(op.token, 0, now);
      conn.write_failed(now);
      error = n;
      continue;
    }
    std::size_t size = 0;
    for (const IoVec& v : op.iovecs) size += v.len;
    uv_write_t* req = requests.take();
    req->data = s.tcp.data;
    if (const int rc = uv_write(req, s.stream(), bufs, count, written); rc != 0) {
      requests.give(req);
      conn.wrote(op.token, 0, now);
      conn.write_failed(now);
      error = rc;
      continue;
    }
    s.write_in_flight = true;
    s.write_size = size;
  }
  return error;
}

// write_cb's part: the whole write went, or it failed (or was cancelled by
// uv_close). Returns the libuv error, else 0.
template <Connection C>
int uv_written(C& conn, UvSocket& s, UvWriteRequests& requests, uv_write_t* req, int status, Time now) {
  requests.give(req);
  s.write_in_flight = false;
  if (status == 0) {
    conn.wrote(s.write_size, now);
    return 0;
  }
  conn.wrote(0, now);
  conn.write_failed(now);
  return status == UV_ECANCELED ? 0 : status;
}

}  // namespace wirestate::adapters
