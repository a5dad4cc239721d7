// The smallest embedding: a ServerConnection driven by hand, bytes in and
// bytes out, no socket. Prints what the connection would send and exits 0
// when that is the expected response.
#include <wirestate/wirestate.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace {

struct Hello final : wirestate::Handler {
  void on_request(wirestate::Exchange& ex) noexcept override {
    const std::string body = "hello from " + std::string(ex.request().path) + "\n";
    // Fails only for a misuse or an exchange that already failed, whose
    // reason on_exchange_end brings.
    if (auto ec = ex.respond(200, {{"Content-Type", "text/plain"}}, body))
      std::fprintf(stderr, "respond: %s\n", ec.message().c_str());
  }
};

}  // namespace

int main() {
  Hello app;
  wirestate::Config config;  // the defaults; no Date header (config.date unset)
  wirestate::Time now{};     // the embedder's clock; any monotonic time will do
  wirestate::ServerConnection conn(config, app, now);

  // Bytes in: the connection lends its buffer, the embedder fills it.
  const std::string_view request = "GET /docs?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n";
  std::span<char> buffer = conn.read_buffer();
  std::memcpy(buffer.data(), request.data(), request.size());
  conn.commit_read(request.size(), now);

  // Bytes out: iovecs to write, then how much was written.
  std::string out;
  for (wirestate::WriteOp op = conn.next_write(); op.kind == wirestate::WriteOp::write; op = conn.next_write()) {
    std::size_t n = 0;
    for (const wirestate::IoVec& v : op.iovecs) out.append(static_cast<const char*>(v.base), v.len), n += v.len;
    conn.wrote(n, now);
  }
  std::fputs(out.c_str(), stdout);
  const bool ok = out.starts_with("HTTP/1.1 200 OK\r\n") && out.ends_with("hello from /docs\n");
  return ok ? 0 : 1;
}
