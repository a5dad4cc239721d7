// What the peer reads in an automatic error response, what the embedder
// learns, and 100-continue against a declared length past the limit.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

TEST_CASE("an automatic error response names the problem in the peer's terms, never a setting or llhttp's state") {
  Config small = plain_config();
  small.max_header_bytes = 32;
  small.max_body_bytes = 4;
  small.max_request_line_bytes = 16;
  struct Case {
    std::string input;
    std::string says;
  };
  for (const Case& c : {Case{"GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(64, 'v') + "\r\n\r\n",
                             "request header fields too large"},
                        Case{"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello", "request body too large"},
                        Case{"GET /" + std::string(64, 'a') + " HTTP/1.1\r\n\r\n", "request line too long"},
                        Case{"GET / HTTP/1.1\r\nHost: h\r\nX: a\nY: b\r\n\r\n", "bare LF"},
                        Case{"GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n", "invalid character in a header field"}}) {
    INFO(c.input.substr(0, 60));
    Runtime rt(small);
    rt.feed(c.input);
    const std::string out = rt.take_output();
    INFO(out);
    CHECK(out.find(c.says) != std::string::npos);
    CHECK(out.find("Config") == std::string::npos);
    CHECK(out.find("max_") == std::string::npos);
    CHECK(out.find("Invalid header value char") == std::string::npos);
    CHECK(out.find("Invalid header token") == std::string::npos);
  }
}

TEST_CASE("the embedder learns the precise error of a refused request, with what arrived of it") {
  Config small = plain_config();
  small.max_header_count = 2;
  Runtime rt(small);
  rt.feed("GET /where?x HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n");
  REQUIRE(rt.app.refused.size() == 1);
  CHECK(rt.app.refused[0].error == Error::too_many_headers);
  CHECK(rt.app.refused[0].status == 431);
  CHECK(rt.app.refused[0].method == "GET");
  CHECK(rt.app.refused[0].target == "/where?x");
  CHECK(make_error_code(rt.app.refused[0].error).message().find("max_header_count") != std::string::npos);

  // A refusal the application saw begin comes through on_exchange_end.
  Runtime limited([] {
    Config c = plain_config();
    c.max_body_bytes = 1;
    return c;
  }());
  limited.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab");
  CHECK(limited.app.refused.empty());
  REQUIRE(limited.app.seen.size() == 1);
  CHECK(limited.app.seen[0].end_error == Error::body_too_large);
}

TEST_CASE("RFC 9110 10.1.1 - Expect 100-continue with a Content-Length past the limit is 413 at once, with no 100 first") {
  Config small = plain_config();
  small.max_body_bytes = 10;
  const std::string input = "PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n";
  // Whether the handler asks for the body in on_request or not, and whether
  // it lowers the limit after asking.
  for (int variant = 0; variant < 3; ++variant) {
    INFO(variant);
    Runtime rt(small);
    rt.app.request_fn = [variant](Exchange& e) {
      if (variant == 2) CHECK_FALSE(e.set_max_body_bytes(100));
      if (variant >= 1) CHECK_FALSE(e.read_body());
      if (variant == 2) CHECK_FALSE(e.set_max_body_bytes(10));
    };
    rt.feed(input);
    const std::string out = rt.take_output();
    INFO(out);
    CHECK(out.starts_with("HTTP/1.1 413 Content Too Large\r\n"));
    CHECK(out.find("100 Continue") == std::string::npos);
    CHECK(rt.write_closed);
  }
  // Within the limit, read_body() from on_request still sends 100 first.
  Runtime ok(small);
  ok.feed("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  CHECK(ok.take_output() == "HTTP/1.1 100 Continue\r\n\r\n");
  ok.feed("abc");
  CHECK(ok.take_output() == ok_response("PUT / abc"));
}

TEST_CASE("the adapter's connection data reaches the application, refused requests included") {
  int peer = 42;
  Runtime rt;
  rt.conn.set_user_data(&peer);
  void* seen = nullptr;
  rt.app.request_fn = [&](Exchange& e) {
    seen = e.connection_user_data();
    CHECK_FALSE(e.respond(200, {}, ""));
  };
  rt.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(seen == &peer);

  struct Refusals : TestApp {
    void* data = nullptr;
    void on_request_refused(const RefusedRequest& r) noexcept override { data = r.connection_user_data; }
  } app;
  Config config = plain_config();
  ServerConnection conn(config, app, Time{});
  conn.set_user_data(&peer);
  const std::string_view bad = "GET / HTTP/1.1\r\n\r\n";
  std::copy(bad.begin(), bad.end(), conn.read_buffer().data());
  conn.commit_read(bad.size(), Time{});
  CHECK(app.data == &peer);
}

TEST_CASE("the application shapes an automatic error response - status, framing and close stay the connection's") {
  static constexpr Header json[] = {{"Content-Type", "application/problem+json"}};
  std::vector<Error> told;
  auto shape = [&](const RefusedRequest& r, ErrorResponse& response) {
    told.push_back(r.error);
    CHECK(r.status == 431);
    CHECK(response.body.find("431") != std::string_view::npos);  // the default, to keep or replace
    response.headers = json;
    response.body = R"({"status":431,"title":"fields too large"})";
  };
  Config c = plain_config();
  c.max_header_count = 1;
  Runtime limited(c);
  limited.app.error_response_fn = shape;
  limited.feed("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\n\r\n");
  CHECK(limited.take_output() ==
        "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/problem+json\r\n"
        "Content-Length: 41\r\nConnection: close\r\n\r\n"
        R"({"status":431,"title":"fields too large"})");
  CHECK(limited.write_closed);
  CHECK(told == std::vector<Error>{Error::too_many_headers});
}

TEST_CASE("an error response for a request the application saw is shaped too") {
  Runtime rt;
  rt.app.request_fn = [](Exchange& e) {
    CHECK_FALSE(e.set_max_body_bytes(2));
    CHECK_FALSE(e.read_body());
  };
  rt.app.error_response_fn = [](const RefusedRequest& r, ErrorResponse& response) {
    CHECK(r.error == Error::body_too_large);
    CHECK(r.method == "POST");
    CHECK(r.target == "/up");
    response.body = "too big";
  };
  rt.feed("POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  CHECK(rt.take_output() ==
        "HTTP/1.1 413 Content Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 7\r\nConnection: close\r\n\r\ntoo big");
}

TEST_CASE("headers that would frame the error response or decide the connection are not the application's") {
  for (Header bad : {Header{"Content-Length", "1"}, Header{"Transfer-Encoding", "chunked"},
                     Header{"Connection", "keep-alive"}, Header{"Upgrade", "x"}, Header{"Bad Name", "v"}}) {
    INFO(bad.name);
    Runtime rt;
    rt.app.error_response_fn = [&](const RefusedRequest&, ErrorResponse& response) {
      response.headers = Headers(&bad, 1);
      response.body = "mine";
    };
    rt.feed("GET / HTTP/1.1\r\n\r\n");  // no Host: 400
    const std::string out = rt.take_output();
    CHECK(out.starts_with("HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"));
    CHECK(out.find("mine") == std::string::npos);
    CHECK(out.find("\r\nConnection: close\r\n") != std::string::npos);
  }
}
