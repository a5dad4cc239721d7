// Several writes in flight (Config::max_writes_in_flight), as a completion
// adapter drives them: tokens, in-order reports, short reports that cancel
// the writes behind them, and memory that stays put until its write is
// reported.
#include <catch2/catch.hpp>

#include <cstring>
#include <deque>
#include <random>

#include "client_runtime.hpp"
#include "runtime.hpp"

using namespace wstest;

namespace {

// Plays io_uring with linked sends: keeps up to `limit` writes out, reports
// the oldest, sometimes short; after a short one the rest come back with 0.
// Checks that each write's memory still holds what it held when handed out.
template <class Connection>
struct Completions {
  struct Flight {
    WriteOp op;
    std::string bytes;
  };
  Connection& conn;
  Time& now;
  std::mt19937 rng;
  std::deque<Flight> flights;
  std::string output;
  bool closed = false, cancelled = false, memory_moved = false;

  Completions(Connection& c, Time& t, unsigned seed) : conn(c), now(t), rng(seed) {}

  void take(std::size_t limit) {
    while (flights.size() < limit) {
      const WriteOp op = conn.next_write();
      if (op.kind == WriteOp::close) closed = true;
      if (op.kind != WriteOp::write) return;
      Flight f{op, {}};
      for (const IoVec& v : op.iovecs) f.bytes.append(static_cast<const char*>(v.base), v.len);
      flights.push_back(std::move(f));
    }
  }
  void report_one() {
    Flight f = std::move(flights.front());
    flights.pop_front();
    std::size_t offset = 0;
    for (const IoVec& v : f.op.iovecs) {
      memory_moved |= std::memcmp(v.base, f.bytes.data() + offset, v.len) != 0;
      offset += v.len;
    }
    std::size_t n = f.bytes.size();
    if (cancelled) n = 0;
    else if (rng() % 3 == 0) n = rng() % (f.bytes.size() + 1);
    output.append(f.bytes, 0, n);
    if (n < f.bytes.size()) cancelled = true;
    if (flights.empty()) cancelled = false;
    conn.wrote(f.op.token, n, now);
  }
  // Until nothing is left to write.
  void drain(std::size_t limit) {
    for (int i = 0; i < 100000; ++i) {
      take(limit);
      if (flights.empty()) return;
      const std::size_t reports = 1 + rng() % flights.size();
      for (std::size_t r = 0; r < reports; ++r) report_one();
    }
  }
};

Config in_flight_config(std::size_t writes) {
  Config c = plain_config();
  c.max_writes_in_flight = writes;
  c.output_block_bytes = 256;  // many blocks: reuse under a write would show
  return c;
}

// A streamed response written in pieces while earlier writes are in flight.
struct StreamingApp {
  std::vector<std::string> pieces;
  explicit StreamingApp(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) pieces.push_back(std::string(1 + i * 37 % 300, char('a' + i % 26)));
  }
};

}  // namespace

TEST_CASE("writes in flight: reports in order give the bytes of one write at a time") {
  static const StreamingApp app(40);
  const std::string requests = [] {
    std::string r;
    for (int i = 0; i < 8; ++i) r += "GET /s HTTP/1.1\r\nHost: h\r\n\r\n";
    return r;
  }();
  // Each request is answered by a streamed response whose pieces are
  // written one per on_request and the rest as the test steps along. The
  // requests arrive whole, or a byte per round while writes are in flight.
  auto run = [&](std::size_t limit, unsigned seed, bool byte_by_byte = false) {
    Runtime rt(in_flight_config(limit));
    std::vector<Exchange> open;
    std::vector<std::size_t> next;
    rt.app.request_fn = [&](Exchange& e) {
      CHECK_FALSE(e.respond_streaming(200, {}));
      open.push_back(e);
      next.push_back(0);
    };
    rt.app.end_fn = [&](Exchange& e, std::error_code) {
      for (Exchange& o : open)
        if (o == e) o = Exchange{};
    };
    Completions<ServerConnection> io(rt.conn, rt.now, seed);
    std::size_t fed = 0;
    auto feed = [&](std::size_t n) {
      if (fed == requests.size() || rt.conn.next_read() != ReadOp::read) return;
      n = std::min(n, requests.size() - fed);
      std::span<char> buf = rt.conn.read_buffer();
      std::memcpy(buf.data(), requests.data() + fed, n);
      fed += n;
      rt.conn.commit_read(n, rt.now);
    };
    feed(byte_by_byte ? 1 : requests.size());
    for (int round = 0; round < 20000; ++round) {
      if (byte_by_byte) feed(1);
      bool wrote_any = false;
      for (std::size_t i = 0; i < open.size(); ++i) {
        if (open[i].ended() || next[i] > app.pieces.size()) continue;
        if (next[i] == app.pieces.size()) CHECK_FALSE(open[i].end());
        else if (next[i] % 2) CHECK(open[i].write_borrowed(app.pieces[next[i]], {}));
        else CHECK(open[i].write(app.pieces[next[i]]));
        ++next[i];
        wrote_any = true;
        break;  // one piece per round, so output grows under writes in flight
      }
      io.take(limit);
      if (!io.flights.empty()) io.report_one();
      if (!wrote_any && io.flights.empty() && fed == requests.size() && rt.conn.next_read() == ReadOp::read)
        break;
    }
    io.drain(limit);
    CHECK_FALSE(io.memory_moved);
    return io.output;
  };
  const std::string reference = run(1, 0);
  CHECK(reference.size() > 8 * 4000);
  for (std::size_t limit : {2u, 4u}) {
    for (unsigned seed = 1; seed <= 20; ++seed) {
      INFO("limit " << limit << " seed " << seed);
      CHECK(run(limit, seed) == reference);
      CHECK(run(limit, seed, /*byte_by_byte=*/true) == reference);
    }
  }
}

