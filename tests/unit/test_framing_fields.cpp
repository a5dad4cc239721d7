// Framing fields and the request line as RFC 9112 has them: every
// Transfer-Encoding is judged whatever llhttp made of it, whitespace around
// values is SP or HTAB, and a request line has a version.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

namespace {
const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n";
const std::string cl_smuggled = "Content-Length: " + std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled;
}  // namespace

TEST_CASE("RFC 9112 6.1 - a Transfer-Encoding with no coding beside Content-Length is 400, never framed by the length") {
  for (const char* te : {"Transfer-Encoding: \r\n", "Transfer-Encoding: ,\r\n", "Transfer-Encoding: , \t,\r\n",
                         "Transfer-Encoding:\r\n"}) {
    INFO(te);
    const std::string input = "POST / HTTP/1.1\r\nHost: h\r\n" + std::string(te) + cl_smuggled;
    expect_rejected(input, 400, "Transfer-Encoding");
    for_each_split(input, [&](Runtime& rt, Feeding how) {
      rt.feed(input, how);
      CHECK(rt.app.seen.empty());  // neither the request nor the one in its body ran
      REQUIRE(rt.app.refused.size() == 1);
      const Error e = rt.app.refused[0].error;
      CHECK((e == Error::invalid_transfer_encoding || e == Error::conflicting_framing));
    });
  }
}

TEST_CASE("RFC 9112 6.1 - a Transfer-Encoding with no coding is 400 on its own, too") {
  expect_refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n", Error::invalid_transfer_encoding);
  expect_refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,,\r\n\r\n", Error::invalid_transfer_encoding);
  // An empty field beside a real one changes nothing: the list is "chunked".
  Runtime rt;
  rt.feed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: \r\n\r\n"
          "3\r\nabc\r\n0\r\n\r\n");
  CHECK(rt.take_output() == ok_response("POST / abc"));
}

TEST_CASE("RFC 9112 6.1 - Transfer-Encoding in an HTTP/1.0 request is faulty framing (400)") {
  expect_refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Error::invalid_transfer_encoding);
  expect_refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n" + cl_smuggled, Error::conflicting_framing);
}

TEST_CASE("RFC 9112 6.1 - chunked applied twice is 400") {
  expect_refused("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                 Error::invalid_transfer_encoding);
}

TEST_CASE("RFC 9112 5.1 and RFC 9110 5.6.3 - whitespace around Content-Length and Transfer-Encoding values is SP or HTAB") {
  for (const char* cl : {"Content-Length:\t5\t\r\n", "Content-Length: 5 \t \r\n", "Content-Length:\t 5\t\r\n"}) {
    const std::string input = "POST / HTTP/1.1\r\nHost: h\r\n" + std::string(cl) + "\r\nhello";
    INFO(cl);
    for_each_split(input, [&](Runtime& rt, Feeding how) {
      CHECK(rt.feed(input, how) == input.size());
      CHECK(rt.take_output() == ok_response("POST / hello"));
      REQUIRE(rt.app.seen.size() == 1);
      CHECK(rt.app.seen[0].headers.at(1).second == "5");
    });
  }
  for (const char* te : {"Transfer-Encoding: chunked \t\r\n", "Transfer-Encoding:\tchunked\t\r\n"}) {
    const std::string input = "POST / HTTP/1.1\r\nHost: h\r\n" + std::string(te) + "\r\n5\r\nhello\r\n0\r\n\r\n";
    INFO(te);
    for_each_split(input, [&](Runtime& rt, Feeding how) {
      rt.feed(input, how);
      CHECK(rt.take_output() == ok_response("POST / hello"));
    });
  }
  // A request pipelined behind one whose head was parsed again still runs.
  Runtime rt;
  rt.feed("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 2\t\r\n\r\nxyGET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(rt.take_output() == ok_response("POST /a xy") + ok_response("GET /b "));
  // An HTAB inside a value is still refused where llhttp refuses it.
  expect_rejected("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\t2\r\n\r\n", 400, "Content-Length");
}

TEST_CASE("RFC 9112 3 - a request line without an HTTP version is 400 at once") {
  for (const char* line : {"GET /path\r\n", "GET /path\r\n\r\n", "GET /path\r\nHost: h\r\n\r\n"}) {
    INFO(line);
    Runtime rt;
    rt.feed(line);
    const std::string out = rt.take_output();
    CHECK(out.starts_with("HTTP/1.1 400 Bad Request\r\n"));
    CHECK(out.find("request line without an HTTP version") != std::string::npos);
    CHECK(rt.write_closed);
    REQUIRE(rt.app.refused.size() == 1);
    CHECK(rt.app.refused[0].error == Error::bad_request);
    CHECK(rt.app.refused[0].method == "GET");
    CHECK(rt.app.refused[0].target == "/path");
  }
  expect_rejected("GET /path\r\n", 400, "without an HTTP version");
}

TEST_CASE("RFC 9110 5.4 - a request with 100 ordinary fields and the usual ones passes the default limits") {
  std::string input = "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test/1.0\r\nAccept: */*\r\n"
                      "Accept-Encoding: gzip\r\nAccept-Language: en\r\nConnection: keep-alive\r\n"
                      "Cookie: a=b\r\nReferer: http://example.com/\r\n";
  for (int i = 0; i < 100; ++i) input += "X-Field-" + std::to_string(i) + ": value " + std::to_string(i) + "\r\n";
  input += "\r\n";
  Runtime rt{Config{}};
  rt.feed(input);
  REQUIRE(rt.app.seen.size() == 1);
  CHECK(rt.app.seen[0].headers.size() == 108);
  CHECK(rt.take_output().starts_with("HTTP/1.1 200 OK\r\n"));
}
