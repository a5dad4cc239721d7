#pragma once
// The application every sample server serves (docs/sample-server.md), written
// once against the wirestate API and the Timers interface, shared by all
// adapters. One instance per event loop; per-request state comes from a pool
// it keeps, so steady traffic allocates nothing here either.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "access_log.hpp"
#include "stats_board.hpp"
#include "wirestate/loop_options.hpp"
#include "wirestate/wirestate.hpp"

namespace wirestate::sample {

class SampleApp final : public Handler {
 public:
  // `max_generated_bytes`: the largest N /bytes/N and /stream/N send.
  SampleApp(Timers& timers, AccessLog* log, std::uint64_t max_generated_bytes)
      : timers_(timers), log_(log), max_generated_bytes_(max_generated_bytes) {}
  ~SampleApp() override;

  // Serve GET /stats from `board`, publishing `live()` (this loop's
  // counters) there once a second.
  void watch(StatsBoard& board, std::size_t loop_index, std::function<LoopCounters()> live);

  void on_request(Exchange& ex) noexcept override;
  void on_body(Exchange& ex, std::string_view data) noexcept override;
  void on_body_end(Exchange& ex) noexcept override;
  void on_writable(Exchange& ex) noexcept override;
  void on_exchange_end(Exchange& ex, std::error_code error) noexcept override;
  void on_request_refused(const RefusedRequest& refused) noexcept override;

  // Default for the largest N of /bytes/N and /stream/N: 4 GiB, enough
  // for any download benchmark, and no one can ask a server for a terabyte.
  static constexpr std::uint64_t default_max_generated_bytes = std::uint64_t{4} << 30;
  // Largest MS for /slow/MS.
  static constexpr std::uint64_t max_slow_ms = 600'000;
  // What GET / answers, and --help lists.
  static const char* const route_index;

 private:
  enum class Route { other, echo, bytes, stream, slow, upload };
  struct Job {
    Exchange ex;
    Route route = Route::other;
    int status = 0;
    std::uint64_t remaining = 0;  // bytes to generate, or chunks to send
    std::uint64_t received = 0;   // request body bytes
    std::uint64_t sent = 0;       // response body bytes, for the access log
    Time started{};
    Duration tick{};
    Timers::Token timer = 0;
    SampleApp* app = nullptr;
    char length[24] = {};
  };

  Job& job_for(Exchange& ex);
  void respond(Exchange& ex, int status, std::string_view content_type, std::string_view body,
               Headers extra = {});
  void generate(Job& job);
  void log(const Exchange& ex, const Job& job, std::error_code error);
  static void on_slow_tick(void* context);
  static void on_publish(void* context);
  static constexpr Duration publish_period = std::chrono::seconds(1);

  Timers& timers_;
  AccessLog* log_;
  std::uint64_t max_generated_bytes_;
  std::vector<std::unique_ptr<Job>> jobs_;
  std::vector<Job*> free_jobs_;
  StatsBoard* board_ = nullptr;
  std::size_t loop_index_ = 0;
  std::function<LoopCounters()> live_;
  Timers::Token publish_timer_ = 0;
};


}  // namespace wirestate::sample
