// The client role, driven with scripted server bytes.
#include <catch2/catch.hpp>

#include "client_runtime.hpp"

using namespace wstest;

TEST_CASE("client: a GET and its Content-Length response, at every split") {
  const std::string response =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
  for_each_client_split(response, [&](ClientRuntime& rt, Feeding how) {
    Recorder r;
    SendResult sent = rt.conn.send(r, "GET", "/x?y=1", {{"Host", "example.com"}});
    REQUIRE_FALSE(sent.error);
    rt.pump();
    CHECK(rt.take_sent() == "GET /x?y=1 HTTP/1.1\r\nHost: example.com\r\n\r\n");
    rt.feed(response, how);
    CHECK(r.status == 200);
    CHECK(r.reason == "OK");
    CHECK(r.headers[0] == std::pair<std::string, std::string>{"Content-Type", "text/plain"});
    CHECK(r.body == "hello");
    CHECK(r.ended);
    CHECK_FALSE(r.end_error);
    CHECK(rt.conn.is_idle());
    CHECK(rt.conn.can_send());
  });
}

TEST_CASE("client: a chunked response with trailers, at every split") {
  const std::string response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nChecksum: abc\r\n\r\n";
  for_each_client_split(response, [&](ClientRuntime& rt, Feeding how) {
    Recorder r;
    CHECK_FALSE(rt.conn.send(r, "GET", "/", {{"Host", "h"}}).error);
    rt.feed(response, how);
    CHECK(r.body == "hello world");
    CHECK(r.body_complete);
    REQUIRE(r.trailers.size() == 1);
    CHECK(r.trailers[0].second == "abc");
    CHECK_FALSE(r.end_error);
  });
}

TEST_CASE("client: an HTTP/1.0 response delimited by close") {
  ClientRuntime rt;
  Recorder r;
  CHECK_FALSE(rt.conn.send(r, "GET", "/", {{"Host", "h"}}).error);
  rt.feed("HTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of this until the close");
  CHECK_FALSE(r.ended);
  rt.eof();
  CHECK(r.body == "all of this until the close");
  CHECK(r.ended);
  CHECK_FALSE(r.end_error);
  CHECK_FALSE(rt.conn.can_send());
  CHECK(rt.write_closed);
}

TEST_CASE("client: a higher HTTP/1.x minor in a response is read as HTTP/1.1") {
  ClientRuntime rt;
  Recorder r;
  int minor = -1;
  r.response_fn = [&](ClientExchange& ex) { minor = ex.response().version_minor; };
  CHECK_FALSE(rt.conn.send(r, "GET", "/", {{"Host", "h"}}).error);
  rt.feed("HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nok");
  CHECK(r.status == 200);
  CHECK(minor == 1);
  CHECK(r.body == "ok");
  CHECK(r.ended);
  CHECK_FALSE(r.end_error);
  CHECK(rt.conn.can_send());  // persistent, as 1.1 is
}

TEST_CASE("client: pipelined requests go out together and match responses in order") {
  ClientRuntime rt;
  Recorder a, b, c;
  CHECK_FALSE(rt.conn.send(a, "GET", "/a", {{"Host", "h"}}).error);
  CHECK_FALSE(rt.conn.send(b, "HEAD", "/b", {{"Host", "h"}}).error);
  CHECK_FALSE(rt.conn.send(c, "POST", "/c", {{"Host", "h"}}, "data").error);
  rt.pump();
  CHECK(rt.take_sent() ==
        "GET /a HTTP/1.1\r\nHost: h\r\n\r\nHEAD /b HTTP/1.1\r\nHost: h\r\n\r\n"
        "POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\ndata");
  const std::string responses =
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
      "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"  // HEAD: no body follows
      "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nC";
  rt.feed(responses, {1, 1});
  CHECK(a.body == "A");
  CHECK(b.status == 200);
  CHECK(b.body.empty());
  CHECK(b.ended);
  CHECK(c.status == 201);
  CHECK(c.body == "C");
  CHECK(rt.conn.is_idle());
}

