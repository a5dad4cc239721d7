// The client role's full cycle in memory (send → iovecs out → wrote → the
// response's bytes in → body read), against llhttp alone parsing the same
// response bytes.
#include <benchmark/benchmark.h>
#include <llhttp.h>

#include <string>

#include "allocation_counter.hpp"
#include "bench_util.hpp"
#include "llhttp_floor.hpp"
#include "wirestate/wirestate.hpp"

using namespace wirestate;

namespace {

// `depth` pipelined GETs, their bytes written, then their responses read in
// one read.
void client_cycle(benchmark::State& state, int depth) {
  Config config;
  config.read_buffer_bytes = 64 * 1024;
  Time now{};
  ClientConnection conn(config, now);
  bench::ResponseReader reader;
  const std::string responses = bench::repeated(bench::plaintext_response, depth);
  for (int i = 0; i < 100; ++i) bench::client_cycle(conn, reader, responses, depth, now);  // warm-up: pools fill
  std::size_t requests = 0, allocated = 0;
  for (auto _ : state) {
    const std::size_t before = bench::allocations();
    bench::client_cycle(conn, reader, responses, depth, now);
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
  bench::llhttp_floor(state, HTTP_RESPONSE, bench::plaintext_response, 1);
}
BENCHMARK(BM_LlhttpFloor_Response);

void BM_LlhttpBare_Response(benchmark::State& state) {
  bench::llhttp_bare(state, HTTP_RESPONSE, bench::plaintext_response, 1);
}
BENCHMARK(BM_LlhttpBare_Response);

}  // namespace
