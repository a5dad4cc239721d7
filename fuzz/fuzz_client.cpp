// fuzz_client: the client connection driven by the fuzzer.
//
// The input's front is the server's byte stream; its back is a script of
// steps: queue requests (GET, HEAD, POST with a body, streamed, CONNECT,
// Expect: 100-continue, pipelined or not), deliver server bytes in any read
// sizes, drain requests with short writes, read bodies, move time, EOF, fail.
// Checks after every step: what the client wrote parses as well-formed HTTP
// requests (llhttp, strict), each exchange ends exactly once, and a closed
// connection stays closed.
#include <fuzzer/FuzzedDataProvider.h>
#include <llhttp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "writes_in_flight.hpp"
#include "wirestate/wirestate.hpp"

using namespace wirestate;

namespace {

struct Handler final : ResponseHandler {
  int ends = 0;
  bool auto_read = false;
  ClientExchange exchange;
  std::string head;  // the response as first seen: its views must not change
  static std::string text_of(const Response& r) {
    std::string s = std::to_string(r.status);
    s.append(" ").append(r.reason).append("\n");
    for (const Header& h : r.headers) s.append(h.name).append(":").append(h.value).append("\n");
    return s;
  }
  void on_response(ClientExchange& ex) noexcept override {
    head = text_of(ex.response());
    if (auto_read) CHECK_OR_TRAP(ex.read_body() != Error::exchange_ended);
  }
  void on_body(ClientExchange& ex, std::string_view) noexcept override {
    if (auto_read) CHECK_OR_TRAP(ex.read_body() != Error::exchange_ended);
  }
  // The handle is kept: past this, every call on it must fail.
  void on_exchange_end(ClientExchange&, std::error_code) noexcept override { ++ends; }
};

struct Driver {
  explicit Driver(FuzzedDataProvider& in) : in(in), conn(conn_config, now) {
    llhttp_settings_init(&settings);
    llhttp_init(&requests, HTTP_REQUEST, &settings);
  }
  static const Config& make_config(FuzzedDataProvider& in) {
    static Config c;
    c = Config{};
    c.read_buffer_bytes = in.ConsumeIntegralInRange<std::size_t>(16, 4096);
    c.max_header_bytes = in.ConsumeIntegralInRange<std::size_t>(8, 2048);
    c.max_header_count = in.ConsumeIntegralInRange<std::size_t>(1, 20);
    c.max_body_bytes = in.ConsumeIntegralInRange<std::uint64_t>(0, 100000);
    c.max_pipelined_requests = in.ConsumeIntegralInRange<std::size_t>(1, 8);
    // Derived, not consumed, so the corpus keeps its meaning.
    c.max_writes_in_flight = 1 + c.read_buffer_bytes % 4;
    static FreeListPool pool;
    if (in.ConsumeBool()) c.buffers = &pool;  // lent buffers, given back when idle
    return c;
  }

  void step() {
    switch (in.ConsumeIntegralInRange<int>(0, 9)) {
      case 0: case 1: send(); break;
      case 2: case 3: case 4: deliver(); break;
      case 5: drain(); break;
      case 6: act(); break;
      case 7:
        now += std::chrono::milliseconds(in.ConsumeIntegralInRange<std::int64_t>(0, 90000));
        if (auto t = conn.deadline(); t && *t <= now) conn.on_deadline(now);
        break;
      case 8: conn.read_eof(now); break;
      case 9:
        if (in.ConsumeIntegralInRange<int>(0, 15) == 0) conn.write_failed(now), writes.forget();
        break;
    }
    if (closed) CHECK_OR_TRAP(conn.next_write().kind == WriteOp::close);
    for (const Handler& h : handlers) {
      CHECK_OR_TRAP(h.ends <= 1);
      // Response views stay what they were until the exchange ends.
      if (!h.exchange.ended() && !h.head.empty()) CHECK_OR_TRAP(Handler::text_of(h.exchange.response()) == h.head);
    }
  }

