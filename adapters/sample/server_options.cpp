#include "server_options.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>

#include "sample_app.hpp"

namespace wirestate::sample {
namespace {

void usage(const char* program, FILE* to) {
  std::fprintf(to,
               "usage: %s [--host 127.0.0.1] [--port 8080] [--threads N] [--max-connections N]\n"
               "          [--access-log PATH|-] [--quiet] [--reuse-port] [--max-generated-bytes N]\n"
               "          [--busy-poll-us N]\n"
               "Serves the wirestate sample application (docs/sample-server.md).\n"
               "  --port 0          pick a free port; the first line printed is 'listening on HOST:PORT'\n"
               "  --threads N       event loops, one per thread (default: one per core)\n"
               "  --max-connections past N open connections, answer 503 and close (default 10000)\n"
               "  --access-log      one line per response, buffered and written off the event loops\n"
               "  --quiet           print nothing but the 'listening on' line\n"
               "  --reuse-port      share the port with another process already listening on it\n"
               "                    (without it, a port in use is refused)\n"
               "  --max-generated-bytes N\n"
               "                    largest N for /bytes/N and /stream/N (default 4294967296)\n"
               "  --busy-poll-us N  before sleeping, a loop looks for events for up to N us\n"
               "                    (0-10000, default 0): its clients no longer pay to wake it,\n"
               "                    but under steady load its core stays busy\n"
               "Routes:\n%s",
               program, SampleApp::route_index);
}

[[noreturn]] void fail(const char* program, const char* what, const char* arg) {
  std::fprintf(stderr, "%s: %s: '%s'\n", program, what, arg ? arg : "");
  usage(program, stderr);
  std::exit(2);
}

template <class T>
T number(const char* program, const char* flag, const char* text, T min, T max) {
  T value{};
  const char* end = text + std::strlen(text);
  auto [p, ec] = std::from_chars(text, end, value);
  if (ec != std::errc{} || p != end || value < min || value > max)
    fail(program, (std::string("invalid value for ") + flag).c_str(), text);
  return value;
}

}  // namespace

ServerOptions parse_server_options(int argc, char** argv, const char* program) {
  ServerOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) fail(program, "missing value for", argv[i]);
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h") {
      usage(program, stdout);
      std::exit(0);
    } else if (flag == "--host") {
      o.host = value();
    } else if (flag == "--port") {
      o.port = number<std::uint16_t>(program, "--port", value(), 0, 65535);
    } else if (flag == "--threads") {
      o.threads = number<unsigned>(program, "--threads", value(), 1, 1024);
    } else if (flag == "--max-connections") {
      o.max_connections = number<std::size_t>(program, "--max-connections", value(), 1, 10'000'000);
    } else if (flag == "--access-log") {
      o.access_log = value();
    } else if (flag == "--quiet") {
      o.quiet = true;
    } else if (flag == "--reuse-port") {
      o.reuse_port = true;
    } else if (flag == "--max-generated-bytes") {
      o.max_generated_bytes = number<std::uint64_t>(program, "--max-generated-bytes", value(), 0, UINT64_MAX);
    } else if (flag == "--busy-poll-us") {
      o.busy_poll = std::chrono::microseconds(number<unsigned>(program, "--busy-poll-us", value(), 0, 10'000));
    } else {
      fail(program, "unknown argument", argv[i]);
    }
  }
  if (o.threads == 0) o.threads = std::max(1u, std::thread::hardware_concurrency());
  return o;
}

}  // namespace wirestate::sample