TEST_CASE("writes in flight: each write gets a token and the bytes after the previous one") {
  Runtime rt(in_flight_config(2));
  Exchange ex;
  rt.app.request_fn = [&](Exchange& e) {
    ex = e;
    CHECK_FALSE(e.respond_streaming(200, {{"Content-Length", "8"}}));
    CHECK(e.write("aaaa"));
  };
  std::span<char> buf = rt.conn.read_buffer();
  const std::string get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  std::memcpy(buf.data(), get.data(), get.size());
  rt.conn.commit_read(get.size(), rt.now);

  auto text = [](const WriteOp& op) {
    std::string s;
    for (const IoVec& v : op.iovecs) s.append(static_cast<const char*>(v.base), v.len);
    return s;
  };
  const WriteOp first = rt.conn.next_write();
  REQUIRE(first.kind == WriteOp::write);
  const std::string first_text = text(first);  // its iovecs end with its report
  CHECK(first_text == "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\naaaa");
  CHECK(rt.conn.next_write().kind == WriteOp::yield);  // nothing new yet
  CHECK(ex.write("bbbb"));
  CHECK_FALSE(ex.end());
  const WriteOp second = rt.conn.next_write();
  REQUIRE(second.kind == WriteOp::write);
  CHECK(second.token != first.token);
  CHECK(text(second) == "bbbb");
  CHECK(rt.conn.next_write().kind == WriteOp::yield);  // the window is full

  SECTION("a short report: the later write comes back with 0, then the rest goes again") {
    rt.conn.wrote(first.token, 10, rt.now);
    CHECK(rt.conn.next_write().kind == WriteOp::yield);  // the cancelled write is still out
    rt.conn.wrote(second.token, 0, rt.now);
    const WriteOp again = rt.conn.next_write();
    REQUIRE(again.kind == WriteOp::write);
    CHECK(text(again) == first_text.substr(10) + "bbbb");
    rt.conn.wrote(again.token, text(again).size(), rt.now);
    CHECK(rt.conn.next_write().kind == WriteOp::yield);
    CHECK(rt.app.seen.at(0).ended);
    CHECK_FALSE(rt.app.seen.at(0).end_error);
  }
  SECTION("a later write that claims bytes after a short one is misuse") {
    rt.conn.wrote(first.token, 10, rt.now);
    rt.conn.wrote(second.token, 4, rt.now);
    CHECK(rt.app.seen.at(0).end_error == Error::write_misreported);
    CHECK(rt.conn.next_write().kind == WriteOp::close);
  }
  SECTION("a report out of order is misuse") {
    rt.conn.wrote(second.token, 4, rt.now);
    CHECK(rt.app.seen.at(0).end_error == Error::write_misreported);
    CHECK(rt.conn.next_write().kind == WriteOp::close);
  }
  SECTION("the plain report is for the oldest write") {
    rt.conn.wrote(first_text.size(), rt.now);
    rt.conn.wrote(4, rt.now);
    CHECK(rt.app.seen.at(0).ended);
    CHECK_FALSE(rt.app.seen.at(0).end_error);
  }
}

