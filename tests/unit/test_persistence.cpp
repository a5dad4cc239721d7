// RFC 9112 §9: when a connection is kept and when it closes.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

TEST_CASE("HTTP/1.1 is persistent by default") {
  Runtime rt;
  rt.feed("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n");
  rt.feed("GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(rt.take_output() == ok_response("GET /1 ") + ok_response("GET /2 "));
  CHECK_FALSE(rt.read_closed);
  CHECK_FALSE(rt.write_closed);
}

TEST_CASE("Connection: close from the client closes after the response - later bytes are ignored") {
  const std::string input =
      "GET /1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n";
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    rt.feed(input, how);
    CHECK(rt.app.seen.size() == 1);
    CHECK(rt.take_output() == ok_response("GET /1 ", true));
    CHECK(rt.write_closed);
    CHECK(rt.read_closed);
    CHECK(rt.conn.is_closed());
  });
}

TEST_CASE("Connection: close from the app closes after the response") {
  Runtime rt;
  rt.app.request_fn = [](Exchange& e) { CHECK_FALSE(e.respond(200, {{"Connection", "close"}}, "bye")); };
  rt.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye");
  CHECK(rt.write_closed);
}

TEST_CASE("HTTP/1.0 closes unless keep-alive is asked for, and then says so") {
  {
    Runtime rt;
    rt.feed("GET / HTTP/1.0\r\n\r\n");
    CHECK(rt.take_output() == ok_response("GET / ", true));
    CHECK(rt.write_closed);
  }
  {
    Runtime rt;
    rt.feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    CHECK(rt.take_output() ==
          "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n"
          "Connection: keep-alive\r\n\r\nGET / ");
    CHECK_FALSE(rt.write_closed);
    rt.feed("GET /2 HTTP/1.0\r\n\r\n");
    CHECK(rt.take_output() == ok_response("GET /2 ", true));
    CHECK(rt.write_closed);
  }
}

TEST_CASE("a higher HTTP/1.x minor is served as HTTP/1.1 (RFC 9110 section 2.5)") {
  for (const char* version : {"HTTP/1.2", "HTTP/1.9"}) {
    CAPTURE(version);
    Runtime rt;
    int minor = -1;
    rt.app.request_fn = [&](Exchange& e) {
      minor = e.request().version_minor;
      TestApp::respond_default(e);
    };
    rt.feed("GET /1 " + std::string(version) + "\r\nHost: h\r\n\r\n");
    CHECK(minor == 1);
    // Persistent by default, as 1.1 is; Connection: close still closes.
    CHECK(rt.take_output() == ok_response("GET /1 "));
    CHECK_FALSE(rt.write_closed);
    rt.feed("GET /2 " + std::string(version) + "\r\nHost: h\r\nConnection: close\r\n\r\n");
    CHECK(rt.take_output() == ok_response("GET /2 ", true));
    CHECK(rt.write_closed);
  }
}

TEST_CASE("a streamed response to HTTP/1.0 is delimited by closing the connection") {
  Runtime rt;
  rt.app.request_fn = [](Exchange& e) {
    CHECK_FALSE(e.respond_streaming(200, {}));
    CHECK(e.write("part one, "));
    CHECK(e.write("part two"));
    CHECK_FALSE(e.end());
  };
  rt.feed("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart one, part two");
  CHECK(rt.write_closed);
}

TEST_CASE("with UnreadBody::close, a response sent before the request body was read closes") {
  Config config = plain_config();
  config.unread_body = UnreadBody::close;
  Runtime rt(config);
  rt.app.request_fn = [](Exchange& e) { CHECK_FALSE(e.respond(403, {}, "no")); };
  rt.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab");
  CHECK(rt.take_output() == "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno");
  CHECK(rt.write_closed);
}

TEST_CASE("the peer's half-close still gets the responses it asked for") {
  Runtime rt;
  rt.feed("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n");
  rt.eof();
  CHECK(rt.take_output() == ok_response("GET /1 "));
  CHECK(rt.write_closed);

  Runtime slow;
  Exchange ex;
  slow.app.request_fn = [&](Exchange& e) { ex = e; };
  slow.feed("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n");
  slow.eof();
  CHECK_FALSE(slow.write_closed);
  CHECK_FALSE(ex.respond(200, {}, "late"));
  slow.pump();
  CHECK(slow.take_output() == "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate");
  CHECK(slow.write_closed);
}

TEST_CASE("shutdown closes an idle connection and lets an in-flight response finish") {
  Runtime idle;
  idle.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  idle.conn.shutdown(idle.now);
  idle.pump();
  CHECK(idle.write_closed);

  Runtime busy;
  Exchange ex;
  busy.app.request_fn = [&](Exchange& e) { ex = e; };
  busy.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  busy.conn.shutdown(busy.now);
  busy.pump();
  CHECK_FALSE(busy.write_closed);
  CHECK_FALSE(ex.respond(200, {}, "done"));
  busy.pump();
  CHECK(busy.take_output() == "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nConnection: close\r\n\r\ndone");
  CHECK(busy.write_closed);
}

TEST_CASE("nothing follows a response that says Connection: close, even in the same write") {
  // Found by fuzz_server: the first response closes (its body was unread when
  // it was made); the app then reads that body, which lets the next request
  // be parsed and answered before anything is written.
  Config config = plain_config();
  config.unread_body = UnreadBody::close;
  Runtime rt(config);
  Exchange first;
  rt.app.request_fn = [&](Exchange& e) {
    if (e.request().target == "/a") {
      first = e;
      CHECK_FALSE(e.respond(200, {}, "A"));
    } else {
      CHECK_FALSE(e.respond(200, {}, "B"));
    }
  };
  rt.app.body_fn = [](Exchange& e, std::string_view) { CHECK_FALSE(e.read_body()); };
  rt.app.body_end_fn = [](Exchange&) {};
  const std::string input =
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  std::span<char> buf = rt.conn.read_buffer();
  std::copy(input.begin(), input.end(), buf.begin());
  rt.conn.commit_read(input.size(), rt.now);
  REQUIRE_FALSE(first.ended());
  CHECK_FALSE(first.read_body());
  rt.pump();
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\nA");
  CHECK(rt.write_closed);
  CHECK(rt.app.seen.size() == 1);  // /b is never parsed once close was promised
}
