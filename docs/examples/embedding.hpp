#pragma once
// What the loop examples share (epoll_poll.cpp, uring_poll.cpp,
// uv_embedded.cpp): the program's own timer count, a handler that reports
// it, a client session that asks the program itself for it, and the
// program's own poll() loop that drives a PolledLoop beside a timer and a
// signal descriptor of its own.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "wirestate/loop.hpp"
#include "wirestate/sockets.hpp"

namespace example {

inline unsigned long ticks = 0;  // the program's own timer, every 100 ms

// GET anything: how often the program's timer fired, and how many requests
// this handler served.
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

// The loop's client role, on the same loop: the program asks itself for
// /ticks, prints the status it got, and closes the connection.
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

// The options every example serves with: its own Config (a 1 KiB header
// limit: a bigger head is answered 431) and handler.
inline wirestate::LoopOptions options() {
  wirestate::LoopOptions o;
  o.config.max_header_bytes = 1024;
  o.make_handler = [](wirestate::Timers&) { return std::make_unique<Ticks>(); };
  return o;
}

// Serves `loop` on a listener of its own and asks itself for /ticks; false
// after printing why not.
inline bool start(wirestate::Loop& loop, std::uint16_t port, SelfCheck& self_check, const char* then = "") {
  std::error_code error;
  const int listener = wirestate::listen_tcp("127.0.0.1", port, error);
  if (listener < 0 || (error = loop.serve(listener))) {
    std::fprintf(stderr, "listen: %s\n", error.message().c_str());
    return false;
  }
  std::printf("listening on 127.0.0.1:%u\n%s", wirestate::bound_port(listener), then);
  std::fflush(stdout);
  if ((error = loop.connect("127.0.0.1", wirestate::bound_port(listener), self_check)))
    std::fprintf(stderr, "connect: %s\n", error.message().c_str());
  return true;
}

// The program's own loop: poll() over the wirestate loop's descriptor and a
// signalfd, for at most the wirestate loop's timeout and the program's next
// tick; one run_once turn after each wait. SIGINT/SIGTERM stop the loop,
// which finishes what is in flight, and then this returns.
inline void drive_from_poll(wirestate::PolledLoop& loop) {
  using namespace std::chrono;
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);
  const int signals = signalfd(-1, &stop_signals, SFD_CLOEXEC);

  auto next_tick = steady_clock::now() + milliseconds(100);
  for (;;) {
    pollfd fds[] = {{loop.fd(), POLLIN, 0}, {signals, POLLIN, 0}};
    const auto until_tick = ceil<milliseconds>(next_tick - steady_clock::now());
    const auto wait = std::clamp(std::min(ceil<milliseconds>(loop.timeout()), until_tick), milliseconds(0),
                                 milliseconds(1000));
    poll(fds, 2, static_cast<int>(wait.count()));
    if (steady_clock::now() >= next_tick) {
      ++ticks;
      next_tick += milliseconds(100);
    }
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info;
      if (read(signals, &info, sizeof info) > 0) loop.stop();
    }
    if (!loop.run_once(seconds(0))) break;
  }
  close(signals);
}

inline void print_counters(const wirestate::Loop& loop) {
  const wirestate::LoopCounters c = loop.counters();
  std::printf("served %llu requests on %llu connections\n", static_cast<unsigned long long>(c.http.requests),
              static_cast<unsigned long long>(c.handled));
}

}  // namespace example
