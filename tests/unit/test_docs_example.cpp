// The complete example of docs/server.md: a connection driven by hand, with
// no socket. Kept here so that the documented code always compiles and works.
#include <catch2/catch.hpp>
#include <cassert>
#include <cstring>
#include <string>

#include "wirestate/wirestate.hpp"

namespace {

using namespace wirestate;

// A call on an exchange fails only when the exchange already failed (the
// peer left: on_exchange_end follows with the reason) or when the
// application misused it, a bug.
void expect(std::error_code ec) {
  assert(!is_misuse(ec));
  (void)ec;
}

// The application: answers GET /hello, echoes POST bodies back as they arrive.
class App : public Handler {
 public:
  void on_request(Exchange& ex) noexcept override {
    const Request& req = ex.request();
    if (req.method == "POST") {
      expect(ex.respond_streaming(200, {{"Content-Type", "application/octet-stream"}}));
      expect(ex.read_body());  // pull the first piece; on_body asks for the next
    } else if (req.target == "/hello") {
      expect(ex.respond(200, {{"Content-Type", "text/plain"}}, "Hello, World!"));
    } else {
      expect(ex.respond(404, {{"Content-Type", "text/plain"}}, "not found\n"));
    }
  }
  void on_body(Exchange& ex, std::string_view data) noexcept override {
    // Past the high watermark, wait for on_writable before reading on.
    if (!ex.write(data).wait) expect(ex.read_body());
  }
  void on_writable(Exchange& ex) noexcept override { expect(ex.read_body()); }
  void on_body_end(Exchange& ex) noexcept override { expect(ex.end()); }
};

// The adapter's part, with a string standing in for the socket.
struct Harness {
  Config config;
  App app;
  Time now{};
  ServerConnection conn{config, app, now};
  std::string sent;  // what the "socket" received

  void receive(std::string_view bytes) {
    while (!bytes.empty() && conn.next_read() == ReadOp::read) {
      std::span<char> buf = conn.read_buffer();
      const std::size_t n = std::min(buf.size(), bytes.size());
      std::memcpy(buf.data(), bytes.data(), n);
      bytes.remove_prefix(n);
      conn.commit_read(n, now);
      flush();
    }
  }
  void flush() {
    for (WriteOp op = conn.next_write(); op.kind == WriteOp::write; op = conn.next_write()) {
      std::size_t n = 0;
      for (const IoVec& v : op.iovecs) {
        sent.append(static_cast<const char*>(v.base), v.len);
        n += v.len;
      }
      conn.wrote(n, now);  // a real socket may take fewer bytes: report those
    }
  }
};

}  // namespace

TEST_CASE("the docs/server.md example works as documented") {
  Harness h;
  h.receive("GET /hello HTTP/1.1\r\nHost: example\r\n\r\n");
  CHECK(h.sent ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nServer: wirestate\r\nContent-Length: 13\r\n\r\nHello, World!");
  h.sent.clear();
  h.receive("POST /echo HTTP/1.1\r\nHost: example\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(h.sent ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nServer: wirestate\r\n"
        "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  REQUIRE(h.conn.deadline());
  CHECK(*h.conn.deadline() == h.now + h.config.keep_alive_timeout);
}
