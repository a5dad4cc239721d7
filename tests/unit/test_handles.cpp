// Exchange handles that know when they are stale, and a Config the
// connection co-owns: what an application keeps across callbacks cannot
// write into another request, and no temporary can dangle.
#include <catch2/catch.hpp>
#include <memory>
#include <type_traits>

#include "client_runtime.hpp"
#include "runtime.hpp"

using namespace wstest;

namespace {

template <class T>
constexpr bool addressable = requires(T& t) { &t; };
template <class C>
constexpr bool reports_in_order = requires(C& c, std::size_t n, WriteToken t, Time now) { c.wrote(t, n, now); };
template <class C>
constexpr bool reports_swapped = requires(C& c, std::size_t n, WriteToken t, Time now) { c.wrote(n, t, now); };

// Every call an application can make on a handle it kept, each of which must
// report the end and change nothing.
void expect_stale(Exchange& kept) {
  CHECK(kept.ended());
  CHECK(kept.respond(500, {}, "STALE WRITE") == Error::exchange_ended);
  CHECK(kept.respond_streaming(500, {}) == Error::exchange_ended);
  CHECK(kept.send_informational(103, {}) == Error::exchange_ended);
  CHECK(kept.write("STALE").error == Error::exchange_ended);
  CHECK(kept.write_borrowed("STALE", {}).error == Error::exchange_ended);
  CHECK(kept.write_chunk("STALE", {}).error == Error::exchange_ended);
  CHECK(kept.end() == Error::exchange_ended);
  CHECK(kept.read_body() == Error::exchange_ended);
  CHECK(kept.set_max_body_bytes(1) == Error::exchange_ended);
  int mine = 0;
  CHECK(kept.set_user_data(&mine) == Error::exchange_ended);
  CHECK(kept.user_data() == nullptr);
  CHECK(kept.connection_user_data() == nullptr);
  CHECK_FALSE(kept.response_started());
  CHECK_FALSE(kept.is_tunnel());
  CHECK(kept.queued_bytes() == 0);
  CHECK(kept.request().method.empty());
  CHECK(kept.chunk_extensions().empty());
}

}  // namespace

