// wirestate's epoll loop driven from a poll() loop of the program's own,
// beside a timer and a signal descriptor of its own: run_once() does one
// bounded turn whenever the loop's descriptor is readable or its timeout
// passes. A 1 KiB header limit shows the Config is the program's.
//
//   epoll_poll [PORT]   GET /ticks says how often the program's timer fired
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "wirestate/epoll_loop.hpp"
#include "wirestate/sockets.hpp"

namespace {

unsigned long ticks = 0;  // the program's own timer, every 100 ms

class Ticks final : public wirestate::Handler {
 public:
  void on_request(wirestate::Exchange& ex) noexcept override {
    const std::string body = "ticks " + std::to_string(ticks) + ", request " + std::to_string(++served_) + "\n";
    // Fails only for a misuse or an exchange that already failed, whose
    // reason on_exchange_end brings.
    if (auto ec = ex.respond(200, {{"Content-Type", "text/plain"}}, body))
      std::fprintf(stderr, "respond: %s\n", ec.message().c_str());
  }

 private:
  unsigned long served_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace std::chrono;
  const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8080);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  const int signals = signalfd(-1, &stop_signals, SFD_CLOEXEC);

  wirestate::LoopOptions options;
  options.config.max_header_bytes = 1024;  // a bigger head is answered 431
  options.make_handler = [](wirestate::Timers&) { return std::make_unique<Ticks>(); };
  std::error_code error;
  auto loop = wirestate::EpollLoop::create(std::move(options), error);
  if (!loop) return std::fprintf(stderr, "epoll: %s\n", error.message().c_str()), 1;
  const int listener = wirestate::listen_tcp("127.0.0.1", port, error);
  if (listener < 0 || (error = loop->serve(listener)))
    return std::fprintf(stderr, "listen: %s\n", error.message().c_str()), 1;
  std::printf("listening on 127.0.0.1:%u\n", wirestate::bound_port(listener));
  std::fflush(stdout);

  auto next_tick = steady_clock::now() + milliseconds(100);
  for (;;) {
    pollfd fds[] = {{loop->fd(), POLLIN, 0}, {signals, POLLIN, 0}};
    const auto until_tick = ceil<milliseconds>(next_tick - steady_clock::now());
    const auto wait = std::clamp(std::min(ceil<milliseconds>(loop->timeout()), until_tick), milliseconds(0),
                                 milliseconds(1000));
    poll(fds, 2, static_cast<int>(wait.count()));
    if (steady_clock::now() >= next_tick) {
      ++ticks;
      next_tick += milliseconds(100);
    }
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info;
      if (read(signals, &info, sizeof info) > 0) loop->stop();  // finish what is in flight, then end
    }
    if (!loop->run_once(seconds(0))) break;
  }
  const wirestate::LoopCounters c = loop->counters();
  std::printf("served %llu requests on %llu connections\n", static_cast<unsigned long long>(c.http.requests),
              static_cast<unsigned long long>(c.handled));
  return 0;
}
