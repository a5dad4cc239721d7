// Chunked bodies as received (RFC 9112 §7.1): every valid form accepted, at
// every split, and every ambiguous one refused.
#include <catch2/catch.hpp>

#include "client_runtime.hpp"
#include "runtime.hpp"

using namespace wstest;

namespace {

const std::string upload_head = "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

// The extensions the application saw on each body piece, as "name=value;".
struct ExtensionLog {
  std::vector<std::string> per_piece;
  void attach(Runtime& rt) {
    rt.app.body_fn = [this](Exchange& e, std::string_view) {
      std::string s;
      for (const Header& h : e.chunk_extensions()) s.append(h.name).append("=").append(h.value).append(";");
      per_piece.push_back(s);
      CHECK_FALSE(e.read_body());
    };
  }
};

}  // namespace

TEST_CASE("RFC 9112 7.1.1 - every valid form of chunk extension is accepted, at every split") {
  struct Case {
    const char* size_line;
    const char* seen;
  };
  for (const Case& c : {Case{"5;a=1;b=2", "a=1;b=2;"}, Case{"5 ; a = b", "a=b;"},
                        Case{"5\t;\ta\t=\t\"x y\"", "a=x y;"}, Case{"5;a=\"x\\\"y\\\\z\"", "a=x\"y\\z;"},
                        Case{"5;a;b=\"\"", "a=;b=;"}, Case{"5;a ;b", "a=;b=;"},
                        Case{"5;a=\"\\\t\xe9\"", "a=\t\xe9;"}, Case{"005", ""}, Case{"5;a=tok!#$%&'*+-.^_`|~", "a=tok!#$%&'*+-.^_`|~;"}}) {
    const std::string input = upload_head + c.size_line + "\r\nhello\r\n0\r\n\r\n";
    INFO(c.size_line);
    for_each_split(input, [&](Runtime& rt, Feeding how) {
      ExtensionLog log;
      log.attach(rt);
      CHECK(rt.feed(input, how) == input.size());
      CHECK(rt.take_output() == ok_response("POST /up hello"));
      REQUIRE_FALSE(log.per_piece.empty());
      for (const std::string& s : log.per_piece) CHECK(s == c.seen);
    });
  }
}

TEST_CASE("RFC 9112 7.1.2 - a trailer section is read as fields, whitespace around values dropped") {
  const std::string input = upload_head + "3\r\nabc\r\n0\r\nX-Sum:\t abc \t\r\nX-Empty:\r\nX-In: a \t b\r\n\r\n";
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    rt.feed(input, how);
    CHECK(rt.take_output() == ok_response("POST /up abc"));
    REQUIRE(rt.app.seen.size() == 1);
    using P = std::pair<std::string, std::string>;
    CHECK(rt.app.seen[0].trailers == std::vector<P>{{"X-Sum", "abc"}, {"X-Empty", ""}, {"X-In", "a \t b"}});
  });
}

TEST_CASE("RFC 9112 7.1 - a bare CR or LF anywhere in a size line, an extension or a trailer is 400") {
  for (const char* body : {"5\nhello\r\n0\r\n\r\n", "5\rhello\r\n0\r\n\r\n", "5;a=1\nhello\r\n0\r\n\r\n",
                           "5;a\rb\r\nhello\r\n0\r\n\r\n", "5;a=\"x\ny\"\r\nhello\r\n0\r\n\r\n",
                           "5;a=\"x\ry\"\r\nhello\r\n0\r\n\r\n", "5\r\nhello\n0\r\n\r\n",
                           "5\r\nhello\r0\r\n\r\n", "5\r\nhello\r\n0\n\r\n", "5\r\nhello\r\n0\r\nX: 1\n\r\n",
                           "5\r\nhello\r\n0\r\nX: 1\rY: 2\r\n\r\n", "5\r\nhello\r\n0\r\nX: 1\r\n\n",
                           "5\r\nhello\r\n0\r\n\r\r\n", "5\r\nhello\r\n0\r\nX: a\x01z\r\n\r\n"}) {
    INFO(body);
    expect_rejected(upload_head + body, 400, "");
    Runtime rt;
    rt.feed(upload_head + body);
    REQUIRE(rt.app.seen.size() == 1);
    CHECK_FALSE(rt.app.seen[0].body_complete);
    CHECK((rt.app.seen[0].end_error == Error::invalid_chunk || rt.app.seen[0].end_error == Error::bad_request));
  }
}

TEST_CASE("RFC 9112 7.1 - missing CRLF after chunk data, an overflowing size, obs-fold in trailers are 400") {
  expect_rejected(upload_head + "3\r\nabcd\r\n0\r\n\r\n", 400, "chunk data not followed by CRLF");
  expect_rejected(upload_head + "3\r\nabc0\r\n\r\n", 400, "chunk data not followed by CRLF");
  expect_rejected(upload_head + "10000000000000000\r\n", 400, "64 bits");
  expect_rejected(upload_head + std::string(65, '0') + "1\r\n", 400, "64 digits");
  expect_rejected(upload_head + "3\r\nabc\r\n0\r\nX: 1\r\n folded\r\n\r\n", 400, "obs-fold");
  expect_rejected(upload_head + "3\r\nabc\r\n0\r\nX : 1\r\n\r\n", 400, "trailer field name");
  expect_rejected(upload_head + "x\r\n", 400, "chunk size line");
  expect_rejected(upload_head + ";a\r\n", 400, "chunk size line");
}

