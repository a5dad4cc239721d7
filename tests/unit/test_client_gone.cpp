// The peer disappears: the app hears about it and everything is released.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

TEST_CASE("EOF in the middle of a body ends the exchange with peer_closed") {
  Runtime rt;
  rt.feed("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\npartial");
  CHECK(rt.app.seen[0].body == "partial");
  rt.eof();
  CHECK(rt.app.seen[0].ended);
  CHECK(rt.app.seen[0].end_error == Error::peer_closed);
  CHECK(rt.output.empty());
  CHECK(rt.conn.is_closed());
}

TEST_CASE("EOF in the middle of a head closes without a response") {
  Runtime rt;
  rt.feed("GET / HTTP/1.1\r\nHos");
  rt.eof();
  CHECK(rt.app.seen.empty());
  CHECK(rt.output.empty());
  CHECK(rt.conn.is_closed());
}

TEST_CASE("a failed write ends every pending exchange and releases borrowed buffers") {
  Runtime rt;
  static const std::string big(50000, 'B');
  int released = 0;
  std::vector<Exchange> held;
  rt.app.request_fn = [&](Exchange& e) {
    held.push_back(e);
    if (held.size() == 1) {
      CHECK_FALSE(e.respond_streaming(200, {}));
      CHECK(e.write_borrowed(big, {[](void* c) { ++*static_cast<int*>(c); }, &released}));
    }
  };
  std::span<char> buf = rt.conn.read_buffer();
  const std::string two = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
  std::copy(two.begin(), two.end(), buf.begin());
  rt.conn.commit_read(two.size(), rt.now);
  REQUIRE(rt.conn.next_write().kind == WriteOp::write);
  rt.conn.write_failed(rt.now);
  REQUIRE(rt.app.seen.size() == 2);
  CHECK(rt.app.seen[0].end_error == Error::write_failed);
  CHECK(rt.app.seen[1].end_error == Error::write_failed);
  CHECK(released == 1);
  CHECK(rt.conn.is_closed());
  CHECK(rt.conn.next_write().kind == WriteOp::close);
  CHECK(rt.conn.next_read() == ReadOp::close);
}

TEST_CASE("the app's calls after the exchange failed report the failure") {
  Runtime rt;
  Exchange ex;
  rt.app.request_fn = [&](Exchange& e) {
    ex = e;
    CHECK_FALSE(e.respond_streaming(200, {}));
  };
  rt.app.end_fn = [&](Exchange& e, std::error_code ec) {
    CHECK(ec == Error::peer_closed);
    CHECK(e.write("late").error == Error::peer_closed);
  };
  rt.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
  rt.eof();
  CHECK(rt.app.seen[0].ended);
}
