// The client role's full cycle in memory (send → iovecs out → wrote → the
// response's bytes in → body read), against llhttp alone parsing the same
// response bytes.
#include <benchmark/benchmark.h>
#include <llhttp.h>

#include <cstring>
#include <string>

#include "allocation_counter.hpp"
#include "bench_util.hpp"
#include "llhttp_floor.hpp"
#include "wirestate/wirestate.hpp"

using namespace wirestate;

namespace {

// The plaintext response as the sample servers send it.
constexpr std::string_view plaintext_response =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Mon, 23 Nov 2026 00:00:00 GMT\r\n"
    "Server: wirestate\r\nContent-Length: 13\r\n\r\nHello, World!";

class Reader final : public ResponseHandler {
 public:
  std::size_t bytes = 0;
  void on_response(ClientExchange& ex) override { ex.read_body(); }
  void on_body(ClientExchange& ex, std::string_view data) override {
    bytes += data.size();
    ex.read_body();
  }
};

// `depth` pipelined GETs, their bytes written, then their responses read in
// one read.
void client_cycle(benchmark::State& state, int depth) {
  Config config;
  config.read_buffer_bytes = 64 * 1024;
  Time now{};
  ClientConnection conn(config, now);
  Reader reader;
  static constexpr Header headers[] = {{"Host", "localhost:8080"}, {"Accept", "text/plain"}};
  std::string responses;
  for (int i = 0; i < depth; ++i) responses += plaintext_response;
  auto one = [&] {
    for (int i = 0; i < depth; ++i) conn.send(reader, "GET", "/plaintext", headers);
    for (WriteOp op = conn.next_write(); op.kind == WriteOp::write; op = conn.next_write()) {
      std::size_t n = 0;
      for (const IoVec& v : op.iovecs) n += v.len;
      conn.wrote(op.token, n, now);
    }
    std::span<char> buf = conn.read_buffer();
    std::memcpy(buf.data(), responses.data(), responses.size());
    conn.commit_read(responses.size(), now);
  };
  for (int i = 0; i < 100; ++i) one();  // warm-up: pools fill
  std::size_t requests = 0, allocated = 0;
  for (auto _ : state) {
    const std::size_t before = bench::allocations();
    one();
    allocated += bench::allocations() - before;
    requests += static_cast<std::size_t>(depth);
  }
  benchmark::DoNotOptimize(reader.bytes);
  state.SetItemsProcessed(static_cast<std::int64_t>(requests));
  state.counters["allocs/req"] =
      benchmark::Counter(static_cast<double>(allocated) / static_cast<double>(requests));
}

void BM_ClientCycle_Plaintext(benchmark::State& state) { client_cycle(state, 1); }
BENCHMARK(BM_ClientCycle_Plaintext);

void BM_ClientCycle_Plaintext_Pipelined16(benchmark::State& state) { client_cycle(state, 16); }
BENCHMARK(BM_ClientCycle_Plaintext_Pipelined16);

void BM_LlhttpFloor_Response(benchmark::State& state) {
  bench::llhttp_floor(state, HTTP_RESPONSE, plaintext_response, 1);
}
BENCHMARK(BM_LlhttpFloor_Response);

void BM_LlhttpBare_Response(benchmark::State& state) {
  bench::llhttp_bare(state, HTTP_RESPONSE, plaintext_response, 1);
}
BENCHMARK(BM_LlhttpBare_Response);

}  // namespace
