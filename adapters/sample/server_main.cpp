#include "server_main.hpp"

#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "access_log.hpp"
#include "sample_app.hpp"
#include "server_options.hpp"
#include "stats_board.hpp"
#include "wirestate/sockets.hpp"

namespace wirestate::sample {
namespace {

// Every loop's listener sets SO_REUSEPORT, so binding them would also
// succeed on a port another process listens on, and the kernel would split
// connections between the two. A socket without it is refused there.
bool port_taken(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return false;
  const int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
  bool taken = false;
  if (fd >= 0) {
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // TIME_WAIT is no owner
    taken = bind(fd, found->ai_addr, found->ai_addrlen) != 0 && errno == EADDRINUSE;
    close(fd);
  }
  freeaddrinfo(found);
  return taken;
}

void log_turned_away(AccessLog& log, const TurnedAway& t) {
  AccessRecord record;
  record.client = t.client;
  record.status = 503;
  record.body_bytes = t.response.size() - (t.response.find("\r\n\r\n") + 4);
  record.error = t.stopping ? "stopping" : "over --max-connections or out of descriptors";
  log.append(record);
}

}  // namespace

int server_main(int argc, char** argv, const char* program, const LoopFactory& make_loop) {
  const ServerOptions o = parse_server_options(argc, argv, program);

  // Threads inherit this mask: only the main thread takes the stop signals,
  // and a peer that vanishes mid-write never kills the process.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<AccessLog> log;
  if (!o.access_log.empty()) {
    log.reset(AccessLog::open(o.access_log));
    if (!log) return 1;
  }

  if (o.port != 0 && !o.reuse_port && port_taken(o.host, o.port)) {
    std::fprintf(stderr, "%s: cannot listen on %s:%u: address already in use (--reuse-port shares it)\n",
                 program, o.host.c_str(), o.port);
    return 1;
  }
  std::vector<int> listeners;
  std::uint16_t port = o.port;
  for (unsigned i = 0; i < o.threads; ++i) {
    std::error_code error;
    const int fd = listen_tcp(o.host, port, error);
    if (fd < 0) {
      std::fprintf(stderr, "%s: cannot listen on %s:%u: %s\n", program, o.host.c_str(), port,
                   error == std::errc::invalid_argument ? "not a numeric address" : error.message().c_str());
      return 1;
    }
    port = bound_port(fd);  // port 0: the others join the one the first got
    listeners.push_back(fd);
  }

  // One limit for the whole server, whichever loop a connection lands on.
  const auto budget = std::make_shared<ConnectionBudget>(o.max_connections);
  StatsBoard board(listeners.size());
  std::vector<SampleLoop> loops;
  for (int fd : listeners) {
    LoopOptions options;
    options.budget = budget;
    options.busy_poll = o.busy_poll;
    SampleApp* app = nullptr;
    options.make_handler = [&](Timers& timers) -> std::unique_ptr<Handler> {
      auto made = std::make_unique<SampleApp>(timers, log.get(), o.max_generated_bytes);
      app = made.get();
      return made;
    };
    if (log) {
      options.peer_addresses = true;
      options.on_turned_away = [&log](const TurnedAway& t) { log_turned_away(*log, t); };
    }
    std::string error;
    loops.push_back(make_loop(std::move(options), error));
    if (!loops.back().loop) {
      std::fprintf(stderr, "%s: %s\n", program, error.c_str());
      return 1;
    }
    Loop& loop = *loops.back().loop;
    if (const std::error_code ec = loop.serve(fd)) {
      std::fprintf(stderr, "%s: cannot serve the listener: %s\n", program, ec.message().c_str());
      return 1;
    }
    app->watch(board, loops.size() - 1, [&loop] { return loop.counters(); });
  }
  std::printf("listening on %s:%u\n", o.host.c_str(), port);
  if (!o.quiet) std::printf("%s: %u event loop(s), max %zu connections\n", program, o.threads, o.max_connections);
  std::fflush(stdout);

  std::vector<std::thread> threads;
  for (auto& loop : loops) threads.emplace_back(loop.run);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  if (!o.quiet) std::fprintf(stderr, "%s: %s, finishing in-flight responses\n", program, strsignal(signal_number));
  for (auto& loop : loops) loop.loop->stop();
  for (auto& t : threads) t.join();
  loops.clear();  // before the access log they write to
  return 0;
}

}  // namespace wirestate::sample
