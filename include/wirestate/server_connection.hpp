#pragma once
// The server role of HTTP/1.1 as a pure state machine: bytes in, iovecs out.
// It never calls the OS and never reads a clock; the adapter drives it:
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
#include <cstddef>
#include <memory>
#include <optional>
#include <span>

#include "wirestate/config.hpp"
#include "wirestate/exchange.hpp"
#include "wirestate/handler.hpp"
#include "wirestate/io.hpp"
#include "wirestate/time.hpp"

namespace wirestate {

class ServerConnection {
 public:
  // `config` and `handler` are borrowed and must outlive the connection.
  ServerConnection(const Config& config, Handler& handler, Time now);
  ~ServerConnection();
  ServerConnection(const ServerConnection&) = delete;
  ServerConnection& operator=(const ServerConnection&) = delete;

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

  // Graceful stop: no new requests are accepted; in-flight responses finish,
  // then the connection closes. An idle connection closes at once.
  void shutdown(Time now) noexcept;

  // Called when the app acts outside an adapter call. May be null.
  void set_waker(Waker* waker) noexcept;

  // A pointer the adapter keeps with the connection (what it knows of the
  // peer, say, for an access log); the application reads it through
  // Exchange::connection_user_data() and RefusedRequest. Not owned.
  void set_user_data(void* data) noexcept;

  // Both sides are done and no write is in flight: the adapter may close the
  // socket and destroy this.
  bool is_closed() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace wirestate
