// Chunk extensions and trailers, both ways: parsed and surfaced on receipt,
// checked and serialized on sending, with their own byte caps.
#include <catch2/catch.hpp>

#include "client_runtime.hpp"
#include "runtime.hpp"

using namespace wstest;

namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs pairs(Headers h) {
  Pairs out;
  for (const Header& x : h) out.emplace_back(x.name, x.value);
  return out;
}

// Records, for each body piece, its bytes and its chunk's extensions.
void record_extensions(Runtime& rt, std::vector<std::pair<std::string, Pairs>>& pieces) {
  rt.app.body_fn = [&pieces](Exchange& e, std::string_view data) {
    pieces.emplace_back(std::string(data), pairs(e.chunk_extensions()));
    CHECK_FALSE(e.read_body());
  };
}

const std::string upload_head = "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";

}  // namespace

TEST_CASE("chunk extensions reach the app with each piece of their chunk, at every split") {
  const std::string input = upload_head +
                            "5;a=\"1\";b=\" x y \";c;e=2\r\nhello\r\n"
                            "3\r\nabc\r\n"
                            "2;d=\"\"\r\nzz\r\n0\r\n\r\n";
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    std::vector<std::pair<std::string, Pairs>> pieces;
    record_extensions(rt, pieces);
    rt.feed(input, how);
    REQUIRE(rt.app.seen.size() == 1);
    CHECK(rt.app.seen[0].body == "helloabczz");
    for (const auto& [data, ext] : pieces) {
      if (data.find_first_of("hello") == 0 && std::string("hello").find(data) != std::string::npos)
        // Quoted spaces are the value's (fuzz_chunked found them trimmed).
        CHECK(ext == Pairs{{"a", "1"}, {"b", " x y "}, {"c", ""}, {"e", "2"}});
      else if (std::string("abc").find(data) != std::string::npos)
        CHECK(ext.empty());
      else
        CHECK(ext == Pairs{{"d", ""}});
    }
    CHECK(rt.take_output() == ok_response("POST /up helloabczz"));
  });
}

TEST_CASE("chunk extensions past max_chunk_extension_bytes are 413, at every split") {
  const std::string input = upload_head + "5;name=" + std::string(30, 'v') + "\r\nhello\r\n0\r\n\r\n";
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    rt.feed(input, how);
    const std::string out = rt.take_output();
    CHECK(out.starts_with("HTTP/1.1 413 Content Too Large\r\n"));
    CHECK(out.find("chunk extensions too large") != std::string::npos);
    CHECK(rt.write_closed);
  }, [] {
    Config c = plain_config();
    c.max_chunk_extension_bytes = 32;
    return c;
  });
}

TEST_CASE("malformed chunk extensions are 400") {
  for (const char* ext : {"5;a b\r\n", "5;=1\r\n", "5;a=(\r\n", "5;a=1 \r\n", "5 \r\n", "5;a=\"x\r\n",
                          "5;a=\"x\"y\r\n", "5;a=\"\x01\"\r\n", "5;a=\"\\\x01\"\r\n", "5;a=\r\n", "5;\r\n"}) {
    INFO(ext);
    Runtime rt;
    rt.feed(upload_head + ext + "hello\r\n0\r\n\r\n");
    CHECK(rt.take_output().starts_with("HTTP/1.1 400 Bad Request\r\n"));
    CHECK(rt.write_closed);
  }
}

TEST_CASE("a trailer section past max_trailer_bytes is 431, naming the limit") {
  Config config = plain_config();
  config.max_trailer_bytes = 16;
  Runtime rt(config);
  rt.feed(upload_head + "1\r\nx\r\n0\r\nChecksum: " + std::string(20, 'c') + "\r\n\r\n", 1);
  const std::string out = rt.take_output();
  CHECK(out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
  CHECK(out.find("request trailer fields too large") != std::string::npos);
}

TEST_CASE("a response chunk with extensions, and trailers, as sent") {
  Runtime rt;
  std::error_code results[8];
  rt.app.request_fn = [&](Exchange& e) {
    CHECK_FALSE(e.respond_streaming(200, {}));
    results[0] = e.write_chunk("hello", {{"a", "1"}, {"b", "x y"}, {"flag", ""}}).error;
    results[1] = e.write_chunk("x", {{"bad name", "1"}}).error;
    results[2] = e.write_chunk("x", {{"q", "say \"hi\""}}).error;
    results[3] = e.write_chunk("x", {{"n", std::string(2000, 'v')}}).error;
    results[4] = e.end({{"Content-Length", "5"}});
    results[5] = e.end({{"X-Sum", std::string(9000, 's')}});
    results[6] = e.end({{"X-Sum", "abc"}});
  };
  rt.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK_FALSE(results[0]);
  CHECK(results[1] == Error::invalid_chunk_extension);
  CHECK(results[2] == Error::invalid_chunk_extension);
  CHECK(results[3] == Error::chunk_extension_too_large);
  CHECK(results[4] == Error::invalid_trailer);
  CHECK(results[5] == Error::trailer_too_large);
  CHECK_FALSE(results[6]);
  CHECK(rt.take_output() ==
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;a=\"1\";b=\"x y\";flag\r\nhello\r\n0\r\nX-Sum: abc\r\n\r\n");
}

TEST_CASE("chunk extensions on a body that is not chunked are refused") {
  Runtime rt;
  std::error_code result;
  rt.app.request_fn = [&](Exchange& e) {
    CHECK_FALSE(e.respond_streaming(200, {{"Content-Length", "1"}}));
    result = e.write_chunk("x", {{"a", "1"}}).error;
    CHECK(e.write("y"));
    CHECK_FALSE(e.end());
  };
  rt.feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(result == Error::not_chunked);
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\ny");
}

TEST_CASE("client: chunk extensions both ways, and a round trip through the server") {
  ClientRuntime rt;
  Recorder r;
  Pairs seen;
  r.auto_read = false;
  r.response_fn = [](ClientExchange& ex) { CHECK_FALSE(ex.read_body()); };
  struct Extensions : Recorder {
    Pairs* out = nullptr;
    void on_body(ClientExchange& ex, std::string_view data) noexcept override {
      if (out->empty()) *out = pairs(ex.chunk_extensions());
      Recorder::on_body(ex, data);
      CHECK_FALSE(ex.read_body());
    }
  } h;
  h.out = &seen;
  ClientExchange up = rt.conn.send(h, "POST", "/up", {{"Host", "h"}}, "", {.pipeline = true, .streaming = true}).exchange;
  REQUIRE_FALSE(up.ended());
  CHECK_FALSE(up.write_chunk("hello", {{"sig", "a b"}, {"n", "7"}}).error);
  CHECK(up.end({{"Host", "evil"}}) == Error::invalid_trailer);
  CHECK_FALSE(up.end({{"X-Sum", "1"}}));
  rt.pump();
  const std::string request = rt.take_sent();
  CHECK(request == "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5;sig=\"a b\";n=\"7\"\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n");

  // What the client wrote, the server reads back as it was given.
  Runtime server;
  std::vector<std::pair<std::string, Pairs>> pieces;
  record_extensions(server, pieces);
  server.feed(request);
  REQUIRE(pieces.size() == 1);
  CHECK(pieces[0].second == Pairs{{"sig", "a b"}, {"n", "7"}});
  CHECK(server.app.seen.at(0).trailers == Pairs{{"X-Sum", "1"}});

  rt.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;etag=\"v 1\"\r\ndata\r\n0\r\n\r\n", {1, 1});
  CHECK(h.body == "data");
  CHECK(seen == Pairs{{"etag", "v 1"}});
}