TEST_CASE("client: a request sent between adapter calls wakes the adapter, and the next write holds it") {
  CountingWaker waker;
  ClientRuntime rt;
  rt.conn.set_waker(&waker);
  Recorder a;
  CHECK_FALSE(rt.conn.send(a, "GET", "/a", {{"Host", "h"}}).error);
  CHECK(waker.wakes == 1);
  const WriteOp op = rt.conn.next_write();
  REQUIRE(op.kind == WriteOp::write);
  std::string bytes;
  for (const IoVec& v : op.iovecs) bytes.append(static_cast<const char*>(v.base), v.len);
  CHECK(bytes == "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  rt.conn.wrote(bytes.size(), rt.now);
  rt.feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA");
  CHECK(a.body == "A");
  CHECK(a.ended);
  CHECK(waker.wakes == 1);  // the adapter was inside a call for everything after the send
}

TEST_CASE("client: a request sent from a response callback goes out on the adapter's next write") {
  ClientRuntime rt;
  Recorder a, b;
  a.response_fn = [&](ClientExchange&) { REQUIRE_FALSE(rt.conn.send(b, "GET", "/b", {{"Host", "h"}}).error); };
  CHECK_FALSE(rt.conn.send(a, "GET", "/a", {{"Host", "h"}}).error);
  rt.pump();
  CHECK(rt.take_sent() == "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  rt.feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA");
  CHECK(a.ended);
  CHECK(rt.take_sent() == "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  rt.feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB");
  CHECK(b.body == "B");
  CHECK(b.ended);
  CHECK(rt.conn.is_idle());
}

TEST_CASE("client: a response complete before its request is written ends the exchange at the last write") {
  ClientRuntime rt;
  Recorder r;
  CHECK_FALSE(rt.conn.send(r, "POST", "/up", {{"Host", "h"}}, "data").error);
  const auto write_size = [&] {
    const WriteOp op = rt.conn.next_write();
    REQUIRE(op.kind == WriteOp::write);
    std::size_t n = 0;
    for (const IoVec& v : op.iovecs) n += v.len;
    return n;
  };
  const std::size_t n = write_size();
  // The server answers while the request's bytes are still in flight.
  const std::string_view response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  std::span<char> buf = rt.conn.read_buffer();
  std::copy(response.begin(), response.end(), buf.data());
  rt.conn.commit_read(response.size(), rt.now);
  CHECK(r.body == "ok");
  CHECK(r.body_complete);
  CHECK_FALSE(r.ended);
  rt.conn.wrote(n - 1, rt.now);  // short: one byte is left
  CHECK_FALSE(r.ended);
  CHECK(write_size() == 1);
  rt.conn.wrote(1, rt.now);
  CHECK(r.ended);
  CHECK_FALSE(r.end_error);
  CHECK(rt.conn.is_idle());
}

TEST_CASE("client: a request that asks not to be pipelined waits for earlier exchanges") {
  ClientRuntime rt;
  Recorder a, b;
  CHECK_FALSE(rt.conn.send(a, "GET", "/a", {{"Host", "h"}}).error);
  RequestOptions serial;
  serial.pipeline = false;
  CHECK_FALSE(rt.conn.send(b, "GET", "/b", {{"Host", "h"}}, {}, serial).error);
  rt.pump();
  CHECK(rt.take_sent() == "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  rt.feed("HTTP/1.1 204 No Content\r\n\r\n");
  CHECK(a.ended);
  CHECK(rt.take_sent() == "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
}

TEST_CASE("client: 1xx responses are surfaced before the final one - 304 has no body") {
  const std::string response =
      "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n"
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  for_each_client_split(response, [&](ClientRuntime& rt, Feeding how) {
    Recorder a, b;
    CHECK_FALSE(rt.conn.send(a, "GET", "/", {{"Host", "h"}}).error);
    CHECK_FALSE(rt.conn.send(b, "GET", "/2", {{"Host", "h"}}).error);
    rt.feed(response, how);
    CHECK(a.informational == std::vector<int>{103});
    CHECK(a.status == 304);
    CHECK(a.ended);
    CHECK(b.body == "ok");
  });
}

TEST_CASE("client: Expect: 100-continue holds the body until 100 arrives") {
  ClientRuntime rt;
  Recorder r;
  CHECK_FALSE(rt.conn.send(r, "PUT", "/f", {{"Host", "h"}, {"Expect", "100-continue"}}, "body!").error);
  rt.pump();
  CHECK(rt.take_sent() == "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  rt.feed("HTTP/1.1 100 Continue\r\n\r\n");
  CHECK(rt.take_sent() == "body!");
  rt.feed("HTTP/1.1 204 No Content\r\n\r\n");
  CHECK(r.informational == std::vector<int>{100});
  CHECK(r.ended);
  CHECK_FALSE(r.end_error);
}

TEST_CASE("client: a final answer to Expect: 100-continue means the body is never sent") {
  ClientRuntime rt;
  Recorder r;
  CHECK_FALSE(rt.conn.send(r, "PUT", "/f", {{"Host", "h"}, {"Expect", "100-continue"}}, "body!").error);
  rt.pump();
  rt.take_sent();
  rt.feed("HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n");
  CHECK(r.status == 413);
  CHECK(r.ended);
  CHECK(rt.sent.empty());
  CHECK_FALSE(rt.conn.can_send());  // the server may still wait for the declared bytes
  CHECK(rt.write_closed);
}

TEST_CASE("client: after a refused held body, a queued request is never written") {
  // Found by fuzz_client: the next request followed a head whose declared
  // body was never sent, so the server would read it as that body.
  for (std::size_t split = 1; split <= 64; ++split) {
    ClientRuntime rt;
    Recorder a, b;
    a.auto_read = false;  // the exchange stays open while the app waits
    ClientExchange put = rt.conn.send(a, "PUT", "/f", {{"Host", "h"}, {"Expect", "100-continue"}}, "body!").exchange;
    CHECK_FALSE(rt.conn.send(b, "GET", "/g", {{"Host", "h"}}).error);
    rt.pump();
    CHECK(rt.take_sent() == "PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    rt.feed("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 2\r\n\r\nno", {split, split});
    CHECK(a.status == 417);
    CHECK(rt.sent.empty());
    a.auto_read = true;
    CHECK_FALSE(put.read_body());
    rt.pump();
    CHECK(a.body == "no");
    CHECK(rt.sent.empty());
    CHECK(b.ended);
    CHECK(b.end_error == Error::no_response);
    CHECK(rt.write_closed);
  }
}

TEST_CASE("client: without an answer, the held body goes out after continue_timeout") {
  ClientRuntime rt;
  Recorder r;
  CHECK_FALSE(rt.conn.send(r, "PUT", "/f", {{"Host", "h"}, {"Expect", "100-continue"}}, "body!").error);
  rt.pump();
  rt.take_sent();
  rt.advance(rt.config.continue_timeout);
  CHECK(rt.take_sent() == "body!");
}

TEST_CASE("client: a streamed request body, chunked with trailers, or with a declared length") {
  ClientRuntime rt;
  Recorder r;
  RequestOptions streaming;
  streaming.streaming = true;
  SendResult s = rt.conn.send(r, "POST", "/up", {{"Host", "h"}}, {}, streaming);
  REQUIRE_FALSE(s.exchange.ended());
  CHECK(s.exchange.write("abc"));
  const Header trailers[] = {{"Checksum", "1"}};
  CHECK_FALSE(s.exchange.end(trailers));
  rt.pump();
  CHECK(rt.take_sent() ==
        "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nChecksum: 1\r\n\r\n");
  rt.feed("HTTP/1.1 204 No Content\r\n\r\n");

  Recorder r2;
  SendResult s2 = rt.conn.send(r2, "PUT", "/f", {{"Host", "h"}, {"Content-Length", "4"}}, {}, streaming);
  INFO(s2.error.message());
  REQUIRE_FALSE(s2.exchange.ended());
  CHECK(s2.exchange.write("abcde").error == Error::body_overrun);
  CHECK(s2.exchange.write("abcd"));
  CHECK_FALSE(s2.exchange.end());
  rt.pump();
  CHECK(rt.take_sent() == "PUT /f HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd");
}

TEST_CASE("client: 101 switches the exchange to raw bytes both ways") {
  ClientRuntime rt;
  Recorder r;
  r.auto_read = false;
  SendResult s = rt.conn.send(r, "GET", "/ws", {{"Host", "h"}, {"Connection", "upgrade"}, {"Upgrade", "x"}});
  rt.pump();
  rt.take_sent();
  rt.feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\nraw from server");
  CHECK(r.status == 101);
  CHECK(s.exchange.is_tunnel());
  CHECK_FALSE(s.exchange.read_body());
  rt.pump();
  CHECK(r.body == "raw from server");
  CHECK(s.exchange.write("raw from client"));
  rt.pump();
  CHECK(rt.take_sent() == "raw from client");
}

TEST_CASE("client: Connection: close ends the connection - pipelined requests get no_response") {
  ClientRuntime rt;
  Recorder a, b;
  CHECK_FALSE(rt.conn.send(a, "GET", "/a", {{"Host", "h"}}).error);
  CHECK_FALSE(rt.conn.send(b, "GET", "/b", {{"Host", "h"}}).error);
  rt.feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nA");
  CHECK(a.body == "A");
  CHECK_FALSE(a.end_error);
  CHECK(b.ended);
  CHECK(b.end_error == Error::no_response);
  CHECK_FALSE(rt.conn.can_send());
  Recorder c;
  CHECK(rt.conn.send(c, "GET", "/c", {{"Host", "h"}}).error == Error::not_accepting);
  CHECK(rt.write_closed);
}

TEST_CASE("client: nothing is written after a response that announces close") {
  ClientRuntime rt;
  Recorder a, b;
  a.auto_read = false;
  ClientExchange upload = rt.conn.send(a, "POST", "/a", {{"Host", "h"}}, "", {.pipeline = true, .streaming = true}).exchange;
  CHECK_FALSE(rt.conn.send(b, "GET", "/b", {{"Host", "h"}}).error);
  rt.pump();
  rt.take_sent();
  // The server answers before the body ended, and will close; the body's
  // end still goes out, the request queued behind it does not.
  rt.feed("HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  CHECK(a.status == 413);
  CHECK_FALSE(upload.end());
  rt.pump();
  CHECK(rt.sent == "0\r\n\r\n");
  CHECK(b.end_error == Error::no_response);
}

TEST_CASE("client: a request that sends Connection: close is the last one") {
  ClientRuntime rt;
  Recorder a, b, c;
  REQUIRE_FALSE(rt.conn.send(a, "GET", "/a", {{"Host", "h"}}).error);
  REQUIRE_FALSE(rt.conn.send(b, "GET", "/b", {{"Host", "h"}, {"Connection", "close"}}).error);
  CHECK(rt.conn.send(c, "GET", "/c", {{"Host", "h"}}).error == Error::not_accepting);
  rt.pump();
  CHECK(rt.take_sent() == "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  // The first response does not end the second exchange: its answer follows.
  rt.feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA");
  CHECK(a.body == "A");
  CHECK_FALSE(b.ended);
  rt.feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nB");
  CHECK(b.body == "B");
  CHECK_FALSE(b.end_error);
  CHECK(rt.write_closed);
}

TEST_CASE("client: the server closing before answering is no_response - mid-body is peer_closed") {
  ClientRuntime rt;
  Recorder a;
  CHECK_FALSE(rt.conn.send(a, "GET", "/", {{"Host", "h"}}).error);
  rt.eof();
  CHECK(a.end_error == Error::no_response);
  CHECK(rt.conn.is_closed());

  ClientRuntime cut;
  Recorder b;
  CHECK_FALSE(cut.conn.send(b, "GET", "/", {{"Host", "h"}}).error);
  cut.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  cut.eof();
  CHECK(b.body == "abc");
  CHECK(b.end_error == Error::peer_closed);
}

TEST_CASE("client: malformed or oversized responses are errors naming what was wrong") {
  const std::pair<std::string, Error> cases[] = {
      {"HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", Error::bad_response},
      {"HTTP/1.1 2x0 OK\r\n\r\n", Error::bad_response},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", Error::conflicting_framing},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", Error::invalid_chunk},
      {"HTTP/1.1 200 OK\r\nX: " + std::string(20000, 'v') + "\r\n\r\n", Error::header_too_large},
      {"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n", Error::body_too_large},
      {"HTTP/2.0 200 OK\r\n\r\n", Error::version_not_supported},
  };
  for (const auto& [bytes, error] : cases) {
    ClientRuntime rt;
    Recorder r;
    CHECK_FALSE(rt.conn.send(r, "GET", "/", {{"Host", "h"}}).error);
    rt.feed(bytes, {1, 1});
    INFO(bytes.substr(0, 60));
    CHECK(r.ended);
    CHECK(r.end_error == error);
    CHECK(rt.conn.is_closed());
  }
}

TEST_CASE("client: bytes with no request outstanding close the connection") {
  ClientRuntime rt;
  rt.feed("HTTP/1.1 200 OK\r\n\r\n");
  CHECK(rt.conn.is_closed());
}

TEST_CASE("client: invalid requests are refused before anything is queued") {
  ClientRuntime rt;
  Recorder r;
  CHECK(rt.conn.send(r, "GE T", "/", {{"Host", "h"}}).error == Error::invalid_request_line);
  CHECK(rt.conn.send(r, "GET", "/a b", {{"Host", "h"}}).error == Error::invalid_request_line);
  CHECK(rt.conn.send(r, "GET", "/", {{"Host", "h\r\nX: y"}}).error == Error::invalid_header);
  CHECK(rt.conn.send(r, "POST", "/", {{"Content-Length", "3"}}, "abc").error == Error::invalid_header);
  rt.pump();
  CHECK(rt.sent.empty());
}

TEST_CASE("client: response head and body deadlines") {
  ClientRuntime rt;
  Recorder a;
  CHECK_FALSE(rt.conn.send(a, "GET", "/", {{"Host", "h"}}).error);
  rt.pump();
  REQUIRE(rt.conn.deadline());
  CHECK(*rt.conn.deadline() == rt.now + rt.config.header_timeout);
  rt.advance(rt.config.header_timeout);
  CHECK(a.end_error == Error::header_timeout);

  ClientRuntime slow;
  Recorder b;
  CHECK_FALSE(slow.conn.send(b, "GET", "/", {{"Host", "h"}}).error);
  slow.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  slow.advance(slow.config.body_timeout);
  CHECK(b.end_error == Error::body_timeout);

  ClientRuntime idle;
  CHECK(*idle.conn.deadline() == idle.now + idle.config.keep_alive_timeout);
  idle.advance(idle.config.keep_alive_timeout);
  CHECK(idle.conn.is_closed());
}

TEST_CASE("client: a switch of protocols before the request body ended is an error") {
  // Found by fuzz_client: raw bytes would have gone into an open chunked body.
  ClientRuntime rt;
  Recorder r;
  RequestOptions streaming;
  streaming.streaming = true;
  SendResult s = rt.conn.send(r, "POST", "/up", {{"Host", "h"}, {"Connection", "upgrade"}, {"Upgrade", "x"}},
                              {}, streaming);
  REQUIRE_FALSE(s.exchange.ended());
  CHECK(s.exchange.write("part"));
  rt.pump();
  rt.take_sent();
  rt.feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n");
  CHECK(r.end_error == Error::bad_response);
  CHECK(rt.conn.is_closed());
  CHECK(rt.sent.empty());
}

TEST_CASE("client: a 101 to a request that offered no upgrade is an error") {
  // Found by fuzz_client (RFC 9110 section 15.2.2).
  ClientRuntime rt;
  Recorder r;
  CHECK_FALSE(rt.conn.send(r, "GET", "/", {{"Host", "h"}}).error);
  rt.feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\nraw");
  CHECK(r.end_error == Error::bad_response);
  CHECK(rt.conn.is_closed());
}

TEST_CASE("client: a status line's reason phrase, with spaces, empty or left out") {
  const std::pair<std::string, std::string> cases[] = {
      {"HTTP/1.1 404 Not Found Here\r\nContent-Length: 0\r\n\r\n", "Not Found Here"},
      {"HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", ""},
      {"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", ""},
  };
  for (const auto& c : cases) {
    const std::string& response = c.first;
    const std::string& reason = c.second;
    for_each_client_split(response, [&](ClientRuntime& rt, Feeding how) {
      Recorder r;
      CHECK_FALSE(rt.conn.send(r, "GET", "/", {{"Host", "h"}}).error);
      rt.feed(response, how);
      INFO(response);
      CHECK(r.reason == reason);
      CHECK(r.ended);
      CHECK_FALSE(r.end_error);
    });
  }
}

TEST_CASE("client: a streamed request body waits past the high watermark and resumes on on_writable") {
  Config config = plain_config();
  config.write_high_watermark_bytes = 8192;
  config.write_low_watermark_bytes = 2048;
  ClientRuntime rt(config);
  struct Uploader : Recorder {
    int writable = 0;
    void on_writable(ClientExchange&) noexcept override { ++writable; }
  } r;
  RequestOptions streaming;
  streaming.streaming = true;
  ClientExchange ex = rt.conn.send(r, "POST", "/up", {{"Host", "h"}}, {}, streaming).exchange;
  REQUIRE_FALSE(ex.ended());
  const std::string piece(4096, 'x');
  WriteResult w;
  int pieces = 0;
  do {
    w = ex.write(piece);
    REQUIRE_FALSE(w.error);
    ++pieces;
  } while (!w.wait && pieces < 100);
  CHECK(w.wait);  // past 8 KiB queued
  CHECK(pieces <= 4);
  CHECK(r.writable == 0);
  rt.pump();  // everything queued is written: below the low watermark
  CHECK(r.writable == 1);
  rt.pump();
  CHECK(r.writable == 1);  // told once per wait
  REQUIRE_FALSE(ex.end());
  rt.feed("HTTP/1.1 204 No Content\r\n\r\n");
  CHECK(r.ended);
  CHECK_FALSE(r.end_error);
}
