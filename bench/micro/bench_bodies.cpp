// Bodies: a large response streamed by reference, and a chunked upload
// decoded, each against memcpy of the same bytes.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

#include "allocation_counter.hpp"
#include "bench_util.hpp"

using namespace wirestate;
using namespace wirestate::bench;

namespace {

constexpr std::size_t piece = 64 * 1024;
constexpr std::uint64_t stream_bytes = std::uint64_t{1} << 30;  // 1 GiB per iteration

// Streams 1 GiB per iteration: 64 KiB borrowed writes, drained as a socket
// would take them.
class Streamer final : public Handler {
 public:
  std::string data = std::string(piece, 'd');
  std::uint64_t remaining = 0;
  Exchange ex;
  void on_request(Exchange& e) noexcept override {
    ex = e;
    must(e.respond_streaming(200, {{"Content-Length", "1073741824"}}));
    remaining = stream_bytes;
    pump();
  }
  void on_writable(Exchange&) noexcept override { pump(); }
  void pump() {
    while (remaining > 0) {
      remaining -= piece;
      if (ex.write_borrowed(data, {}).wait) return;
    }
    must(ex.end());
  }
};

void BM_StreamedResponse_ByReference(benchmark::State& state) {
  Config config;
  Streamer app;
  Time now{};
  ServerConnection conn(config, app, now);
  const std::string_view get = "GET /bytes HTTP/1.1\r\nHost: h\r\n\r\n";
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    std::span<char> buf = conn.read_buffer();
    std::memcpy(buf.data(), get.data(), get.size());
    conn.commit_read(get.size(), now);
    for (WriteOp op = conn.next_write(); op.kind == WriteOp::write; op = conn.next_write()) {
      std::size_t n = 0;
      for (const IoVec& v : op.iovecs) n += v.len;
      conn.wrote(n, now);
      bytes += n;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_StreamedResponse_ByReference)->Unit(benchmark::kMillisecond);

// The reference for both: copying the same number of bytes once.
void BM_Memcpy_Reference(benchmark::State& state) {
  std::vector<char> src(piece, 's'), dst(piece);
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    for (std::uint64_t done = 0; done < stream_bytes; done += piece) {
      std::memcpy(dst.data(), src.data(), piece);
      benchmark::ClobberMemory();
    }
    bytes += stream_bytes;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_Memcpy_Reference)->Unit(benchmark::kMillisecond);

class Upload final : public Handler {
 public:
  std::uint64_t received = 0;
  void on_request(Exchange& ex) noexcept override {
    must(ex.set_max_body_bytes(UINT64_MAX));
    must(ex.read_body());
  }
  void on_body(Exchange& ex, std::string_view data) noexcept override {
    received += data.size();
    must(ex.read_body());
  }
  void on_body_end(Exchange& ex) noexcept override { must(ex.respond(204, {})); }
};

// A chunked upload of 16 KiB chunks, fed in 64 KiB reads.
void BM_ChunkedUpload_Decode(benchmark::State& state) {
  std::string body;
  const std::string chunk = "4000\r\n" + std::string(16384, 'u') + "\r\n";
  while (body.size() < (8u << 20)) body += chunk;
  const std::string head = "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string message = head + body + "0\r\n\r\n";
  Config config;
  config.read_buffer_bytes = 64 * 1024;
  Upload app;
  Time now{};
  ServerConnection conn(config, app, now);
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    std::size_t at = 0;
    while (at < message.size()) {
      std::span<char> buf = conn.read_buffer();
      const std::size_t n = std::min(buf.size(), message.size() - at);
      std::memcpy(buf.data(), message.data() + at, n);
      conn.commit_read(n, now);
      at += n;
      for (WriteOp op = conn.next_write(); op.kind == WriteOp::write; op = conn.next_write()) {
        std::size_t w = 0;
        for (const IoVec& v : op.iovecs) w += v.len;
        conn.wrote(w, now);
      }
    }
    bytes += message.size();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_ChunkedUpload_Decode)->Unit(benchmark::kMillisecond);

}  // namespace
