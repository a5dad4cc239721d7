// A fixed number of full cycles of either role, or of llhttp alone on the
// same bytes, for instruction counts:
//
//   valgrind --tool=callgrind build/release/bench/wirestate_cycle_driver WHAT [N]
//   WHAT: plaintext | pipelined16 | floor | floor16              (server role)
//         client | client16 | floor-response | floor-response16  (client role)
//
// Instructions per request are the total over N, less a run with N = 0,
// divided by N (by 16 N for the 16-deep inputs). Callgrind counts are
// stable on a noisy machine where timings are not.
#include <llhttp.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_util.hpp"

using namespace wirestate;
using namespace wirestate::bench;

namespace {

std::size_t bare_llhttp(llhttp_type_t type, const std::string& input, long n) {
  llhttp_settings_t settings;
  llhttp_settings_init(&settings);
  llhttp_t parser;
  llhttp_init(&parser, type, &settings);
  std::size_t total = 0;
  for (long i = 0; i < n; ++i) total += llhttp_execute(&parser, input.data(), input.size()) == HPE_OK;
  return total;
}

std::size_t server_cycles(const std::string& input, long n) {
  Config config;
  HttpDate date;
  date.set(1700000000);
  config.date = &date;
  config.read_buffer_bytes = 64 * 1024;
  Plaintext app;
  Time now{};
  ServerConnection conn(config, app, now);
  for (int i = 0; i < 100; ++i) cycle(conn, input, now);  // warm-up, as the benchmark
  std::size_t total = 0;
  for (long i = 0; i < n; ++i) total += cycle(conn, input, now);
  return total;
}

std::size_t client_cycles(const std::string& responses, int depth, long n) {
  Config config;
  config.read_buffer_bytes = 64 * 1024;
  Time now{};
  ClientConnection conn(config, now);
  ResponseReader reader;
  for (int i = 0; i < 100; ++i) client_cycle(conn, reader, responses, depth, now);  // warm-up
  for (long i = 0; i < n; ++i) client_cycle(conn, reader, responses, depth, now);
  return reader.bytes;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "plaintext";
  const long n = argc > 2 ? std::atol(argv[2]) : 10000;
  const int depth = what.ends_with("16") ? 16 : 1;
  const bool client = what.starts_with("client") || what.starts_with("floor-response");
  const std::string input = repeated(client ? plaintext_response : plaintext_request, depth);
  std::size_t total = 0;
  if (what.starts_with("floor"))
    total = bare_llhttp(client ? HTTP_RESPONSE : HTTP_REQUEST, input, n);
  else if (client)
    total = client_cycles(input, depth, n);
  else if (what == "plaintext" || what == "pipelined16")
    total = server_cycles(input, n);
  else
    return std::fprintf(stderr, "unknown cycle '%s'\n", what.c_str()), 2;
  std::printf("%zu\n", total);
}
