// Deadlines: the connection says when it needs waking and acts when woken.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

TEST_CASE("a new connection that sends nothing closes silently after header_timeout") {
  Runtime rt;
  REQUIRE(rt.conn.deadline());
  CHECK(*rt.conn.deadline() == rt.now + rt.config.header_timeout);
  rt.advance(rt.config.header_timeout - 1ms);
  CHECK_FALSE(rt.write_closed);
  rt.advance(1ms);
  CHECK(rt.write_closed);
  CHECK(rt.output.empty());
}

TEST_CASE("a head trickling in (slowloris) gets 408 at header_timeout from its first byte") {
  Runtime rt;
  rt.feed("GET / HTTP/1.1\r\n");
  const Time first_byte = rt.now;
  for (int i = 0; i < 29; ++i) {
    rt.advance(1s);
    rt.feed("X: y\r\n");
  }
  CHECK(*rt.conn.deadline() == first_byte + rt.config.header_timeout);
  rt.advance(1s);
  const std::string out = rt.take_output();
  CHECK(out.starts_with("HTTP/1.1 408 Request Timeout\r\n"));
  CHECK(out.find("not received in time") != std::string::npos);
  CHECK(rt.write_closed);
}

TEST_CASE("an idle keep-alive connection closes after keep_alive_timeout") {
  Runtime rt;
  rt.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  rt.take_output();
  CHECK(*rt.conn.deadline() == rt.now + rt.config.keep_alive_timeout);
  rt.advance(rt.config.keep_alive_timeout);
  CHECK(rt.write_closed);
  CHECK(rt.output.empty());
}

namespace {
// Timeouts alone, without the minimum rates (tested in test_min_rates.cpp).
Config no_min_rates() {
  Config c = plain_config();
  c.min_recv_bytes_per_sec = c.min_send_bytes_per_sec = 0;
  return c;
}
}  // namespace

TEST_CASE("a body that stalls while the app waits for it ends with 408") {
  Runtime rt(no_min_rates());
  rt.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
  CHECK(*rt.conn.deadline() == rt.now + rt.config.body_timeout);
  rt.advance(rt.config.body_timeout);
  const std::string out = rt.take_output();
  CHECK(out.starts_with("HTTP/1.1 408 Request Timeout\r\n"));
  CHECK(out.find("request body stalled") != std::string::npos);
  CHECK(rt.app.seen[0].end_error == Error::body_timeout);
  CHECK(rt.write_closed);
}

TEST_CASE("a body the app is not reading is not timed against the peer") {
  Runtime rt;
  rt.app.request_fn = [](Exchange&) {};
  rt.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
  CHECK_FALSE(rt.conn.deadline());
}

TEST_CASE("a peer that accepts no response bytes is cut off after send_timeout") {
  Runtime rt(no_min_rates());
  rt.app.request_fn = [](Exchange& e) { CHECK_FALSE(e.respond(200, {}, std::string(1000, 'x'))); };
  std::span<char> buf = rt.conn.read_buffer();
  const std::string get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  std::copy(get.begin(), get.end(), buf.begin());
  rt.conn.commit_read(get.size(), rt.now);
  REQUIRE(rt.conn.next_write().kind == WriteOp::write);
  rt.conn.wrote(0, rt.now);  // the socket is full
  REQUIRE(rt.conn.deadline());
  CHECK(*rt.conn.deadline() == rt.now + rt.config.send_timeout);
  rt.now += rt.config.send_timeout;
  rt.conn.on_deadline(rt.now);
  CHECK(rt.conn.next_write().kind == WriteOp::close);
  CHECK(rt.app.seen[0].end_error == Error::send_timeout);
}

TEST_CASE("deadline() and on_deadline() agree - woken a moment early nothing happens, at the deadline something does") {
  // One state for each timer the connection keeps.
  struct Case {
    const char* name;
    std::function<void(Runtime&)> setup;
  };
  const std::vector<Case> cases = {
      {"new connection", [](Runtime&) {}},
      {"head arriving", [](Runtime& rt) { rt.feed("GET / HTTP/1.1\r\n"); }},
      {"idle keep-alive", [](Runtime& rt) { rt.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n"); }},
      {"body awaited",
       [](Runtime& rt) { rt.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\nabc"); }},
      {"draining",
       [](Runtime& rt) {
         rt.app.request_fn = [](Exchange& e) { CHECK_FALSE(e.respond(200, {}, "x")); };
         rt.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\nabc");
       }},
      {"peer not reading",
       [](Runtime& rt) {
         const std::string get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
         std::copy(get.begin(), get.end(), rt.conn.read_buffer().begin());
         rt.conn.commit_read(get.size(), rt.now);
         REQUIRE(rt.conn.next_write().kind == WriteOp::write);
         rt.conn.wrote(0, rt.now);  // the socket is full
       }},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    Runtime rt;
    c.setup(rt);
    const std::optional<Time> due = rt.conn.deadline();
    REQUIRE(due);
    // Just before: on_deadline changes nothing the adapter can see.
    rt.now = *due - 1ns;
    rt.conn.on_deadline(rt.now);
    CHECK(rt.conn.deadline() == due);
    CHECK(rt.conn.next_read() != ReadOp::close);
    // At the deadline the connection acts: the deadline moves or goes.
    rt.now = *due;
    rt.conn.on_deadline(rt.now);
    CHECK(rt.conn.deadline() != due);
  }
}
