// Upgrade and CONNECT: after the switch, raw bytes both ways.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

namespace {
const std::string upgrade_head =
    "GET /chat HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: echo-proto\r\n\r\n";

// Accepts the upgrade and echoes every raw byte back, upper-cased.
void accept_and_echo(TestApp& app) {
  app.request_fn = [](Exchange& e) {
    CHECK(e.request().upgrade);
    REQUIRE_FALSE(e.respond_streaming(101, {{"Upgrade", "echo-proto"}}));
    CHECK(e.is_tunnel());
    CHECK_FALSE(e.read_body());
  };
  app.body_fn = [](Exchange& e, std::string_view data) {
    std::string up(data);
    for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(e.write(up));
    CHECK_FALSE(e.read_body());
  };
  app.body_end_fn = [](Exchange& e) { CHECK_FALSE(e.end()); };
}
}  // namespace

TEST_CASE("101 hands the raw bytes, including those read with the head, to the app") {
  const std::string input = upgrade_head + "raw bytes GET / HTTP/1.1\r\n\r\n";
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    accept_and_echo(rt.app);
    rt.feed(input, how);
    CHECK(rt.take_output() ==
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo-proto\r\nConnection: upgrade\r\n\r\n"
          "RAW BYTES GET / HTTP/1.1\r\n\r\n");
    CHECK(rt.app.seen.size() == 1);  // the HTTP-looking bytes were not parsed
    rt.eof();
    CHECK(rt.app.seen[0].body_complete);
    CHECK(rt.write_closed);
  });
}

TEST_CASE("a declined upgrade goes on as HTTP") {
  Runtime rt;
  rt.feed(upgrade_head + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(rt.take_output() == ok_response("GET /chat ") + ok_response("GET /next "));
  CHECK_FALSE(rt.write_closed);
}

TEST_CASE("CONNECT with 2xx becomes a tunnel - without, the connection closes") {
  Runtime rt;
  rt.app.request_fn = [](Exchange& e) {
    CHECK(e.request().is_connect());
    CHECK(e.request().target == "example.com:443");
    REQUIRE_FALSE(e.respond_streaming(200, {}));
    CHECK_FALSE(e.read_body());
  };
  rt.app.body_fn = [](Exchange& e, std::string_view data) {
    CHECK(e.write(data));
    CHECK_FALSE(e.read_body());
  };
  rt.feed("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01");
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\n\r\n\x16\x03\x01");

  Runtime refused;
  refused.app.request_fn = [](Exchange& e) { CHECK_FALSE(e.respond(403, {}, "")); };
  refused.feed("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nxyz");
  CHECK(refused.take_output() == "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  CHECK(refused.write_closed);
}

TEST_CASE("RFC 9110 9.3.6 - respond() with a 2xx to CONNECT is refused: a 2xx opens the tunnel") {
  Runtime rt;
  rt.app.request_fn = [](Exchange& e) {
    CHECK(e.respond(200, {}, "a framed body") == Error::tunnel_required);
    CHECK_FALSE(e.response_started());
    REQUIRE_FALSE(e.respond_streaming(200, {}));
    CHECK(e.is_tunnel());
    CHECK_FALSE(e.read_body());
  };
  rt.app.body_fn = [](Exchange& e, std::string_view data) {
    CHECK(e.write(data));
    CHECK_FALSE(e.read_body());
  };
  rt.feed("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nraw");
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\n\r\nraw");
}

TEST_CASE("RFC 9110 7.8 - an Upgrade request with a body switches only once the body has been read") {
  const std::string input =
      "POST /up HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: echo-proto\r\nContent-Length: 5\r\n\r\n"
      "helloRAW";
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    std::string body, tunnel;
    rt.app.request_fn = [](Exchange& e) {
      CHECK(e.respond_streaming(101, {{"Upgrade", "echo-proto"}}) == Error::upgrade_before_body_end);
      CHECK_FALSE(e.response_started());
      CHECK_FALSE(e.read_body());
    };
    rt.app.body_fn = [&](Exchange& e, std::string_view data) {
      (e.is_tunnel() ? tunnel : body).append(data);
      if (e.is_tunnel()) CHECK(e.write(data));
      CHECK_FALSE(e.read_body());
    };
    rt.app.body_end_fn = [](Exchange& e) {
      if (e.is_tunnel()) {
        CHECK_FALSE(e.end());
        return;
      }
      // The body is complete: now the switch, and the tunnel's bytes follow.
      REQUIRE_FALSE(e.respond_streaming(101, {{"Upgrade", "echo-proto"}}));
      CHECK_FALSE(e.read_body());
    };
    rt.feed(input, how);
    CHECK(body == "hello");
    CHECK(tunnel == "RAW");
    CHECK(rt.take_output() ==
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo-proto\r\nConnection: upgrade\r\n\r\nRAW");
  });
}
