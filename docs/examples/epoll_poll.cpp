// wirestate's epoll loop driven from a poll() loop of the program's own,
// beside a timer and a signal descriptor of its own: run_once() does one
// bounded turn whenever the loop's descriptor is readable or its timeout
// passes. A 1 KiB header limit shows the Config is the program's; once
// serving, the program asks itself for /ticks through the loop's client role.
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
#include <string_view>

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

// The loop's client role, on the same loop: once serving, the program
// asks itself for /ticks and prints the status it got.
class SelfCheck final : public wirestate::ClientSession, public wirestate::ResponseHandler {
 public:
  explicit SelfCheck(wirestate::Loop& loop) : loop_(loop) {}
  void on_open(wirestate::ClientConnection& http) noexcept override {
    if (auto sent = http.send(*this, "GET", "/ticks", {{"Host", "127.0.0.1"}}); sent.error)
      std::fprintf(stderr, "send: %s\n", sent.error.message().c_str());
    loop_.close_when_idle(*this);
  }
  void on_response(wirestate::ClientExchange& ex) noexcept override {
    std::printf("client: %d\n", ex.response().status);
    std::fflush(stdout);
    (void)ex.read_body();
  }
  void on_body(wirestate::ClientExchange& ex, std::string_view) noexcept override { (void)ex.read_body(); }
  void on_closed(std::error_code error) noexcept override {
    if (error) std::fprintf(stderr, "client: %s\n", error.message().c_str());
  }

 private:
  wirestate::Loop& loop_;
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
  SelfCheck self_check(*loop);
  if ((error = loop->connect("127.0.0.1", wirestate::bound_port(listener), self_check)))
    std::fprintf(stderr, "connect: %s\n", error.message().c_str());

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
