#pragma once
// Every limit of a connection, with its unit in the name and its reason beside
// it. A violation by the peer produces the status named in the comment, then a
// clean close.
#include "wirestate/cxx20.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "wirestate/time.hpp"

namespace wirestate {

class BufferPool;
class HttpDate;
struct Counters;

// What happens to a request body the application did not read when its
// response ended (RFC 9112 §9.3 leaves it to the server).
enum class UnreadBody {
  drain,  // read and discard it, within max_drain_bytes and drain_timeout,
          // then keep the connection for the next request
  close,  // close once the response is written
};

struct Config {
  // Bytes read from the socket per read. 16 KiB holds a typical request head
  // and keeps upload throughput near the socket's; a head longer than the
  // buffer still parses, since its pieces are copied out as they arrive.
  std::size_t read_buffer_bytes = 16 * 1024;

  // Method + target + version (→ 414). 8 KiB, as nginx's
  // large_client_header_buffers and Apache's LimitRequestLine.
  std::size_t max_request_line_bytes = 8 * 1024;
  // Sum of header field names and values of one head, trailers counted
  // separately (→ 431). 16 KiB, as h11 (which cites node, tomcat and IIS).
  // A head is checked against the limits once it is complete; while it is
  // still arriving, its bytes as received (line ends and whitespace too)
  // may reach max_request_line_bytes + max_header_bytes + 4 per field of
  // max_header_count + 256 before it is refused (→ 414 if no line ended).
  std::size_t max_header_bytes = 16 * 1024;
  // Header fields in one head or trailer section (→ 431). 128: Apache
  // allows 100 fields, and a client near that limit still sends the usual
  // few (Host, User-Agent, Accept, ...) beside them; max_header_bytes
  // bounds the memory either way.
  std::size_t max_header_count = 128;
  // Names and values of one chunk's extensions (→ 413; node caps them
  // too, after extensions were used to make servers parse without end).
  std::size_t max_chunk_extension_bytes = 1024;
  // Names and values of a trailer section (→ 431), counted apart from the
  // head; the field count is max_header_count.
  std::size_t max_trailer_bytes = 8 * 1024;
  // Request body bytes (→ 413); a handler can raise or lower it per request
  // with Exchange::set_max_body_bytes. 1 MiB, as nginx's client_max_body_size.
  std::uint64_t max_body_bytes = 1024 * 1024;
  // An unread request body is drained (or not) by this policy. Draining
  // stops, and the connection closes, past max_drain_bytes (a declared
  // length that is already past it closes at once) or drain_timeout. 256
  // KiB, as Go's net/http; a request that sent Expect: 100-continue and got
  // no 100 is never drained (its body may never come): it closes.
  UnreadBody unread_body = UnreadBody::drain;
  std::uint64_t max_drain_bytes = 256 * 1024;

  // Requests parsed ahead of the response being written. Reading stops (and
  // the socket's buffer applies TCP backpressure) past this many. 16 covers
  // the deepest pipelining benchmarks use while bounding per-connection state.
  std::size_t max_pipelined_requests = 16;

  // Response bytes are copied into blocks of this size, shared by the
  // exchanges of a connection and recycled; a block is the unit of reuse.
  // At least 128; 16 bytes of each hold the block's bookkeeping.
  std::size_t output_block_bytes = 4 * 1024;
  // Queued response bytes at which a write asks the app to wait, and below
  // which on_writable tells it to go on. The gap keeps the app from waking
  // for every few bytes that drain.
  std::size_t write_high_watermark_bytes = 256 * 1024;
  std::size_t write_low_watermark_bytes = 64 * 1024;
  // Writes next_write() hands out before the first is reported. 1 suits a
  // readiness loop (epoll: writev, then report); a completion loop (io_uring)
  // keeps a few linked sends queued in the kernel. Each past the first costs
  // an iovec array (1 KiB) while the connection has output. At most 16.
  std::size_t max_writes_in_flight = 1;

  // From the first byte of a request head to its end (→ 408, slowloris), and
  // for a new connection to send its first byte (silent close).
  Duration header_timeout = std::chrono::seconds(30);
  // A keep-alive connection with no request in progress (silent close).
  Duration keep_alive_timeout = std::chrono::seconds(60);
  // No body bytes arrive while the app waits for them (→ 408 if no response
  // was started, then close).
  Duration body_timeout = std::chrono::seconds(30);
  // Draining an unread request body (see unread_body) takes at most this.
  Duration drain_timeout = std::chrono::seconds(5);
  // Response bytes are queued but the peer accepts none (close).
  Duration send_timeout = std::chrono::seconds(60);
  // The slowest request body (→ 408 if no response was started, then close)
  // and the slowest reader of responses (close) tolerated, in bytes per
  // second over each rate_window. Windows run only while the connection
  // waits on the peer: the app is reading the body, or output is ready and
  // unsent; an app that is slow itself is not held against the peer. 240
  // B/s over 5 s, as Kestrel's MinRequestBodyDataRate. 0: no minimum.
  std::uint64_t min_recv_bytes_per_sec = 240;
  std::uint64_t min_send_bytes_per_sec = 240;
  Duration rate_window = std::chrono::seconds(5);
  // Client role: how long a request with `Expect: 100-continue` holds its
  // body back waiting for 100 before sending it anyway (RFC 9110 §10.1.1).
  Duration continue_timeout = std::chrono::seconds(1);

  // Where the read buffer, output blocks and iovec arrays come from; an
  // idle connection gives them back (see buffer_pool.hpp). Null: the
  // thread's default_buffers().
  BufferPool* buffers = nullptr;

  // `Server` header added to responses that carry none; empty: none added.
  std::string_view server_name = "wirestate";
  // Source of the `Date` header added to responses that carry none (RFC 9110
  // §6.6.1). The core has no clock: the adapter owns this object and updates
  // it once a second. Null: no Date header is added.
  const HttpDate* date = nullptr;
  // Where the connections sharing this Config count requests, responses,
  // automatic errors and bytes (counters.hpp). The adapter owns it, and
  // reads it on the connections' thread. Null: nothing is counted.
  Counters* counters = nullptr;
};

}  // namespace wirestate
