// Config::min_recv_bytes_per_sec / min_send_bytes_per_sec: the slow-body and
// slow-reader forms of slowloris, measured per rate_window while the
// connection waits on the peer.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

namespace {

Config rates(std::uint64_t recv, std::uint64_t send) {
  Config c = plain_config();
  c.min_recv_bytes_per_sec = recv;
  c.min_send_bytes_per_sec = send;
  c.rate_window = 5s;
  return c;
}

// Sends `total` body bytes at `per_sec` bytes a second, a second at a time.
void trickle(Runtime& rt, std::size_t total, std::size_t per_sec) {
  for (std::size_t sent = 0; sent < total && !rt.write_closed; sent += per_sec) {
    rt.feed(std::string(std::min(per_sec, total - sent), 'u'), 1);
    rt.advance(1s);
  }
}

// Delivers `request` without writing anything back.
void receive(Runtime& rt, std::string_view request) {
  std::span<char> buf = rt.conn.read_buffer();
  std::copy(request.begin(), request.end(), buf.begin());
  rt.conn.commit_read(request.size(), rt.now);
}

// The peer reads `per_sec` bytes a second for at most `seconds`.
void slow_reader(Runtime& rt, std::size_t per_sec, int seconds) {
  for (int i = 0; i < seconds; ++i) {
    const WriteOp op = rt.conn.next_write();
    if (op.kind == WriteOp::close) rt.write_closed = true;
    if (op.kind != WriteOp::write) return;
    std::size_t n = 0;
    for (const IoVec& v : op.iovecs) {
      const std::size_t take = std::min(v.len, per_sec - n);
      rt.output.append(static_cast<const char*>(v.base), take);
      n += take;
    }
    rt.conn.wrote(op.token, n, rt.now);
    rt.now += 1s;
    if (auto t = rt.conn.deadline(); t && *t <= rt.now) rt.conn.on_deadline(rt.now);
  }
}

}  // namespace

TEST_CASE("a request body slower than min_recv_bytes_per_sec ends with 408") {
  Runtime rt(rates(100, 0));
  rt.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10000\r\n\r\n");
  REQUIRE(rt.conn.deadline());
  CHECK(*rt.conn.deadline() == rt.now + 5s);
  trickle(rt, 10000, 90);
  const std::string out = rt.take_output();
  CHECK(out.starts_with("HTTP/1.1 408 Request Timeout\r\n"));
  CHECK(out.find("sent too slowly") != std::string::npos);
  CHECK(rt.app.seen.at(0).end_error == Error::body_too_slow);
  CHECK(rt.write_closed);
}

TEST_CASE("a request body at the minimum rate gets through, window after window") {
  Runtime rt(rates(100, 0));
  rt.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3000\r\n\r\n");
  trickle(rt, 3000, 100);  // 30 s, six windows
  CHECK(rt.app.seen.at(0).body.size() == 3000);
  CHECK(rt.take_output().starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK_FALSE(rt.write_closed);
}

TEST_CASE("time the app spends not reading does not count against the peer") {
  Runtime rt(rates(100, 0));
  Exchange ex;
  rt.app.request_fn = [&](Exchange& e) { ex = e; };
  rt.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n");
  rt.advance(60s);  // the app thinks; the window does not run
  CHECK_FALSE(rt.write_closed);
  CHECK_FALSE(ex.read_body());
  trickle(rt, 1000, 200);
  CHECK(rt.app.seen.at(0).body.size() == 1000);
  CHECK_FALSE(rt.write_closed);
}

TEST_CASE("draining a body slower than the minimum closes") {
  Runtime rt(rates(100, 0));
  rt.app.request_fn = [](Exchange& e) { CHECK_FALSE(e.respond(403, {}, "no")); };
  rt.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10000\r\n\r\n");
  CHECK(rt.take_output() == "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno");
  trickle(rt, 10000, 50);
  CHECK(rt.write_closed);
  CHECK(rt.app.seen.at(0).ended);
}

TEST_CASE("a reader slower than min_send_bytes_per_sec is cut off") {
  Runtime rt(rates(0, 1000));
  rt.app.request_fn = [](Exchange& e) { CHECK_FALSE(e.respond(200, {}, std::string(100000, 'd'))); };
  receive(rt, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  slow_reader(rt, 500, 20);
  CHECK(rt.app.seen.at(0).end_error == Error::send_too_slow);
  CHECK(rt.conn.next_write().kind == WriteOp::close);
  CHECK(rt.output.size() <= 3000);  // cut off after the first window
}

TEST_CASE("a reader at the minimum rate gets the whole response") {
  Runtime rt(rates(0, 1000));
  rt.app.request_fn = [](Exchange& e) { CHECK_FALSE(e.respond(200, {}, std::string(20000, 'd'))); };
  receive(rt, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  slow_reader(rt, 1000, 40);
  CHECK(rt.app.seen.at(0).ended);
  CHECK_FALSE(rt.app.seen.at(0).end_error);
  CHECK(rt.output.size() > 20000);
}