  void send() {
    if (handlers.size() >= 64) return;
    Handler& h = handlers.emplace_back();
    h.auto_read = in.ConsumeBool();
    static const char* methods[] = {"GET", "HEAD", "POST", "PUT", "CONNECT", "OPTIONS"};
    const char* method = methods[in.ConsumeIntegralInRange<int>(0, 5)];
    RequestOptions options;
    options.pipeline = in.ConsumeBool();
    options.streaming = in.ConsumeBool();
    std::vector<Header> headers{{"Host", "h"}};
    if (in.ConsumeBool()) headers.push_back({"Expect", "100-continue"});
    if (in.ConsumeBool()) headers.push_back({"Connection", "upgrade"}), headers.push_back({"Upgrade", "x"});
    const std::string body = in.ConsumeRandomLengthString(200);
    const SendResult r = conn.send(h, method, "/t", headers, body, options);
    h.exchange = r.exchange;
    if (r.error) handlers.pop_back();
  }

  void act() {
    if (handlers.empty()) return;
    Handler& h = handlers[in.ConsumeIntegralInRange<std::size_t>(0, handlers.size() - 1)];
    if (h.exchange.ended()) {
      // Consumes nothing, so the corpus keeps its meaning.
      CHECK_OR_TRAP(h.ends == 1);
      CHECK_OR_TRAP(h.exchange.read_body() == Error::exchange_ended);
      CHECK_OR_TRAP(h.exchange.write("STALE").error == Error::exchange_ended);
      CHECK_OR_TRAP(h.exchange.end() == Error::exchange_ended);
      CHECK_OR_TRAP(h.exchange.response().status == 0);
      return;
    }
    switch (in.ConsumeIntegralInRange<int>(0, 2)) {
      case 0: CHECK_OR_TRAP(h.exchange.read_body() != Error::exchange_ended); break;
      case 1: CHECK_OR_TRAP(h.exchange.write(in.ConsumeRandomLengthString(300)).error != Error::exchange_ended); break;
      case 2: CHECK_OR_TRAP(h.exchange.end() != Error::exchange_ended); break;
    }
  }

  void deliver() {
    if (conn.next_read() != ReadOp::read) return;
    std::span<char> buf = conn.read_buffer();
    const std::string bytes = in.ConsumeBytesAsString(std::min(buf.size(), in.ConsumeIntegralInRange<std::size_t>(1, 512)));
    if (bytes.empty()) return conn.read_eof(now);
    std::memcpy(buf.data(), bytes.data(), bytes.size());
    conn.commit_read(bytes.size(), now);
  }

  // Writes may stay in flight between steps, as with a completion adapter.
  void drain() {
    const std::size_t limit = conn_config.max_writes_in_flight;
    for (int i = 0; i < 32 && !closed; ++i) {
      if (!writes.take(conn, limit)) {
        closed = true;
        break;
      }
      if (writes.empty()) break;
      const std::size_t count = in.ConsumeIntegralInRange<std::size_t>(1, limit);
      writes.report(conn, in, now, count, [&](const char* p, std::size_t n) { check_requests(p, n); });
    }
  }

  // What the client wrote must parse as requests; after a tunnel starts,
  // the bytes are the other protocol's.
  void check_requests(const char* p, std::size_t n) {
    if (trace) std::fprintf(stderr, "--- write of %zu:\n%.*s\n", n, int(n), p);
    if (tunnel_seen) return;
    const llhttp_errno_t rc = llhttp_execute(&requests, p, n);
    if (rc == HPE_PAUSED_UPGRADE) tunnel_seen = true;
    else if (rc != HPE_OK) std::fprintf(stderr, "request checker: %s\n", llhttp_get_error_reason(&requests));
    CHECK_OR_TRAP(rc == HPE_OK || rc == HPE_PAUSED_UPGRADE);
  }

  FuzzedDataProvider& in;
  Time now{};
  const Config& conn_config = make_config(in);
  ClientConnection conn;
  std::deque<Handler> handlers;
  llhttp_settings_t settings{};
  llhttp_t requests{};
  wirestate::fuzz::WritesInFlight writes;
  bool closed = false, tunnel_seen = false;
  // WIRESTATE_FUZZ_TRACE=1 shows every write, to follow a reproducer.
  const bool trace = std::getenv("WIRESTATE_FUZZ_TRACE") != nullptr;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Driver d(in);
  for (int i = 0; i < 2000 && in.remaining_bytes() > 0; ++i) d.step();
  d.conn.read_eof(d.now);
  for (int i = 0; i < 8 && !d.closed; ++i) d.drain();
  return 0;
}
