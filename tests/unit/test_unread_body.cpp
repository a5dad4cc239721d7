// Config::unread_body: a request body the app did not read when its response
// ended is drained (within max_drain_bytes and drain_timeout) so the
// connection carries the next request, or the connection closes.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

namespace {

// Answers /refuse at once without reading; everything else as TestApp does.
Runtime& refusing(Runtime& rt) {
  rt.app.request_fn = [](Exchange& e) {
    if (e.request().target == "/refuse") CHECK_FALSE(e.respond(403, {}, "no"));
    else TestApp::respond_default(e);
  };
  return rt;
}

const std::string refused_403 = "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno";
const std::string next_200 = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\nGET /b ";

}  // namespace

TEST_CASE("an unread Content-Length body is drained and the next request answered, at every split") {
  const std::string input =
      "POST /refuse HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789"
      "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  for (std::size_t chunk : {std::size_t(1), std::size_t(7), input.size()}) {
    INFO("reads of " << chunk);
    Runtime rt;
    refusing(rt).feed(input, chunk);
    CHECK(rt.take_output() == refused_403 + next_200);
    REQUIRE(rt.app.seen.size() == 2);
    CHECK(rt.app.seen[0].body.empty());  // the app never saw the drained bytes
    CHECK(rt.app.seen[0].ended);
    CHECK_FALSE(rt.app.seen[0].end_error);
    CHECK_FALSE(rt.write_closed);
  }
}

TEST_CASE("an unread chunked body with trailers is drained, at every split") {
  const std::string input =
      "POST /refuse HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n"
      "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  for (std::size_t chunk = 1; chunk <= input.size(); chunk += 13) {
    INFO("reads of " << chunk);
    Runtime rt;
    refusing(rt).feed(input, chunk);
    CHECK(rt.take_output() == refused_403 + next_200);
    CHECK_FALSE(rt.write_closed);
  }
}

TEST_CASE("a declared body longer than max_drain_bytes closes at once") {
  Config config = plain_config();
  config.max_drain_bytes = 8;
  Runtime rt(config);
  refusing(rt).feed("POST /refuse HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n");
  CHECK(rt.take_output() == "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno");
  CHECK(rt.write_closed);
}

TEST_CASE("a chunked body that drains past max_drain_bytes closes, at every split") {
  Config config = plain_config();
  config.max_drain_bytes = 8;
  const std::string input =
      "POST /refuse HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  for (std::size_t chunk : {std::size_t(1), std::size_t(5), input.size()}) {
    INFO("reads of " << chunk);
    Runtime rt(config);
    refusing(rt).feed(input, chunk);
    // The response was made while draining still looked possible: it could
    // not announce the close, which follows it.
    CHECK(rt.take_output() == refused_403);
    CHECK(rt.write_closed);
    CHECK(rt.app.seen.size() == 1);
  }
}

TEST_CASE("a body that stalls while draining closes after drain_timeout") {
  Config config = plain_config();
  config.drain_timeout = 2s;
  config.body_timeout = 60s;
  Runtime rt(config);
  refusing(rt).feed("POST /refuse HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123");
  CHECK(rt.take_output() == refused_403);
  CHECK_FALSE(rt.write_closed);
  REQUIRE(rt.conn.deadline());
  CHECK(*rt.conn.deadline() <= rt.now + 2s);
  rt.advance(2s);
  CHECK(rt.write_closed);
  CHECK(rt.app.seen.at(0).ended);
}

TEST_CASE("Expect: 100-continue without a 100 sent is never drained") {
  Runtime rt;
  refusing(rt).feed("POST /refuse HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n");
  CHECK(rt.take_output() == "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno");
  CHECK(rt.write_closed);
}

TEST_CASE("a streamed response that ends before the body was read drains it too") {
  Runtime rt;
  rt.app.request_fn = [](Exchange& e) {
    if (e.request().target != "/refuse") return TestApp::respond_default(e);
    CHECK_FALSE(e.respond_streaming(200, {}));
    CHECK(e.write("part"));
    CHECK_FALSE(e.end());
  };
  rt.feed("POST /refuse HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcdGET /b HTTP/1.1\r\nHost: h\r\n\r\n", 3);
  CHECK(rt.take_output() ==
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npart\r\n0\r\n\r\n" + next_200);
  CHECK_FALSE(rt.write_closed);
}
