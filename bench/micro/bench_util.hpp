#pragma once
// Driving a connection of either role in memory for the benchmarks.
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "wirestate/wirestate.hpp"

namespace wirestate::bench {

// The TechEmpower plaintext request, as wrk sends it.
inline constexpr std::string_view plaintext_request =
    "GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\n"
    "Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\n"
    "Connection: keep-alive\r\n\r\n";

// The plaintext response as the sample servers send it.
inline constexpr std::string_view plaintext_response =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Mon, 23 Nov 2026 00:00:00 GMT\r\n"
    "Server: wirestate\r\nContent-Length: 13\r\n\r\nHello, World!";

// `s`, `n` times over: what a read of n pipelined messages holds.
inline std::string repeated(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// A benchmark whose calls fail measures nothing: stop it at once. One
// predictable branch, as any application that looks at results pays.
inline void must(std::error_code ec) noexcept {
  if (ec) std::abort();
}

class Plaintext final : public Handler {
 public:
  void on_request(Exchange& ex) noexcept override {
    static constexpr Header headers[] = {{"Content-Type", "text/plain"}};
    must(ex.respond(200, headers, "Hello, World!"));
  }
};

// Copies `input` into the connection, then drains every write. Returns the
// bytes written.
inline std::size_t cycle(ServerConnection& conn, std::string_view input, Time now) {
  std::span<char> buf = conn.read_buffer();
  std::memcpy(buf.data(), input.data(), input.size());
  conn.commit_read(input.size(), now);
  std::size_t total = 0;
  for (WriteOp op = conn.next_write(); op.kind == WriteOp::write; op = conn.next_write()) {
    std::size_t n = 0;
    for (const IoVec& v : op.iovecs) n += v.len;
    conn.wrote(n, now);
    total += n;
  }
  return total;
}

// Reads each response's body as it comes.
class ResponseReader final : public ResponseHandler {
 public:
  std::size_t bytes = 0;
  void on_response(ClientExchange& ex) noexcept override { must(ex.read_body()); }
  void on_body(ClientExchange& ex, std::string_view data) noexcept override {
    bytes += data.size();
    must(ex.read_body());
  }
};

// `depth` pipelined GETs sent and their bytes written, then `responses`
// (theirs) copied into the connection in one read.
inline void client_cycle(ClientConnection& conn, ResponseReader& reader, std::string_view responses, int depth,
                         Time now) {
  static constexpr Header headers[] = {{"Host", "localhost:8080"}, {"Accept", "text/plain"}};
  for (int i = 0; i < depth; ++i) must(conn.send(reader, "GET", "/plaintext", headers).error);
  for (WriteOp op = conn.next_write(); op.kind == WriteOp::write; op = conn.next_write()) {
    std::size_t n = 0;
    for (const IoVec& v : op.iovecs) n += v.len;
    conn.wrote(op.token, n, now);
  }
  std::span<char> buf = conn.read_buffer();
  std::memcpy(buf.data(), responses.data(), responses.size());
  conn.commit_read(responses.size(), now);
}

}  // namespace wirestate::bench
