#include "stats_board.hpp"

#include <cstdint>
#include <functional>

namespace wirestate::sample {

void StatsBoard::publish(std::size_t loop, const LoopCounters& counters) {
  std::lock_guard lock(mutex_);
  published_[loop] = counters;
}

std::vector<LoopCounters> StatsBoard::read(std::size_t self, const LoopCounters& live) const {
  std::lock_guard lock(mutex_);
  std::vector<LoopCounters> all = published_;
  all[self] = live;
  return all;
}

namespace {

struct Writer {
  std::string out;
  const std::vector<LoopCounters>& loops;

  // One metric: its help and type lines, then `value(loop)` per loop, with
  // `labels` after loop="N".
  void metric(const char* name, const char* type, const char* help, std::string_view labels,
              const std::function<std::uint64_t(const LoopCounters&)>& value, bool header = true) {
    if (header) {
      out.append("# HELP ").append(name).append(" ").append(help).append("\n");
      out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    }
    for (std::size_t i = 0; i < loops.size(); ++i) {
      out.append(name).append("{loop=\"").append(std::to_string(i)).append("\"");
      if (!labels.empty()) out.append(",").append(labels);
      out.append("} ").append(std::to_string(value(loops[i]))).append("\n");
    }
  }
};

}  // namespace

std::string prometheus_text(const std::vector<LoopCounters>& loops) {
  Writer w{{}, loops};
  w.metric("wirestate_connections_accepted_total", "counter", "Connections accepted or adopted.", {},
           [](const LoopCounters& c) { return c.accepted; });
  w.metric("wirestate_connections_handled_total", "counter", "Connections served (not turned away).", {},
           [](const LoopCounters& c) { return c.handled; });
  w.metric("wirestate_connections_turned_away_total", "counter",
           "Connections answered 503 and closed (over the limit, out of descriptors, stopping).", {},
           [](const LoopCounters& c) { return c.turned_away; });
  w.metric("wirestate_connections", "gauge", "Open connections by what they are doing.", "state=\"reading\"",
           [](const LoopCounters& c) { return c.reading; });
  w.metric("wirestate_connections", "gauge", "", "state=\"writing\"", [](const LoopCounters& c) { return c.writing; },
           false);
  w.metric("wirestate_connections", "gauge", "", "state=\"waiting\"", [](const LoopCounters& c) { return c.waiting; },
           false);
  w.metric("wirestate_requests_total", "counter", "Request heads handed to the application.", {},
           [](const LoopCounters& c) { return c.http.requests; });
  for (std::size_t k = 1; k <= 5; ++k) {
    const std::string label = "class=\"" + std::to_string(k) + "xx\"";
    w.metric("wirestate_responses_total", "counter", "Response heads queued, by status class.", label,
             [k](const LoopCounters& c) { return c.http.responses[k]; }, k == 1);
  }
  bool first = true;
  for (std::size_t e = 1; e < error_table_size; ++e) {
    const auto error = static_cast<Error>(e);
    if (status_for(error) == 0) continue;  // not an automatic response
    const std::string label = std::string("error=\"") + error_name(error) + "\"";
    w.metric("wirestate_automatic_responses_total", "counter", "Automatic error responses, by the error behind each.",
             label, [e](const LoopCounters& c) { return c.http.automatic[e]; }, first);
    first = false;
  }
  w.metric("wirestate_received_bytes_total", "counter", "Bytes read from connections.", {},
           [](const LoopCounters& c) { return c.http.bytes_in; });
  w.metric("wirestate_sent_bytes_total", "counter", "Bytes written to connections.", {},
           [](const LoopCounters& c) { return c.http.bytes_out; });
  return std::move(w.out);
}

}  // namespace wirestate::sample
