// Runs the micro suite, then prints each cycle's ratio to its floor.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

// Remembers every repetition's rates, and prints each benchmark's line once:
// the run itself, or with repetitions their median.
class Recorder final : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal: `./dev bench micro` also keeps a copy.
  Recorder() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}
  std::map<std::string, std::vector<double>> items, bytes;
  std::optional<double> most_allocs;  // the highest allocs/req of any run that counts them
  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> shown;
    for (const Run& r : runs) {
      if (r.run_type == Run::RT_Iteration) {
        const std::string name = r.run_name.str();
        if (auto it = r.counters.find("items_per_second"); it != r.counters.end()) items[name].push_back(it->second);
        if (auto it = r.counters.find("bytes_per_second"); it != r.counters.end()) bytes[name].push_back(it->second);
        if (auto it = r.counters.find("allocs/req"); it != r.counters.end())
          most_allocs = std::max(most_allocs.value_or(0), static_cast<double>(it->second));
      }
      if (r.repetitions <= 1 ? r.run_type == Run::RT_Iteration : r.aggregate_name == "median") shown.push_back(r);
    }
    if (!shown.empty()) ConsoleReporter::ReportRuns(shown);
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double best(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

// The median rates' ratio, then the best rates' (the runs least disturbed by
// the machine's other work: noise only ever slows a run down). With a
// target, whether both ratios reach it; when one does and the other does
// not, a slow moment decided the run and it says so rather than guess.
void ratio(const std::map<std::string, std::vector<double>>& rates, const char* what, const char* of,
           const char* unit, double target = 0) {
  auto a = rates.find(what), b = rates.find(of);
  if (a == rates.end() || b == rates.end() || a->second.empty() || b->second.empty()) return;
  const double am = median(a->second), bm = median(b->second);
  const double best_ratio = best(a->second) / best(b->second);
  std::printf("%-40s %6.3f x %-36s (%.3g vs %.3g %s; best of %zu: %.3f)", what, am / bm, of, am, bm, unit,
              std::min(a->second.size(), b->second.size()), best_ratio);
  if (target > 0) {
    const bool median_met = am / bm >= target, best_met = best_ratio >= target;
    std::printf("  target %.2f: %s", target,
                median_met && best_met     ? "met"
                : !median_met && !best_met ? "MISSED"
                                           : "undecided (median and best disagree; ./dev bench layouts)");
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  Recorder recorder;
  benchmark::RunSpecifiedBenchmarks(&recorder);
  // The targets: a full server cycle at least half as fast as llhttp alone
  // with empty callbacks, and no allocation per request in any cycle.
  constexpr double cycle_target = 0.5;
  std::printf("\nRatios (same run; medians of the repetitions, then the best runs' ratio):\n");
  ratio(recorder.items, "BM_ServerCycle_Plaintext", "BM_LlhttpFloor_Plaintext", "req/s", cycle_target);
  ratio(recorder.items, "BM_ServerCycle_Plaintext_Pipelined16", "BM_LlhttpFloor_Plaintext_Pipelined16", "req/s",
        cycle_target);
  // The client's cycles are reported against their floor, not judged.
  ratio(recorder.items, "BM_ClientCycle_Plaintext", "BM_LlhttpFloor_Response", "req/s");
  ratio(recorder.items, "BM_ClientCycle_Plaintext_Pipelined16", "BM_LlhttpFloor_Response", "req/s");
  if (recorder.most_allocs)
    std::printf("Allocations per request, highest of any cycle run: %g  target 0: %s\n", *recorder.most_allocs,
                *recorder.most_allocs == 0 ? "met" : "MISSED");
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
