// The full server cycle in memory (bytes in → handler → iovecs out → wrote),
// and the floor it is measured against: llhttp alone on the same bytes.
#include <benchmark/benchmark.h>
#include <llhttp.h>

#include <string>

#include "allocation_counter.hpp"
#include "bench_util.hpp"
#include "llhttp_floor.hpp"

using namespace wirestate;
using namespace wirestate::bench;

namespace {

void report(benchmark::State& state, std::size_t requests, std::size_t allocated) {
  state.SetItemsProcessed(static_cast<std::int64_t>(requests));
  state.counters["allocs/req"] =
      benchmark::Counter(static_cast<double>(allocated) / static_cast<double>(requests));
}

void server_cycle(benchmark::State& state, std::string_view input, int per_read) {
  Config config;
  HttpDate date;
  date.set(1700000000);
  config.date = &date;
  config.read_buffer_bytes = 64 * 1024;
  FreeListPool pool;  // as the epoll adapter runs it
  config.buffers = &pool;
  Plaintext app;
  Time now{};
  ServerConnection conn(config, app, now);
  for (int i = 0; i < 100; ++i) cycle(conn, input, now);  // warm-up: pools fill
  // Counted around the cycle only: the benchmark library allocates too.
  std::size_t requests = 0, allocated = 0;
  for (auto _ : state) {
    const std::size_t before = allocations();
    benchmark::DoNotOptimize(cycle(conn, input, now));
    allocated += allocations() - before;
    requests += static_cast<std::size_t>(per_read);
  }
  report(state, requests, allocated);
}

void BM_ServerCycle_Plaintext(benchmark::State& state) { server_cycle(state, plaintext_request, 1); }
BENCHMARK(BM_ServerCycle_Plaintext);

void BM_ServerCycle_Plaintext_Pipelined16(benchmark::State& state) {
  server_cycle(state, repeated(plaintext_request, 16), 16);
}
BENCHMARK(BM_ServerCycle_Plaintext_Pipelined16);

// 30 headers and a 4 KiB cookie.
void BM_ServerCycle_HeaderHeavy(benchmark::State& state) {
  std::string request = "GET /plaintext HTTP/1.1\r\nHost: localhost\r\n";
  for (int i = 0; i < 28; ++i) request += "X-Header-" + std::to_string(i) + ": value-" + std::to_string(i * 7919) + "\r\n";
  request += "Cookie: " + std::string(4096, 'c') + "\r\n\r\n";
  server_cycle(state, request, 1);
}
BENCHMARK(BM_ServerCycle_HeaderHeavy);

// The floor: llhttp with empty callbacks over the same bytes. Whatever the
// connection adds is measured against this; bare llhttp (no callbacks) is
// printed beside it.
void BM_LlhttpFloor_Plaintext(benchmark::State& state) { llhttp_floor(state, HTTP_REQUEST, plaintext_request, 1); }
BENCHMARK(BM_LlhttpFloor_Plaintext);

void BM_LlhttpFloor_Plaintext_Pipelined16(benchmark::State& state) {
  llhttp_floor(state, HTTP_REQUEST, repeated(plaintext_request, 16), 16);
}
BENCHMARK(BM_LlhttpFloor_Plaintext_Pipelined16);

void BM_LlhttpBare_Plaintext(benchmark::State& state) { llhttp_bare(state, HTTP_REQUEST, plaintext_request, 1); }
BENCHMARK(BM_LlhttpBare_Plaintext);

void BM_LlhttpBare_Plaintext_Pipelined16(benchmark::State& state) {
  llhttp_bare(state, HTTP_REQUEST, repeated(plaintext_request, 16), 16);
}
BENCHMARK(BM_LlhttpBare_Plaintext_Pipelined16);

}  // namespace
