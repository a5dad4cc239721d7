// Steady-state keep-alive and pipelined traffic allocates nothing. This binary
// replaces the global allocation functions to count every call.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "wirestate/wirestate.hpp"

namespace {
std::size_t allocations = 0;
// Bytes asked for and not yet freed (each block carries its size in front).
std::size_t live_bytes = 0;
constexpr std::size_t header = alignof(std::max_align_t);
}

void* operator new(std::size_t n) {
  ++allocations;
  auto* p = static_cast<unsigned char*>(std::malloc(n + header));
  if (!p) throw std::bad_alloc();
  std::memcpy(p, &n, sizeof n);
  live_bytes += n;
  return p + header;
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept {
  if (!p) return;
  auto* base = static_cast<unsigned char*>(p) - header;
  std::size_t n;
  std::memcpy(&n, base, sizeof n);
  live_bytes -= n;
  std::free(base);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }

using namespace wirestate;

namespace {

// The TechEmpower plaintext application, without a byte of heap.
class Plaintext : public Handler {
 public:
  void on_request(Exchange& ex) noexcept override {
    static constexpr Header headers[] = {{"Content-Type", "text/plain"}};
    CHECK_FALSE(ex.respond(200, headers, "Hello, World!"));
  }
};

// Pushes `input` through the connection `rounds` times, pipelined as given,
// draining every write, each reported as at most `max_report` bytes (short
// writes). Returns the bytes written.
std::size_t drive(ServerConnection& conn, std::string_view input, int rounds, Time& now,
                  std::size_t max_report = SIZE_MAX) {
  std::size_t written = 0;
  for (int i = 0; i < rounds; ++i) {
    now += std::chrono::microseconds(1);
    REQUIRE(conn.next_read() == ReadOp::read);
    std::span<char> buf = conn.read_buffer();
    REQUIRE(buf.size() >= input.size());
    std::memcpy(buf.data(), input.data(), input.size());
    conn.commit_read(input.size(), now);
    for (WriteOp op = conn.next_write(); op.kind == WriteOp::write; op = conn.next_write()) {
      std::size_t n = 0;
      for (const IoVec& v : op.iovecs) n += v.len;
      n = std::min(n, max_report);
      written += n;
      conn.wrote(op.token, n, now);
    }
  }
  return written;
}

const char request[] =
    "GET /plaintext HTTP/1.1\r\nHost: localhost\r\nAccept: text/plain,text/html;q=0.9\r\n"
    "Connection: keep-alive\r\n\r\n";

}  // namespace

TEST_CASE("10,000 keep-alive requests after warm-up allocate nothing") {
  HttpDate date;
  date.set(1700000000);
  Config config;
  config.date = &date;
  Plaintext app;
  Time now{};
  ServerConnection conn(config, app, now);
  const std::size_t per_response = drive(conn, request, 1, now);
  drive(conn, request, 100, now);
  allocations = 0;
  const std::size_t written = drive(conn, request, 10000, now);
  CHECK(allocations == 0);
  CHECK(written == 10000 * per_response);
}

TEST_CASE("with a buffer pool, keep-alive requests after warm-up allocate nothing either") {
  FreeListPool pool;
  Config config;
  config.buffers = &pool;
  Plaintext app;
  Time now{};
  ServerConnection conn(config, app, now);
  const std::size_t per_response = drive(conn, request, 1, now);
  drive(conn, request, 100, now);
  allocations = 0;
  const std::size_t written = drive(conn, request, 10000, now);
  CHECK(allocations == 0);
  CHECK(written == 10000 * per_response);
  CHECK(pool.free_bytes() >= config.read_buffer_bytes);  // the idle connection gave it back
}

TEST_CASE("10,000 pipelined requests, 16 per read, after warm-up allocate nothing") {
  std::string sixteen;
  for (int i = 0; i < 16; ++i) sixteen += request;
  Config config;
  Plaintext app;
  Time now{};
  ServerConnection conn(config, app, now);
  const std::size_t per_sixteen = drive(conn, sixteen, 1, now);
  drive(conn, sixteen, 100, now);
  allocations = 0;
  const std::size_t written = drive(conn, sixteen, 625, now);
  CHECK(allocations == 0);
  CHECK(written == 625 * per_sixteen);
}

TEST_CASE("with several writes allowed in flight and short reports, nothing is allocated") {
  std::string sixteen;
  for (int i = 0; i < 16; ++i) sixteen += request;
  Config config;
  config.max_writes_in_flight = 4;
  Plaintext app;
  Time now{};
  ServerConnection conn(config, app, now);
  const std::size_t per_sixteen = drive(conn, sixteen, 1, now);
  drive(conn, sixteen, 100, now, 500);
  allocations = 0;
  const std::size_t written = drive(conn, sixteen, 625, now, 500);
  CHECK(allocations == 0);
  CHECK(written == 625 * per_sixteen);
}

// Live heap bytes each connection keeps once it served a request and went
// idle: `make` builds one and serves it. A first one warms the pools (what
// they hold is theirs, and it does not grow with the number of idle
// connections); then a thousand are kept.
template <class Make>
std::size_t idle_bytes_each(Make make) {
  make();  // warm-up, destroyed at once
  constexpr std::size_t count = 1000;
  std::vector<decltype(make())> idle;
  idle.reserve(count);
  const std::size_t before = live_bytes;
  for (std::size_t i = 0; i < count; ++i) idle.push_back(make());
  return (live_bytes - before) / count;
}

TEST_CASE("an idle server connection holds 384 bytes at most, with a shared default Config") {
  // Connections that served a request and went idle: what each still holds
  // (its own object and every allocation it keeps). Buffers and exchange
  // state given back to the loop's pools are the pools', and the pools do
  // not grow with the number of idle connections.
  // One Config for all, as a loop shares it.
  const auto config = std::make_shared<const Config>();
  Plaintext app;
  Time now{};
  const std::size_t per_connection = idle_bytes_each([&] {
    auto conn = std::make_unique<ServerConnection>(config, app, now);
    drive(*conn, request, 1, now);
    return conn;
  });
  INFO("idle connection: " << per_connection << " bytes");
  // The design's bound is 1 KiB; what the connection holds today is the
  // guard, so a field that grows it shows here (docs/server.md, "Memory").
  CHECK(per_connection <= 384);
}

namespace {

// Reads each response to its end without touching the heap.
class Reader final : public ResponseHandler {
 public:
  std::size_t bytes = 0;
  void on_response(ClientExchange& ex) noexcept override { CHECK_FALSE(ex.read_body()); }
  void on_body(ClientExchange& ex, std::string_view data) noexcept override {
    bytes += data.size();
    CHECK_FALSE(ex.read_body());
  }
};

// One GET sent and its 13-byte response read. Writes are reported with
// their token or as the oldest write in flight, as `by_token` says: each is
// some adapter's steady state.
void client_round_trip(ClientConnection& conn, Reader& reader, Time now, bool by_token) {
  static constexpr Header headers[] = {{"Host", "localhost"}};
  static constexpr std::string_view response = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!";
  REQUIRE_FALSE(conn.send(reader, "GET", "/plaintext", headers).error);
  for (WriteOp op = conn.next_write(); op.kind == WriteOp::write; op = conn.next_write()) {
    std::size_t n = 0;
    for (const IoVec& v : op.iovecs) n += v.len;
    if (by_token) conn.wrote(op.token, n, now);
    else conn.wrote(n, now);
  }
  REQUIRE(conn.next_read() == ReadOp::read);
  std::span<char> buf = conn.read_buffer();
  std::memcpy(buf.data(), response.data(), response.size());
  conn.commit_read(response.size(), now);
}

}  // namespace

TEST_CASE("10,000 client requests on a reused connection after warm-up allocate nothing") {
  Config config;
  Time now{};
  ClientConnection conn(config, now);
  Reader reader;
  auto one = [&] { client_round_trip(conn, reader, now, /*by_token=*/false); };
  for (int i = 0; i < 100; ++i) one();
  allocations = 0;
  reader.bytes = 0;
  for (int i = 0; i < 10000; ++i) one();
  CHECK(allocations == 0);
  CHECK(reader.bytes == 13 * 10000);
  CHECK(conn.is_idle());
}

TEST_CASE("an idle client connection holds 256 bytes at most, with a shared default Config") {
  const auto config = std::make_shared<const Config>();
  Time now{};
  Reader reader;
  auto one = [&](ClientConnection& conn) {
    client_round_trip(conn, reader, now, /*by_token=*/true);
    REQUIRE(conn.is_idle());
  };
  const std::size_t per_connection = idle_bytes_each([&] {
    auto conn = std::make_unique<ClientConnection>(config, now);
    one(*conn);
    return conn;
  });
  INFO("idle client connection: " << per_connection << " bytes");
  CHECK(per_connection <= 256);
}
