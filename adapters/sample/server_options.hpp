#pragma once
// The command line every sample server takes (docs/sample-server.md).
#include <chrono>
#include <cstdint>
#include <string>

namespace wirestate::sample {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  unsigned threads = 0;           // 0: one per core
  std::size_t max_connections = 10000;
  std::string access_log;         // empty: none; "-": stdout
  bool quiet = false;
  std::chrono::microseconds busy_poll{0};  // how long a loop looks for events before it sleeps
  bool reuse_port = false;        // share a port another process already listens on
  std::uint64_t max_generated_bytes = std::uint64_t{4} << 30;  // largest N of /bytes/N, /stream/N
};

// Parses argv; on a bad argument prints why and the usage to stderr and
// exits 2; on --help prints the usage and exits 0.
ServerOptions parse_server_options(int argc, char** argv, const char* program);

}  // namespace wirestate::sample