TEST_CASE("a handle kept past on_exchange_end fails on the same connection, whose next request reuses its state") {
  Runtime rt;
  std::vector<Exchange> kept;
  rt.app.request_fn = [&](Exchange& ex) { kept.push_back(ex); };
  rt.feed("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(kept.size() == 1);
  CHECK_FALSE(kept[0].ended());
  CHECK_FALSE(kept[0].respond(200, {{"Content-Type", "text/plain"}}, "a"));
  rt.pump();
  CHECK(kept[0].ended());
  rt.take_output();

  // The second request gets the state the first one used; it waits for its
  // answer while the stale handle tries every call.
  rt.feed("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE(kept.size() == 2);
  CHECK(kept[1] != kept[0]);
  expect_stale(kept[0]);
  rt.pump();
  CHECK(rt.output.empty());
  CHECK(kept[1].request().target == "/b");
  CHECK_FALSE(kept[1].respond(200, {{"Content-Type", "text/plain"}}, "b"));
  rt.pump();
  CHECK(rt.take_output() == ok_response("b"));
}

TEST_CASE("a handle kept past on_exchange_end cannot answer another connection's request") {
  Runtime a, b;
  Exchange kept;
  a.app.request_fn = [&](Exchange& ex) {
    kept = ex;
    CHECK_FALSE(ex.respond(200, {{"Content-Type", "text/plain"}}, "a"));
  };
  Exchange waiting;
  b.app.request_fn = [&](Exchange& ex) { waiting = ex; };
  a.feed("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(a.take_output() == ok_response("a"));
  REQUIRE(kept.ended());

  // Both connections are on this thread, so B's request takes the state A's
  // exchange gave back.
  b.feed("GET /b HTTP/1.1\r\nHost: h\r\n\r\n");
  REQUIRE_FALSE(waiting.ended());
  expect_stale(kept);
  b.pump();
  a.pump();
  CHECK(b.output.empty());
  CHECK(a.output.empty());
  CHECK_FALSE(waiting.respond(200, {{"Content-Type", "text/plain"}}, "b"));
  b.pump();
  CHECK(b.take_output() == ok_response("b"));
}

TEST_CASE("a streaming exchange's handle goes stale when the peer leaves, and a later request is untouched") {
  Runtime first;
  Exchange kept;
  first.app.request_fn = [&](Exchange& ex) {
    kept = ex;
    CHECK_FALSE(ex.respond_streaming(200, {}));
  };
  first.feed("GET /s HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(kept.write("part"));
  first.eof();
  first.conn.write_failed(first.now);
  REQUIRE(kept.ended());

  Runtime second;
  second.feed("GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
  expect_stale(kept);
  second.pump();
  CHECK(second.take_output() == ok_response("GET /next "));
}

TEST_CASE("a default handle names no exchange") {
  Exchange none;
  expect_stale(none);
  CHECK(none == Exchange{});
  ClientExchange no_client;
  CHECK(no_client.ended());
  CHECK(no_client.read_body() == Error::exchange_ended);
}

TEST_CASE("handles are values: copying is how they are kept, taking their address does not compile") {
  STATIC_REQUIRE(std::is_trivially_copyable_v<Exchange>);
  STATIC_REQUIRE(std::is_trivially_copyable_v<ClientExchange>);
  STATIC_REQUIRE(sizeof(Exchange) <= 2 * sizeof(void*));
  STATIC_REQUIRE_FALSE(addressable<Exchange>);
  STATIC_REQUIRE_FALSE(addressable<ClientExchange>);
  STATIC_REQUIRE(addressable<Request>);
}

TEST_CASE("a client handle kept past on_exchange_end fails, and the next request's exchange is untouched") {
  ClientRuntime rt;
  Recorder first, second;
  SendResult sent = rt.conn.send(first, "POST", "/a", {{"Host", "h"}}, "", {.pipeline = true, .streaming = true});
  REQUIRE_FALSE(sent.error);
  ClientExchange kept = sent.exchange;
  CHECK_FALSE(kept.end());
  rt.pump();
  rt.feed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  REQUIRE(first.ended);
  REQUIRE(kept.ended());

  SendResult next = rt.conn.send(second, "POST", "/b", {{"Host", "h"}}, "", {.pipeline = true, .streaming = true});
  REQUIRE_FALSE(next.error);
  CHECK(kept.write("STALE").error == Error::exchange_ended);
  CHECK(kept.write_chunk("STALE", {}).error == Error::exchange_ended);
  CHECK(kept.end() == Error::exchange_ended);
  CHECK(kept.set_max_body_bytes(1) == Error::exchange_ended);
  CHECK(kept.response().status == 0);
  rt.take_sent();
  CHECK(next.exchange.write("body"));
  CHECK_FALSE(next.exchange.end());
  rt.pump();
  CHECK(rt.take_sent().find("STALE") == std::string::npos);
}

TEST_CASE("a Config passed as a temporary is the connection's own copy") {
  TestApp app;
  Time now{};
  ServerConnection conn(Config{}, app, now);
  ClientConnection client(Config{}, now);
  // A request read after the temporary is gone: ASan would report a read
  // of it, had the connection kept a reference.
  REQUIRE(conn.next_read() == ReadOp::read);
  const std::string request = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";
  std::span<char> buf = conn.read_buffer();
  std::copy(request.begin(), request.end(), buf.begin());
  conn.commit_read(request.size(), now);
  const WriteOp op = conn.next_write();
  REQUIRE(op.kind == WriteOp::write);
  std::string out;
  for (const IoVec& v : op.iovecs) out.append(static_cast<const char*>(v.base), v.len);
  CHECK(out.find("Server: wirestate") != std::string::npos);
  CHECK(out.ends_with("GET /x "));
  CHECK(client.can_send());
}

TEST_CASE("connections share one Config through a shared_ptr, and a null one means the defaults") {
  auto shared = std::make_shared<Config>(plain_config());
  shared->max_header_count = 2;
  TestApp app;
  Time now{};
  {
    ServerConnection a(shared, app, now);
    ServerConnection b(shared, app, now);
    CHECK(shared.use_count() == 3);
  }
  CHECK(shared.use_count() == 1);
  ServerConnection defaults(std::shared_ptr<const Config>{}, app, now);
  CHECK(defaults.next_read() == ReadOp::read);
}

TEST_CASE("a write token is its own type, not a count of bytes") {
  STATIC_REQUIRE_FALSE(std::is_convertible_v<WriteToken, std::size_t>);
  STATIC_REQUIRE_FALSE(std::is_convertible_v<std::size_t, WriteToken>);
  STATIC_REQUIRE(reports_in_order<ServerConnection>);
  STATIC_REQUIRE_FALSE(reports_swapped<ServerConnection>);
}
