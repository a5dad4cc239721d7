// HEAD, bodiless statuses, 1xx, Expect: 100-continue, OPTIONS *, absolute-form.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

TEST_CASE("HEAD gets the headers a GET would, and no body") {
  Runtime rt;
  rt.feed("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(rt.take_output() ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\n" +
            ok_response("GET /y "));

  Runtime streamed;
  streamed.app.request_fn = [](Exchange& e) {
    CHECK_FALSE(e.respond_streaming(200, {}));
    CHECK(e.write("ignored for HEAD"));
    CHECK_FALSE(e.end());
  };
  streamed.feed("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(streamed.take_output() == "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  CHECK_FALSE(streamed.write_closed);
}

TEST_CASE("204 and 304 carry no body and no framing added by the connection") {
  Runtime rt;
  rt.app.request_fn = [](Exchange& e) {
    if (e.request().target == "/204") {
      CHECK_FALSE(e.respond(204, {}));
    } else {
      REQUIRE_FALSE(e.respond_streaming(304, {{"ETag", "\"x\""}}));
      CHECK(e.write("x").error == Error::body_not_allowed);
      CHECK_FALSE(e.end());
    }
  };
  rt.feed("GET /204 HTTP/1.1\r\nHost: h\r\n\r\nGET /304 HTTP/1.1\r\nHost: h\r\n\r\n");
  // Found by fuzz_server: Content-Length on a 204 is refused (RFC 9110 §8.6).
  Runtime refused;
  refused.app.request_fn = [](Exchange& e) {
    CHECK(e.respond_streaming(204, {{"Content-Length", "137"}}) == Error::invalid_header);
    CHECK_FALSE(e.respond_streaming(204, {}));
    CHECK_FALSE(e.end());
  };
  refused.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(refused.take_output() == "HTTP/1.1 204 No Content\r\n\r\n");
  CHECK(rt.take_output() ==
        "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n");
  CHECK_FALSE(rt.write_closed);
}

TEST_CASE("interim responses go out before the final one") {
  Runtime rt;
  rt.app.request_fn = [](Exchange& e) {
    const Header hints[] = {{"Link", "</style.css>; rel=preload"}};
    CHECK_FALSE(e.send_informational(103, hints));
    CHECK(e.send_informational(200, {}) == Error::invalid_status);
    CHECK_FALSE(e.respond(200, {}, "page"));
    CHECK(e.send_informational(103, {}) == Error::response_already_started);
  };
  rt.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(rt.take_output() ==
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npage");
}

TEST_CASE("Expect: 100-continue sends 100 when the app starts reading the body") {
  const std::string head =
      "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n";
  Runtime rt;
  Exchange ex;
  rt.app.request_fn = [&](Exchange& e) { ex = e; };
  rt.feed(head);
  CHECK(rt.app.seen[0].expects_continue);
  CHECK(rt.output.empty());  // nothing until the app asks
  CHECK_FALSE(ex.read_body());
  rt.pump();
  CHECK(rt.take_output() == "HTTP/1.1 100 Continue\r\n\r\n");
  rt.feed("data");
  CHECK(rt.app.seen[0].body == "data");
  CHECK(rt.take_output() == ok_response("PUT /f data"));
  CHECK_FALSE(rt.write_closed);
}

TEST_CASE("Expect: 100-continue answered with a final status sends no 100 and closes") {
  Runtime rt;
  rt.app.request_fn = [](Exchange& e) { CHECK_FALSE(e.respond(413, {}, "too big")); };
  rt.feed("PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4000\r\n\r\n");
  CHECK(rt.take_output() ==
        "HTTP/1.1 413 Content Too Large\r\nContent-Length: 7\r\nConnection: close\r\n\r\ntoo big");
  CHECK(rt.write_closed);
}

TEST_CASE("OPTIONS * and absolute-form targets reach the app as sent") {
  const std::string input =
      "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"
      "GET http://example.com:8080/a?b HTTP/1.1\r\nHost: example.com:8080\r\n\r\n";
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    rt.feed(input, how);
    REQUIRE(rt.app.seen.size() == 2);
    CHECK(rt.app.seen[0].method == "OPTIONS");
    CHECK(rt.app.seen[0].target == "*");
    CHECK(rt.app.seen[1].target == "http://example.com:8080/a?b");
  });
}
