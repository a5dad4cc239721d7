#pragma once
// GET /stats for a sample server of several loops: each loop's counters are
// plain integers of its own thread, so each loop publishes a snapshot here
// once a second, and the loop that serves /stats shows its own counters as
// they are and the others' as last published.
#include <mutex>
#include <string>
#include <vector>

#include "wirestate/loop_options.hpp"

namespace wirestate::sample {

class StatsBoard {
 public:
  explicit StatsBoard(std::size_t loops) : published_(loops) {}
  void publish(std::size_t loop, const LoopCounters& counters);
  // Every loop's counters, `live` in place of loop `self`'s published ones.
  std::vector<LoopCounters> read(std::size_t self, const LoopCounters& live) const;

 private:
  mutable std::mutex mutex_;
  std::vector<LoopCounters> published_;
};

// The Prometheus text exposition format (version 0.0.4), one series per
// loop, labelled loop="N".
std::string prometheus_text(const std::vector<LoopCounters>& loops);

}  // namespace wirestate::sample
