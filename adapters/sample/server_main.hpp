#pragma once
// What every sample server's main() does, written once on the loops'
// public API: parse the contract's command line, open one SO_REUSEPORT
// listener per loop, run each loop on its own thread, turn SIGINT/SIGTERM
// into a graceful stop, exit 0.
#include <functional>
#include <memory>
#include <string>

#include "wirestate/loop.hpp"

namespace wirestate::sample {

// One loop of a sample server: made on the main thread, run on its own.
class SampleLoop {
 public:
  virtual ~SampleLoop() = default;
  virtual void run() = 0;
  virtual void stop() = 0;  // from the main thread
  virtual LoopCounters counters() const = 0;  // on the loop's thread
};

// Makes one loop serving `listen_fd` with `options`, or null after setting
// `error` to one line naming why not.
using LoopFactory =
    std::function<std::unique_ptr<SampleLoop>(LoopOptions options, int listen_fd, std::string& error)>;

int server_main(int argc, char** argv, const char* program, const LoopFactory& make_loop);

}  // namespace wirestate::sample
