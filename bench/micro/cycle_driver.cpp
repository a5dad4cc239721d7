// A fixed number of full server cycles, or of llhttp alone on the same
// bytes (floor, floor16), for instruction counts:
//
//   valgrind --tool=callgrind build/release/bench/wirestate_cycle_driver WHAT [N]
//   WHAT: plaintext | pipelined16 | floor | floor16
//
// Instructions per request are the total over N, less a run with N = 0,
// divided by N (by 16 N for the pipelined inputs). Callgrind counts are
// stable on a noisy machine where timings are not.
#include <llhttp.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_util.hpp"

using namespace wirestate;
using namespace wirestate::bench;

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "plaintext";
  const long n = argc > 2 ? std::atol(argv[2]) : 10000;
  std::string input(plaintext_request);
  if (what == "pipelined16" || what == "floor16")
    for (int i = 1; i < 16; ++i) input += plaintext_request;
  std::size_t total = 0;
  if (what.starts_with("floor")) {
    llhttp_settings_t settings;
    llhttp_settings_init(&settings);
    llhttp_t parser;
    llhttp_init(&parser, HTTP_REQUEST, &settings);
    for (long i = 0; i < n; ++i) total += llhttp_execute(&parser, input.data(), input.size()) == HPE_OK;
  } else {
    Config config;
    HttpDate date;
    date.set(1700000000);
    config.date = &date;
    config.read_buffer_bytes = 64 * 1024;
    Plaintext app;
    Time now{};
    ServerConnection conn(config, app, now);
    for (int i = 0; i < 100; ++i) cycle(conn, input, now);  // warm-up, as the benchmark
    for (long i = 0; i < n; ++i) total += cycle(conn, input, now);
  }
  std::printf("%zu\n", total);
}
