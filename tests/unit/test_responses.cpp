// Whole and streamed responses: exact bytes and framing.
#include <catch2/catch.hpp>

#include <string>

#include "runtime.hpp"

using namespace wstest;

namespace {
const std::string get = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";
}

TEST_CASE("a streamed response without Content-Length is chunked") {
  Runtime rt;
  Exchange ex;
  rt.app.request_fn = [&](Exchange& e) {
    ex = e;
    REQUIRE_FALSE(e.respond_streaming(200, {{"Content-Type", "text/plain"}}));
  };
  rt.feed(get);
  CHECK(rt.take_output() ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
  CHECK(ex.write("hello"));
  CHECK(ex.write(""));  // an empty write must not end the body
  CHECK(ex.write(std::string(300, 'x')));
  rt.pump();
  CHECK(rt.take_output() == "5\r\nhello\r\n12c\r\n" + std::string(300, 'x') + "\r\n");
  const Header trailers[] = {{"Checksum", "42"}};
  CHECK_FALSE(ex.end(trailers));
  rt.pump();
  CHECK(rt.take_output() == "0\r\nChecksum: 42\r\n\r\n");
  CHECK(rt.app.seen[0].ended);
  CHECK_FALSE(rt.app.seen[0].end_error);
  CHECK_FALSE(rt.write_closed);
}

TEST_CASE("a streamed response with Content-Length is sent as is and cannot overrun") {
  Runtime rt;
  Exchange ex;
  rt.app.request_fn = [&](Exchange& e) {
    ex = e;
    REQUIRE_FALSE(e.respond_streaming(200, {{"Content-Length", "10"}}));
  };
  rt.feed(get);
  CHECK(ex.write("12345"));
  WriteResult over = ex.write("678901");
  CHECK(over.error == Error::body_overrun);
  CHECK(ex.write("67890"));
  CHECK_FALSE(ex.end());
  rt.pump();
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n1234567890");
  CHECK_FALSE(rt.write_closed);
}

TEST_CASE("ending short of the declared Content-Length is an error and closes the connection") {
  Runtime rt;
  std::error_code end_error;
  rt.app.request_fn = [&](Exchange& e) {
    CHECK_FALSE(e.respond_streaming(200, {{"Content-Length", "10"}}));
    CHECK(e.write("123"));
    end_error = e.end();
  };
  rt.feed(get);
  CHECK(end_error == Error::body_underrun);
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n123");
  CHECK(rt.write_closed);
}

TEST_CASE("a forbidden byte anywhere in a field name or value is refused") {
  // The checks look at several bytes a step: every position must count.
  Runtime rt;
  rt.app.request_fn = [&](Exchange& e) {
    for (std::size_t len = 1; len <= 11; ++len) {
      for (std::size_t at = 0; at < len; ++at) {
        std::string name(len, 'N'), value(len, 'v');
        name[at] = ' ';
        INFO("length " << len << ", bad byte at " << at);
        CHECK(e.respond(200, {{name, "v"}}) == Error::invalid_header);
        for (char bad : {'\r', '\n', '\0'}) {
          value[at] = bad;
          CHECK(e.respond(200, {{"X-Value", value}}) == Error::invalid_header);
        }
      }
    }
    CHECK_FALSE(e.respond(200, {{"X-Eleven-ok", "eleven-byte"}}, "fine"));
  };
  rt.feed(get);
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\nX-Eleven-ok: eleven-byte\r\nContent-Length: 4\r\n\r\nfine");
}

TEST_CASE("misuse of the response API is reported, never serialized") {
  Runtime rt;
  rt.app.request_fn = [&](Exchange& e) {
    CHECK(e.write("x").error == Error::response_not_started);
    CHECK(e.end() == Error::response_not_started);
    CHECK(e.respond(200, {{"Bad Name", "v"}}) == Error::invalid_header);
    CHECK(e.respond(200, {{"X", "a\r\nInjected: 1"}}) == Error::invalid_header);
    CHECK(e.respond(99, {}) == Error::invalid_status);
    CHECK(e.respond(101, {}) == Error::invalid_status);
    CHECK(e.respond(204, {}, "body") == Error::body_not_allowed);
    CHECK(e.respond(200, {{"Transfer-Encoding", "chunked"}}) == Error::invalid_header);
    CHECK_FALSE(e.respond(200, {}, "fine"));
    CHECK(e.respond(200, {}, "again") == Error::response_already_started);
    CHECK(e.write("x").error == Error::response_ended);
  };
  rt.feed(get);
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine");
}

TEST_CASE("short writes resume exactly where the socket stopped") {
  Runtime rt;
  rt.app.request_fn = [&](Exchange& e) { CHECK_FALSE(e.respond(200, {}, std::string(10000, 'z'))); };
  rt.max_write = 7;
  rt.feed(get);
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n" + std::string(10000, 'z'));
}

TEST_CASE("a head too big for an output block is written whole, in order") {
  // The head's bound passes a block's room, so it is gathered in a small
  // buffer that fills: the second long field must go out after the first
  // one, the body after both.
  Runtime rt;
  const std::string a(300, 'a'), b(300, 'b'), body(10000, 'z');
  rt.app.request_fn = [&](Exchange& e) { REQUIRE_FALSE(e.respond(200, {{"A", a}, {"B", b}}, body)); };
  rt.feed(get);
  CHECK(rt.take_output() ==
        "HTTP/1.1 200 OK\r\nA: " + a + "\r\nB: " + b + "\r\nContent-Length: 10000\r\n\r\n" + body);
}

TEST_CASE("fields and bodies of every short length are written byte for byte") {
  // Pieces of a head up to 16 bytes are moved in overlapping halves: every
  // length on both sides of each step (0, 1-3, 4-7, 8-16, past 16).
  for (std::size_t n = 0; n <= 40; ++n) {
    CAPTURE(n);
    std::string name = "N", value, body;
    for (std::size_t i = 0; i < n; ++i) {
      name += static_cast<char>('a' + i % 26);
      value += static_cast<char>('A' + i % 26);
      body += static_cast<char>('0' + i % 10);
    }
    Runtime rt;
    rt.app.request_fn = [&](Exchange& e) { REQUIRE_FALSE(e.respond(200, {{name, value}}, body)); };
    rt.feed(get);
    CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\n" + name + ": " + value + "\r\nContent-Length: " +
                                  std::to_string(n) + "\r\n\r\n" + body);
  }
}

TEST_CASE("the canned overload response is complete and says when to retry") {
  const std::string_view r = overload_response();
  CHECK(r.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
  CHECK(r.find("\r\nRetry-After: 5\r\n") != std::string_view::npos);
  CHECK(r.find("\r\nConnection: close\r\n") != std::string_view::npos);
  const auto body_at = r.find("\r\n\r\n") + 4;
  const auto cl_at = r.find("Content-Length: ") + 16;
  CHECK(std::stoul(std::string(r.substr(cl_at))) == r.size() - body_at);
}
