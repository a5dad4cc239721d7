// Request bodies: Content-Length and chunked, pulled by the app.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

TEST_CASE("a Content-Length body is delivered by pull, whole, at every split") {
  const std::string input =
      "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world";
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    rt.feed(input, how);
    REQUIRE(rt.app.seen.size() == 1);
    CHECK(rt.app.seen[0].body == "hello world");
    CHECK(rt.app.seen[0].body_complete);
    CHECK(rt.take_output() == ok_response("POST /echo hello world"));
  });
}

TEST_CASE("a chunked body with extensions and trailers is decoded at every split") {
  const std::string input =
      "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\n"
      "Checksum: abc\r\nX-Other: 1\r\n\r\n";
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    rt.feed(input, how);
    REQUIRE(rt.app.seen.size() == 1);
    const Seen& s = rt.app.seen[0];
    CHECK(s.body == "hello 0123456789");
    CHECK(s.body_complete);
    REQUIRE(s.trailers.size() == 2);
    CHECK(s.trailers[0] == std::pair<std::string, std::string>{"Checksum", "abc"});
    CHECK(s.trailers[1] == std::pair<std::string, std::string>{"X-Other", "1"});
    CHECK(rt.take_output() == ok_response("POST /up hello 0123456789"));
  });
}

TEST_CASE("each read_body call yields exactly one delivery") {
  Runtime rt;
  int deliveries = 0;
  Exchange ex;
  rt.app.request_fn = [&](Exchange& e) { ex = e; };
  rt.app.body_fn = [&](Exchange&, std::string_view) { ++deliveries; };
  rt.app.body_end_fn = [&](Exchange& e) { CHECK_FALSE(e.respond(200, {}, "done")); };
  rt.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\nab");
  CHECK(deliveries == 0);  // nothing was asked for
  CHECK_FALSE(ex.read_body());
  rt.pump();
  CHECK(deliveries == 1);
  CHECK(rt.app.seen[0].body == "ab");
  rt.feed("cd");
  rt.feed("ef");
  CHECK(deliveries == 1);  // arrived, but not asked for
  CHECK_FALSE(ex.read_body());
  rt.pump();
  CHECK(deliveries == 2);
  CHECK(rt.app.seen[0].body == "abcd");
  CHECK_FALSE(ex.read_body());
  rt.pump();
  CHECK(rt.app.seen[0].body == "abcdef");
  CHECK_FALSE(rt.app.seen[0].body_complete);
  CHECK_FALSE(ex.read_body());
  rt.pump();
  CHECK(rt.app.seen[0].body_complete);
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone");
}

TEST_CASE("a body read outside an adapter call wakes the adapter, and is delivered on its next call") {
  CountingWaker waker;
  Runtime rt;
  rt.conn.set_waker(&waker);
  Exchange ex;
  bool in_callback = false;
  rt.app.request_fn = [&](Exchange& e) { ex = e; };
  rt.app.body_fn = [&](Exchange&, std::string_view) { in_callback = true; };
  rt.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab");
  CHECK_FALSE(ex.read_body());  // the app calls from its own context
  CHECK_FALSE(in_callback);  // never re-entered from inside the app's call
  CHECK(waker.wakes == 1);
  rt.pump();
  CHECK(in_callback);
}
