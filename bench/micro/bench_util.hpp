#pragma once
// Driving a server connection in memory for the benchmarks.
#include <cstring>
#include <string_view>

#include "wirestate/wirestate.hpp"

namespace wirestate::bench {

// The TechEmpower plaintext request, as wrk sends it.
inline constexpr std::string_view plaintext_request =
    "GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\n"
    "Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\n"
    "Connection: keep-alive\r\n\r\n";

class Plaintext final : public Handler {
 public:
  void on_request(Exchange& ex) override {
    static constexpr Header headers[] = {{"Content-Type", "text/plain"}};
    ex.respond(200, headers, "Hello, World!");
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

}  // namespace wirestate::bench
