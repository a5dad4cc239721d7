// wirestate's epoll loop driven from a poll() loop of the program's own,
// beside a timer and a signal descriptor of its own (embedding.hpp):
// run_once() does one bounded turn whenever the loop's descriptor is
// readable or its timeout passes. A 1 KiB header limit shows the Config is
// the program's; once serving, the program asks itself for /ticks through
// the loop's client role.
//
//   epoll_poll [PORT]   GET /ticks says how often the program's timer fired
#include <cstdio>
#include <cstdlib>

#include "embedding.hpp"
#include "wirestate/epoll_loop.hpp"

int main(int argc, char** argv) {
  const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8080);
  std::error_code error;
  auto loop = wirestate::EpollLoop::create(example::options(), error);
  if (!loop) return std::fprintf(stderr, "epoll: %s\n", error.message().c_str()), 1;
  example::SelfCheck self_check(*loop);  // outlives its connection: the loop finishes only once it closed
  if (!example::start(*loop, port, self_check)) return 1;
  example::drive_from_poll(*loop);
  example::print_counters(*loop);
  return 0;
}
