// Host and the four forms of request target (RFC 9112 §3.2, RFC 9110 §7.2).
#include <catch2/catch.hpp>

#include "client_runtime.hpp"
#include "wire/request_target.hpp"
#include "runtime.hpp"

using namespace wstest;
using wirestate::detail::split_target;
using wirestate::detail::TargetParts;
using wirestate::detail::valid_host;

TEST_CASE("RFC 9110 7.2 - Host is uri-host with an optional port") {
  for (const char* ok : {"example.com", "example.com:8080", "EXAMPLE.com:", "127.0.0.1", "127.0.0.1:80",
                         "[::1]", "[::1]:8080", "[::]", "[1:2:3:4:5:6:7:8]", "[1::8]", "[::ffff:10.0.0.1]",
                         "[v1.fe:x]", "xn--bcher-kva.example", "a%41b", "a_b~c", ""}) {
    INFO(ok);
    CHECK(valid_host(ok));
  }
  for (const char* bad : {"a b", "a\tb", " a", "a, b", "a,b", "user@host", "u:p@host", "host/path", "host:8x",
                          "host:-1", "host:80:90", "[host]", "[::1", "::1", "[1::2::3]", "[1:2:3:4:5:6:7:8:9]",
                          "[1:2:3:4:5:6:7]", "[::ffff:1.2.3.256]", "[::1.2.3]", "[fe80::1%25eth0]", "[::1]x",
                          "[::1]:x", "host?", "host#", "a%4", "a%zz", ":80", "[vz.a]"}) {
    INFO(bad);
    CHECK_FALSE(valid_host(bad));
  }
}

TEST_CASE("RFC 9112 3.2 - a Host that is not uri-host with an optional port is 400") {
  for (const char* bad : {"a b", "a, b", "user@host", "host/path", "host:8x", "[host]", "[::1]x"}) {
    INFO(bad);
    expect_refused("GET / HTTP/1.1\r\nHost: " + std::string(bad) + "\r\n\r\n", Error::invalid_host);
  }
  Runtime rt;
  rt.feed("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n");
  CHECK(rt.take_output() == ok_response("GET / "));
  REQUIRE(rt.app.seen.size() == 1);
  CHECK(rt.app.seen[0].authority == "[::1]:8080");
  CHECK(rt.app.seen[0].path == "/");
}