TEST_CASE("RFC 9112 7.1.1 - a 1 MiB extension on any chunk is 413, and a 1 MiB trailer section 431") {
  const std::string huge(1024 * 1024, 'v');
  Runtime first;
  first.feed(upload_head + "5;a=" + huge + "\r\nhello\r\n0\r\n\r\n", 64 * 1024);
  CHECK(first.take_output().starts_with("HTTP/1.1 413 "));
  REQUIRE(first.app.seen.size() == 1);
  CHECK(first.app.seen[0].end_error == Error::chunk_extension_too_large);
  Runtime second;
  second.feed(upload_head + "5\r\nhello\r\n5;a=\"" + huge + "\"\r\nhello\r\n0\r\n\r\n");
  CHECK(second.take_output().starts_with("HTTP/1.1 413 "));
  // Whitespace is not counted as extension bytes, but it is received bytes.
  Runtime blank;
  blank.feed(upload_head + "5" + std::string(4096, ' ') + ";a\r\nhello\r\n0\r\n\r\n");
  CHECK(blank.take_output().starts_with("HTTP/1.1 413 "));
  Runtime trailers;
  trailers.feed(upload_head + "5\r\nhello\r\n0\r\nX-Big: " + huge + "\r\n\r\n");
  CHECK(trailers.take_output().starts_with("HTTP/1.1 431 "));
  REQUIRE(trailers.app.seen.size() == 1);
  CHECK(trailers.app.seen[0].end_error == Error::trailer_too_large);
  Runtime spaces;
  spaces.feed(upload_head + "5\r\nhello\r\n0\r\nX:" + huge + "\r\n\r\n");
  CHECK(spaces.take_output().starts_with("HTTP/1.1 431 "));
}

TEST_CASE("a chunk cap broken after a streamed response began aborts the connection, never ends it cleanly") {
  for (const std::string& tail : {"5;a=" + std::string(1024 * 1024, 'v') + "\r\nhello\r\n0\r\n\r\n",
                                  "0\r\nX: " + std::string(1024 * 1024, 'v') + "\r\n\r\n"}) {
    Runtime rt;
    rt.app.request_fn = [](Exchange& e) {
      CHECK_FALSE(e.respond_streaming(200, {}));
      CHECK_FALSE(e.read_body());
    };
    rt.app.body_fn = [](Exchange& e, std::string_view data) {
      CHECK(e.write(data));
      CHECK_FALSE(e.read_body());
    };
    rt.feed(upload_head + "5\r\nhello\r\n" + tail);
    const std::string out = rt.take_output();
    INFO(out.substr(0, 200));
    CHECK(out.starts_with("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"));
    CHECK(out.find("0\r\n\r\n") == std::string::npos);  // no last chunk: the peer sees a truncation
    CHECK(rt.write_closed);
    REQUIRE(rt.app.seen.size() == 1);
    CHECK(rt.app.seen[0].end_error);
  }
}

TEST_CASE("RFC 9112 7.1 - the client reads every valid chunked form and refuses the ambiguous ones") {
  struct ExtensionRecorder : Recorder {
    std::string extensions;
    void on_body(ClientExchange& ex, std::string_view data) noexcept override {
      for (const Header& h : ex.chunk_extensions())
        extensions.append(h.name).append("=").append(h.value).append(";");
      Recorder::on_body(ex, data);
    }
  };
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string valid = head + "5 ; a = \"q\\\"\" ;b=2\r\nhello\r\n0\r\nX-Sum: 1\t\r\n\r\n";
  for_each_client_split(valid, [&](ClientRuntime& rt, Feeding how) {
    ExtensionRecorder rec;
    REQUIRE_FALSE(rt.conn.send(rec, "GET", "/", {{"Host", "h"}}).error);
    rt.pump();
    rt.feed(valid, how);
    CHECK(rec.body == "hello");
    CHECK(rec.body_complete);
    CHECK(rec.extensions.find("a=q\";b=2;") != std::string::npos);
    CHECK(rec.trailers == std::vector<std::pair<std::string, std::string>>{{"X-Sum", "1"}});
  });
  for (const char* body : {"5\nhello\r\n0\r\n\r\n", "5\r\nhelloX\r\n0\r\n\r\n", "5\r\nhello\r\n0\r\nX: 1\n\r\n"}) {
    INFO(body);
    ClientRuntime rt;
    Recorder rec;
    REQUIRE_FALSE(rt.conn.send(rec, "GET", "/", {{"Host", "h"}}).error);
    rt.pump();
    rt.feed(head + body);
    CHECK(rec.ended);
    CHECK(rec.end_error);
    CHECK_FALSE(rec.body_complete);
  }
}

TEST_CASE("RFC 9112 6.1 - the client refuses a response with no coding in Transfer-Encoding, or one not ending in chunked") {
  for (const char* te : {"Transfer-Encoding: \r\nContent-Length: 3", "Transfer-Encoding: ,", "Transfer-Encoding: gzip"}) {
    INFO(te);
    ClientRuntime rt;
    Recorder rec;
    REQUIRE_FALSE(rt.conn.send(rec, "GET", "/", {{"Host", "h"}}).error);
    rt.pump();
    rt.feed("HTTP/1.1 200 OK\r\n" + std::string(te) + "\r\n\r\nabc");
    CHECK(rec.ended);
    CHECK(rec.end_error);
    CHECK(rec.body.empty());
  }
}
