#pragma once
// The application every sample server serves (shared/CONTRACT.md), written
// once against the wirestate API and the Timers interface, shared by all
// adapters. One instance per event loop; per-request state comes from a pool
// it keeps, so steady traffic allocates nothing here either.
#include <cstdint>
#include <memory>
#include <vector>

#include "../common/access_log.hpp"
#include "../common/timers.hpp"
#include "wirestate/wirestate.hpp"

namespace wirestate::adapters {

class SampleApp final : public Handler {
 public:
  SampleApp(Timers& timers, AccessLog* log) : timers_(timers), log_(log) {}

  void on_request(Exchange& ex) override;
  void on_body(Exchange& ex, std::string_view data) override;
  void on_body_end(Exchange& ex) override;
  void on_writable(Exchange& ex) override;
  void on_exchange_end(Exchange& ex, std::error_code error) override;
  void on_request_refused(const RefusedRequest& refused) override;

  // Largest N for /bytes/N and /stream/N.
  static constexpr std::uint64_t max_generated_bytes = std::uint64_t{1} << 40;
  // Largest MS for /slow/MS.
  static constexpr std::uint64_t max_slow_ms = 600'000;

 private:
  enum class Route { other, echo, bytes, stream, slow, upload };
  struct Job {
    Exchange* ex = nullptr;
    Route route = Route::other;
    int status = 0;
    std::uint64_t remaining = 0;  // bytes to generate, or chunks to send
    std::uint64_t received = 0;   // request body bytes
    Duration tick{};
    Timers::Token timer = 0;
    SampleApp* app = nullptr;
    char length[24] = {};
  };

  Job& job_for(Exchange& ex);
  void respond(Exchange& ex, int status, std::string_view content_type, std::string_view body,
               Headers extra = {});
  void generate(Job& job);
  static void on_slow_tick(void* context);

  Timers& timers_;
  AccessLog* log_;
  std::vector<std::unique_ptr<Job>> jobs_;
  std::vector<Job*> free_jobs_;
};

}  // namespace wirestate::adapters
