// Config::counters: what connections count (counters.hpp), and
// ServerConnection::activity(), which a loop's stub_status-like snapshot
// reads.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;
using Activity = ServerConnection::Activity;

namespace {
Config counted(Counters& counters) {
  Config c = plain_config();
  c.counters = &counters;
  return c;
}
}  // namespace

TEST_CASE("Counters count requests, responses by class and bytes both ways") {
  Counters counters;
  Runtime rt(counted(counters));
  rt.app.request_fn = [](Exchange& e) {
    const int status = e.request().path == "/missing" ? 404 : 200;
    CHECK_FALSE(e.respond(status, {}, "x"));
  };
  const std::string requests = "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /missing HTTP/1.1\r\nHost: h\r\n\r\n";
  rt.feed(requests);
  const std::string out = rt.take_output();
  CHECK(counters.requests == 2);
  CHECK(counters.responses[2] == 1);
  CHECK(counters.responses[4] == 1);
  CHECK(counters.responses[5] == 0);
  CHECK(counters.bytes_in == requests.size());
  CHECK(counters.bytes_out == out.size());
}

TEST_CASE("Counters count an interim response in its class") {
  Counters counters;
  Runtime rt(counted(counters));
  rt.app.request_fn = [](Exchange& e) {
    CHECK_FALSE(e.send_informational(103, {{"Link", "</s.css>; rel=preload"}}));
    CHECK_FALSE(e.respond(204, {}));
  };
  rt.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(counters.responses[1] == 1);
  CHECK(counters.responses[2] == 1);
}

TEST_CASE("Counters count each automatic error response by its Error, and in its class") {
  Counters counters;
  Config config = counted(counters);
  config.max_header_bytes = 64;
  Runtime rt(config);
  rt.feed("GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(100, 'a') + "\r\n\r\n");
  CHECK(rt.take_output().starts_with("HTTP/1.1 431 "));
  CHECK(counters.automatic_for(Error::header_too_large) == 1);
  CHECK(counters.responses[4] == 1);
  CHECK(counters.requests == 0);

  Runtime timed_out(counted(counters));
  timed_out.feed("GET / HTTP/1.1\r\n");
  timed_out.advance(timed_out.config.header_timeout);
  CHECK(timed_out.take_output().starts_with("HTTP/1.1 408 "));
  CHECK(counters.automatic_for(Error::header_timeout) == 1);
  CHECK(counters.responses[4] == 2);
}

TEST_CASE("Connections sharing a Config add to the same Counters") {
  Counters counters;
  Runtime a(counted(counters)), b(counted(counters));
  a.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  b.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(counters.requests == 2);
  CHECK(counters.responses[2] == 2);
}

TEST_CASE("Counters::status_class puts a status outside 100-599 in [0]") {
  STATIC_REQUIRE(Counters::status_class(99) == 0);
  STATIC_REQUIRE(Counters::status_class(100) == 1);
  STATIC_REQUIRE(Counters::status_class(599) == 5);
  STATIC_REQUIRE(Counters::status_class(600) == 0);
}

TEST_CASE("activity() is waiting between requests, reading within a head, writing within an exchange") {
  Runtime rt;
  CHECK(rt.conn.activity() == Activity::waiting);
  Exchange held;
  rt.app.request_fn = [&](Exchange& e) { held = e; };
  rt.feed("GET / HTTP/1.1\r\nHo");
  CHECK(rt.conn.activity() == Activity::reading);
  rt.feed("st: h\r\n\r\n");
  CHECK(rt.conn.activity() == Activity::writing);  // the app has not answered
  CHECK_FALSE(held.respond(200, {}, "ok"));
  rt.pump();
  CHECK(rt.conn.activity() == Activity::waiting);
}

TEST_CASE("activity() is writing while a response streams, even with the next head arriving") {
  Runtime rt;
  Exchange first;
  rt.app.request_fn = [&](Exchange& e) {
    if (!first.request().path.empty() || e.request().path != "/1") return;
    first = e;
    CHECK_FALSE(e.respond_streaming(200, {}));
  };
  rt.feed("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HT");
  CHECK(rt.conn.activity() == Activity::writing);
}

TEST_CASE("error_name gives each Error its enumerator's name") {
  CHECK(std::string_view(error_name(Error::bad_request)) == "bad_request");
  CHECK(std::string_view(error_name(Error::header_too_large)) == "header_too_large");
  CHECK(std::string_view(error_name(Error::upgrade_before_body_end)) == "upgrade_before_body_end");
  CHECK(std::string_view(error_name(static_cast<Error>(0))) == "unknown");
}