TEST_CASE("RFC 9112 3.2.1 - origin-form exposes the path and the query apart") {
  Runtime rt;
  rt.feed("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: h:81\r\n\r\nGET /c? HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(rt.app.seen.size() == 2);
  CHECK(rt.app.seen[0].path == "/a/b");
  CHECK(rt.app.seen[0].query == "x=1&y=2");
  CHECK(rt.app.seen[0].authority == "h:81");
  CHECK(rt.app.seen[1].path == "/c");
  CHECK(rt.app.seen[1].query.empty());
}

TEST_CASE("RFC 9112 3.2.2 - an absolute-form target is served by its path, its authority replacing Host") {
  Runtime rt;
  rt.feed("GET http://example.com:8080/a/b?q=1 HTTP/1.1\r\nHost: other\r\n\r\n"
          "GET HTTP://example.org HTTP/1.1\r\nHost: example.org\r\n\r\n"
          "GET https://[::1]?k HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(rt.app.seen.size() == 3);
  CHECK(rt.app.seen[0].path == "/a/b");
  CHECK(rt.app.seen[0].query == "q=1");
  CHECK(rt.app.seen[0].authority == "example.com:8080");
  CHECK(rt.app.seen[0].target == "http://example.com:8080/a/b?q=1");
  // An empty path is "/" (RFC 9112 §3.2.1).
  CHECK(rt.app.seen[1].path == "/");
  CHECK(rt.app.seen[1].authority == "example.org");
  CHECK(rt.app.seen[2].path == "/");
  CHECK(rt.app.seen[2].query == "k");
  CHECK(rt.app.seen[2].authority == "[::1]");
}

TEST_CASE("RFC 9110 4.2 - absolute-form with userinfo, an empty or bad authority, or no authority is 400") {
  for (const char* target : {"http://user@h/", "http://u:p@h/", "http:///x", "http://h:x/", "http://a b/",
                             "urn:isbn:123", "http:/x", "1http://h/"}) {
    INFO(target);
    expect_rejected("GET " + std::string(target) + " HTTP/1.1\r\nHost: h\r\n\r\n", 400, "");
    Runtime rt;
    rt.feed("GET " + std::string(target) + " HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(rt.app.seen.empty());
    REQUIRE(rt.app.refused.size() == 1);
    CHECK(rt.app.refused[0].error == Error::bad_request);
  }
}

TEST_CASE("RFC 9112 3.2 - a target with a fragment is 400") {
  expect_rejected("GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "fragment");
}

TEST_CASE("RFC 9112 3 and RFC 3986 2 - a target holding a character URIs exclude is 400 naming the target") {
  for (std::string_view bad : {"/a\\b", "/a|b", "/a{b}", "/a\"b", "/a<b>", "/a^b", "/a`b", "/a\x80" "b",
                               "/q?x={y}", "/q?x=a|b", "http://h/a<b", "http://h?x=\"y\""}) {
    INFO(bad);
    expect_rejected("GET " + std::string(bad) + " HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request target");
  }
}

TEST_CASE("RFC 3986 2.1 - a malformed percent-encoding in the target is 400") {
  for (std::string_view bad : {"/a%zzb", "/a%", "/a%2", "/a%g1", "/q?x=%", "/q?x=%4", "http://h/%x0"}) {
    INFO(bad);
    expect_rejected("GET " + std::string(bad) + " HTTP/1.1\r\nHost: h\r\n\r\n", 400, "percent-encoding");
  }
}

TEST_CASE("RFC 3986 3.3 and 3.4 - every character a path and a query may hold is accepted") {
  const std::string target = "/a-._~!$&'()*+,;=:@%2F%aB/?q=/?:@!$&'()*+,;=%20";
  Runtime rt;
  rt.feed("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(rt.app.seen.size() == 1);
  CHECK(rt.app.seen[0].path == "/a-._~!$&'()*+,;=:@%2F%aB/");
  CHECK(rt.app.seen[0].query == "q=/?:@!$&'()*+,;=%20");
  Runtime absolute;
  absolute.feed("GET http://h:8080?x=%41 HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(absolute.app.seen.size() == 1);
  CHECK(absolute.app.seen[0].path == "/");
  CHECK(absolute.app.seen[0].query == "x=%41");
}

TEST_CASE("RFC 9110 9.3.6 - a CONNECT request with content is 400") {
  expect_rejected("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 5\r\n\r\nhello",
                  400, "CONNECT request with content");
  expect_rejected("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n0\r\n\r\n",
                  400, "CONNECT request with content");
}

TEST_CASE("RFC 9112 3.2.4 - the asterisk-form is for OPTIONS alone") {
  Runtime rt;
  rt.feed("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(rt.app.seen.size() == 1);
  CHECK(rt.app.seen[0].path == "*");
  for (const char* method : {"GET", "POST", "DELETE"})
    expect_rejected(std::string(method) + " * HTTP/1.1\r\nHost: h\r\n\r\n", 400, "asterisk-form");
}

TEST_CASE("RFC 9112 3.2.3 - CONNECT takes the authority-form, host and port, and nothing else") {
  Runtime rt;
  rt.app.request_fn = [](Exchange& e) { CHECK_FALSE(e.respond(403, {}, "")); };
  rt.feed("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
  REQUIRE(rt.app.seen.size() == 1);
  CHECK(rt.app.seen[0].authority == "example.com:443");
  CHECK(rt.app.seen[0].path.empty());
  for (const char* target : {"/x", "example.com", "example.com:", "http://example.com:443/", "u@example.com:443"})
    expect_rejected("CONNECT " + std::string(target) + " HTTP/1.1\r\nHost: h\r\n\r\n", 400, "CONNECT");
}

TEST_CASE("split_target names the form it found") {
  CHECK(split_target("GET", "/x").form == TargetParts::Form::origin);
  CHECK(split_target("GET", "http://h/x").form == TargetParts::Form::absolute);
  CHECK(split_target("CONNECT", "h:1").form == TargetParts::Form::authority);
  CHECK(split_target("OPTIONS", "*").form == TargetParts::Form::asterisk);
  CHECK(split_target("OPTIONS", "*").fault == nullptr);
  CHECK(split_target("GET", "*").fault != nullptr);
}

TEST_CASE("RFC 9110 7.2 - the client refuses to send a Host that is not uri-host with an optional port") {
  ClientRuntime rt;
  Recorder rec;
  for (const char* bad : {"a b", "a, b", "u@h", "h/p", "h:x"}) {
    INFO(bad);
    CHECK(rt.conn.send(rec, "GET", "/", {{"Host", bad}}).error == Error::invalid_header);
  }
  CHECK_FALSE(rt.conn.send(rec, "GET", "/", {{"Host", "[::1]:80"}}).error);
}
