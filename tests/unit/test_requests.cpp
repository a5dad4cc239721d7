// Request heads: what the application sees, however the bytes arrive.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

TEST_CASE("a request head reaches the app whole, however it is split across reads") {
  const std::string input =
      "GET /path?q=1 HTTP/1.1\r\n"
      "Host: example.com\r\n"
      "X-Long-Name-For-A-Header: a value with spaces   \r\n"
      "Accept:*/*\r\n"
      "\r\n";
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    CHECK(rt.feed(input, how) == input.size());
    REQUIRE(rt.app.seen.size() == 1);
    const Seen& s = rt.app.seen[0];
    CHECK(s.method == "GET");
    CHECK(s.target == "/path?q=1");
    REQUIRE(s.headers.size() == 3);
    CHECK(s.headers[0] == std::pair<std::string, std::string>{"Host", "example.com"});
    // RFC 9110 §5.5: surrounding whitespace is not part of the value.
    CHECK(s.headers[1].second == "a value with spaces");
    CHECK(s.headers[2] == std::pair<std::string, std::string>{"Accept", "*/*"});
    CHECK(rt.take_output() == ok_response("GET /path?q=1 "));
    CHECK_FALSE(rt.read_closed);
  });
}

TEST_CASE("header lookup is case-insensitive and keeps the order received") {
  Runtime rt;
  rt.app.request_fn = [](Exchange& ex) {
    const Request& r = ex.request();
    CHECK(r.header("HOST") == std::optional<std::string_view>("h"));
    CHECK(r.header("x-a") == std::optional<std::string_view>("1"));
    CHECK_FALSE(r.header("missing"));
    REQUIRE(r.headers.size() == 3);
    CHECK(r.headers[1].name == "X-A");
    CHECK(r.headers[2].name == "x-a");
    CHECK(r.headers[2].value == "2");
    CHECK_FALSE(ex.respond(204, {}));
  };
  rt.feed("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nx-a: 2\r\n\r\n");
  CHECK(rt.take_output() == "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST_CASE("views into a request head stay valid until the exchange ends") {
  Runtime rt;
  std::string_view target, host;
  Exchange held;
  rt.app.request_fn = [&](Exchange& ex) {
    if (held.ended()) {
      held = ex;
      target = ex.request().target;
      host = *ex.request().header("host");
    } else {
      CHECK_FALSE(ex.respond(200, {}, "second"));
    }
  };
  // A second pipelined request is parsed while the first is still open.
  rt.feed("GET /first HTTP/1.1\r\nHost: one\r\n\r\nGET /second HTTP/1.1\r\nHost: two\r\n\r\n");
  CHECK(rt.output.empty());
  CHECK(target == "/first");
  CHECK(host == "one");
  CHECK_FALSE(held.respond(200, {}, "first"));
  rt.pump();
  CHECK(rt.take_output() ==
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst"
        "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
}

TEST_CASE("Date and Server are added when configured and not set by the app") {
  HttpDate date;
  date.set(784111777);
  Config c;
  c.date = &date;
  c.server_name = "wirestate-test";
  Runtime rt(c);
  rt.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(rt.take_output() ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: wirestate-test\r\n"
        "Content-Length: 6\r\n\r\nGET / ");

  rt.app.request_fn = [](Exchange& ex) { CHECK_FALSE(ex.respond(200, {{"Server", "app"}}, "")); };
  rt.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(rt.take_output() ==
        "HTTP/1.1 200 OK\r\nServer: app\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
        "Content-Length: 0\r\n\r\n");

  // Names match in any case; a name of the same length and first letter
  // that is another name does not.
  rt.app.request_fn = [](Exchange& ex) { CHECK_FALSE(ex.respond(200, {{"date", "d"}, {"SERVER", "s"}}, "")); };
  rt.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\ndate: d\r\nSERVER: s\r\nContent-Length: 0\r\n\r\n");
  rt.app.request_fn = [](Exchange& ex) { CHECK_FALSE(ex.respond(200, {{"Data", "d"}, {"Sender", "s"}}, "")); };
  rt.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(rt.take_output() ==
        "HTTP/1.1 200 OK\r\nData: d\r\nSender: s\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
        "Server: wirestate-test\r\nContent-Length: 0\r\n\r\n");
}