TEST_CASE("writes in flight: memory under a write is released only after its report") {
  Config config = in_flight_config(2);
  config.send_timeout = 5s;
  Runtime rt(config);
  static const std::string big(10000, 'B');
  int released = 0;
  Release release{[](void* ctx) { ++*static_cast<int*>(ctx); }, &released};
  rt.app.request_fn = [&](Exchange& e) {
    CHECK_FALSE(e.respond_streaming(200, {}));
    CHECK(e.write_borrowed(big, release));
  };
  std::span<char> buf = rt.conn.read_buffer();
  const std::string get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  std::memcpy(buf.data(), get.data(), get.size());
  rt.conn.commit_read(get.size(), rt.now);
  const WriteOp op = rt.conn.next_write();
  REQUIRE(op.kind == WriteOp::write);
  CHECK_FALSE(rt.conn.writes_abandoned());  // in flight, and wanted

  SECTION("the send timeout fails the exchange; the kernel still holds the buffer") {
    rt.now += 6s;
    rt.conn.on_deadline(rt.now);
    CHECK(rt.app.seen.at(0).end_error == Error::send_timeout);
    CHECK(released == 0);
    CHECK(rt.conn.next_write().kind == WriteOp::yield);  // not close: a write is out
    CHECK_FALSE(rt.conn.is_closed());
    CHECK(rt.conn.writes_abandoned());  // a completion loop cancels it
    rt.conn.wrote(op.token, 0, rt.now);  // cancelled
    CHECK_FALSE(rt.conn.writes_abandoned());
    CHECK(released == 1);
    CHECK(rt.conn.next_write().kind == WriteOp::close);
  }
  SECTION("write_failed: nothing will be reported, so everything goes at once") {
    rt.conn.write_failed(rt.now);
    CHECK(released == 1);
    CHECK(rt.conn.next_write().kind == WriteOp::close);
  }
}

TEST_CASE("writes in flight: a client that fails with a write out abandons it until it is reported") {
  Config config = in_flight_config(2);
  config.send_timeout = 5s;
  ClientRuntime rt(config);
  Recorder recorder;
  REQUIRE_FALSE(rt.conn.send(recorder, "POST", "/u", {{"Host", "h"}}, std::string(500, 'p')).error);
  const WriteOp op = rt.conn.next_write();
  REQUIRE(op.kind == WriteOp::write);
  CHECK_FALSE(rt.conn.writes_abandoned());
  rt.now += 6s;
  rt.conn.on_deadline(rt.now);
  CHECK(rt.conn.writes_abandoned());
  CHECK_FALSE(rt.conn.is_closed());
  rt.conn.wrote(op.token, 0, rt.now);
  CHECK_FALSE(rt.conn.writes_abandoned());
  CHECK(rt.conn.is_closed());
}

TEST_CASE("writes in flight: a write handed back with 0 does not restart the send timeout") {
  Config config = plain_config();
  config.send_timeout = 5s;
  Runtime rt(config);
  rt.app.request_fn = [](Exchange& e) { CHECK_FALSE(e.respond(200, {}, "x")); };
  std::span<char> buf = rt.conn.read_buffer();
  const std::string get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  std::memcpy(buf.data(), get.data(), get.size());
  rt.conn.commit_read(get.size(), rt.now);
  for (int i = 0; i < 6; ++i) {
    const WriteOp op = rt.conn.next_write();
    if (op.kind != WriteOp::write) break;
    rt.conn.wrote(op.token, 0, rt.now);  // the socket would block
    rt.now += 1s;
    if (auto t = rt.conn.deadline(); t && *t <= rt.now) rt.conn.on_deadline(rt.now);
  }
  CHECK(rt.app.seen.at(0).end_error == Error::send_timeout);
}

TEST_CASE("writes in flight: the client's pipelined requests, with short reports") {
  auto run = [](std::size_t limit, unsigned seed) {
    Config config = in_flight_config(limit);
    ClientRuntime rt(config);
    std::deque<Recorder> recorders;
    std::vector<ClientExchange> uploads;
    for (int i = 0; i < 6; ++i) {
      const bool streaming = i % 2 == 1;
      const SendResult r = rt.conn.send(recorders.emplace_back(), "POST", "/u", {{"Host", "h"}},
                                        streaming ? "" : std::string(300 + i, 'p'),
                                        {.pipeline = true, .streaming = streaming});
      REQUIRE_FALSE(r.error);
      if (streaming) uploads.push_back(r.exchange);
    }
    Completions<ClientConnection> io(rt.conn, rt.now, seed);
    for (int piece = 0; piece < 30; ++piece) {
      for (ClientExchange& u : uploads) CHECK(u.write(std::string(50 + piece, char('a' + piece % 26))));
      io.take(limit);
      if (!io.flights.empty()) io.report_one();
    }
    for (ClientExchange& u : uploads) CHECK_FALSE(u.end());
    io.drain(limit);
    CHECK_FALSE(io.memory_moved);
    return io.output;
  };
  const std::string reference = run(1, 0);
  CHECK(reference.size() > 3 * 30 * 50);
  for (unsigned seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    CHECK(run(3, seed) == reference);
  }
}
