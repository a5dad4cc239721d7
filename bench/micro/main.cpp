// Runs the micro suite, then prints each cycle's ratio to its floor.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>

namespace {

// Remembers every run's rates while printing as usual.
class Recorder final : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal: `./dev bench micro` also keeps a copy.
  Recorder() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}
  std::map<std::string, double> items, bytes;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      const std::string name = r.benchmark_name();
      if (auto it = r.counters.find("items_per_second"); it != r.counters.end()) items[name] = it->second;
      if (auto it = r.counters.find("bytes_per_second"); it != r.counters.end()) bytes[name] = it->second;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

void ratio(const std::map<std::string, double>& rates, const char* what, const char* of, const char* unit) {
  auto a = rates.find(what), b = rates.find(of);
  if (a == rates.end() || b == rates.end() || b->second == 0) return;
  std::printf("%-40s %6.3f x %-36s (%.3g vs %.3g %s)\n", what, a->second / b->second, of, a->second,
              b->second, unit);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  Recorder recorder;
  benchmark::RunSpecifiedBenchmarks(&recorder);
  std::printf("\nRatios (same run):\n");
  ratio(recorder.items, "BM_ServerCycle_Plaintext", "BM_LlhttpFloor_Plaintext", "req/s");
  ratio(recorder.items, "BM_ServerCycle_Plaintext_Pipelined16", "BM_LlhttpFloor_Plaintext_Pipelined16", "req/s");
  ratio(recorder.items, "BM_ClientCycle_Plaintext", "BM_LlhttpFloor_Response", "req/s");
  ratio(recorder.items, "BM_ClientCycle_Plaintext_Pipelined16", "BM_LlhttpFloor_Response", "req/s");
  std::printf("Against bare llhttp (no callbacks at all):\n");
  ratio(recorder.items, "BM_ServerCycle_Plaintext", "BM_LlhttpBare_Plaintext", "req/s");
  ratio(recorder.items, "BM_ServerCycle_Plaintext_Pipelined16", "BM_LlhttpBare_Plaintext_Pipelined16", "req/s");
  ratio(recorder.items, "BM_ClientCycle_Plaintext", "BM_LlhttpBare_Response", "req/s");
  ratio(recorder.items, "BM_ClientCycle_Plaintext_Pipelined16", "BM_LlhttpBare_Response", "req/s");
  ratio(recorder.bytes, "BM_StreamedResponse_ByReference", "BM_Memcpy_Reference", "B/s");
  ratio(recorder.bytes, "BM_ChunkedUpload_Decode", "BM_Memcpy_Reference", "B/s");
  benchmark::Shutdown();
  return 0;
}
