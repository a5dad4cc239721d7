// Limits, malformed input and request smuggling vectors: each gets its status,
// a body saying what was wrong, Connection: close, and nothing after it.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

namespace {

Config small_limits() {
  Config c = plain_config();
  c.max_request_line_bytes = 64;
  c.max_header_bytes = 128;
  c.max_header_count = 4;
  c.max_body_bytes = 10;
  return c;
}

}  // namespace

TEST_CASE("a request line past the limit is 414") {
  expect_rejected("GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", 414,
                  "request line too long", small_limits);
}

TEST_CASE("header bytes or count past the limit is 431") {
  expect_rejected("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(200, 'v') + "\r\n\r\n", 431,
                  "request header fields too large", small_limits);
  expect_rejected("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431,
                  "too many request header fields", small_limits);
}

TEST_CASE("a body past the limit is 413, declared or discovered while chunked") {
  expect_rejected("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", 413, "request body too large",
                  small_limits);
  expect_rejected(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n",
      413, "request body too large", small_limits);
}

TEST_CASE("the handler can raise the body limit for one request") {
  Runtime rt(small_limits());
  rt.app.request_fn = [](Exchange& e) {
    CHECK_FALSE(e.set_max_body_bytes(100));
    CHECK_FALSE(e.read_body());
  };
  rt.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 50\r\n\r\n" + std::string(50, 'x'));
  CHECK(rt.app.seen[0].body == std::string(50, 'x'));
  CHECK(rt.take_output() == ok_response("POST / " + std::string(50, 'x')));
}

TEST_CASE("malformed requests are 400") {
  expect_rejected("GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n", 400, "malformed");
  expect_rejected("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01" "b\r\n\r\n", 400, "malformed");
  expect_rejected("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "malformed");
  expect_rejected("GET / HTTP/1.1\r\n\r\n", 400, "Host");
  expect_rejected("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Host");
}

TEST_CASE("a bare LF inside a chunked body is body, not a line end") {
  const std::string input =
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\na\nb\r\n2\r\n\n\n\r\n0\r\nX: 1\r\n\r\n";
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    rt.feed(input, how);
    CHECK(rt.take_output() == ok_response("POST / a\nb\n\n"));
    CHECK(rt.app.seen.at(0).trailers.size() == 1);
  });
}

TEST_CASE("smuggling vectors are rejected, never guessed at") {
  // Content-Length together with Transfer-Encoding.
  expect_rejected(
      "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      400, "Content-Length");
  expect_rejected(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
      400, "Content-Length");
  // Differing duplicate Content-Length.
  expect_rejected("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                  400, "Content-Length");
  expect_rejected("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\nabcd", 400,
                  "Content-Length");
  expect_rejected("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc", 400,
                  "Content-Length");
  // obs-fold.
  expect_rejected("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  folded\r\n\r\n", 400, "obs-fold");
  expect_rejected("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n\tfolded\r\n\r\n", 400, "obs-fold");
  // Bare CR, bare LF where CRLF is required.
  expect_rejected("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400, "malformed");
  expect_rejected("GET / HTTP/1.1\nHost: h\r\n\r\n", 400, "bare LF");
  expect_rejected("GET / HTTP/1.1\r\nHost: h\r\n\n", 400, "bare LF");
  expect_rejected("GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", 400, "malformed");
  // The same in a trailer section (RFC 9112 §7.1.2).
  const std::string chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n";
  expect_rejected(chunked + "0\r\nX: 1\n\r\n", 400, "bare LF");
  expect_rejected(chunked + "0\r\nX: 1\r\n\n", 400, "bare LF");
  expect_rejected(chunked + "0\r\n\n", 400, "bare LF");
  expect_rejected(chunked + "0\r\nX: 1\r\n folded\r\n\r\n", 400, "obs-fold");
  // Whitespace between a field name and its colon (RFC 9112 §5.1).
  expect_rejected("GET / HTTP/1.1\r\nHost: h\r\nContent-Length : 3\r\n\r\nabc", 400, "malformed");
  // Invalid chunk sizes.
  expect_rejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
                  "chunk");
  expect_rejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", 400,
                  "chunk");
  expect_rejected(
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 400,
      "chunk");
  expect_rejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
                  400, "chunk data not followed by CRLF");
  // Transfer-Encoding whose final coding is not chunked, or chunked twice.
  expect_rejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400,
                  "invalid Transfer-Encoding");
  expect_rejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400,
                  "chunk");
}

TEST_CASE("an unknown transfer coding or method is 501 - another major HTTP version is 505") {
  expect_rejected("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
                  "transfer coding");
  expect_rejected("BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n", 501, "method");
  expect_rejected("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "version");
  expect_rejected("GET / HTTP/3.1\r\nHost: h\r\n\r\n", 505, "version");
  expect_rejected("GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505, "version");
  // Not DIGIT "." DIGIT (RFC 9112 section 2.3): malformed, not another version.
  expect_rejected("GET / HTTP/1.x\r\nHost: h\r\n\r\n", 400, "invalid HTTP version");
  expect_rejected("GET / HTTP/11.1\r\nHost: h\r\n\r\n", 400, "invalid HTTP version");
  expect_rejected("GET / HTTP/1.10\r\nHost: h\r\n\r\n", 400, "invalid HTTP version");
}

TEST_CASE("an expectation other than 100-continue is 417") {
  expect_rejected("PUT / HTTP/1.1\r\nHost: h\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\nx", 417,
                  "100-continue");
}

TEST_CASE("an error after pipelined requests comes after their responses") {
  Runtime rt;
  rt.feed("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nBad Header: x\r\n\r\n");
  const std::string out = rt.take_output();
  CHECK(out.starts_with(ok_response("GET /1 ") + "HTTP/1.1 400 Bad Request\r\n"));
  CHECK(rt.write_closed);
}

TEST_CASE("an automatic error response to HEAD has no body") {
  Config config = plain_config();
  config.max_header_bytes = 16;
  const std::string input = "HEAD / HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(40, 'v') + "\r\n\r\n";
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    rt.feed(input, how);
    const std::string out = rt.take_output();
    CHECK(out.starts_with("HTTP/1.1 431 "));
    const auto cl_at = out.find("Content-Length: ");
    REQUIRE(cl_at != std::string::npos);
    CHECK(std::stoul(out.substr(cl_at + 16)) > 0);  // the length the body would have had
    CHECK(out.ends_with("\r\n\r\n"));                // and no body
    CHECK(rt.write_closed);
  }, [&] { return config; });
}

TEST_CASE("a head that never ends is refused once it passes what its limits allow") {
  // small_limits: 64 line bytes, 128 field bytes, 4 fields: the head as
  // received may take 64 + 128 + 4 * 4 + ReceivedHead::slack_bytes (256).
  expect_rejected("GET /" + std::string(600, 'a'), 414, "request line too long", small_limits);
  expect_rejected("GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(600, 'v'), 431, "request header fields too large",
                  small_limits);
  // Whitespace is not counted as field bytes, but it is received bytes.
  expect_rejected("GET / HTTP/1.1\r\nHost: h\r\nX:" + std::string(600, ' ') + "v\r\n\r\n", 431,
                  "request header fields too large", small_limits);
}

TEST_CASE("empty lines before a request line are skipped - each must end in CRLF") {
  for_each_split("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", [](Runtime& rt, Feeding how) {
    rt.feed("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", how);
    CHECK(rt.take_output() == ok_response("GET / "));
  });
  expect_rejected("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bare LF");
}

TEST_CASE("a request line of another protocol llhttp knows is 400") {
  expect_rejected("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", 400, "HTTP request line");
}
