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
struct SampleLoop {
  std::function<void()> run;  // serves until the loop has finished
  std::unique_ptr<Loop> loop;  // goes before what `run` holds
};

// Makes one loop with `options`, or one with no loop after setting `error`
// to one line naming why not.
using LoopFactory = std::function<SampleLoop(LoopOptions options, std::string& error)>;

// A SampleLoop of a loop that runs itself (EpollLoop, UringLoop).
inline SampleLoop polled(std::unique_ptr<PolledLoop> loop) {
  PolledLoop* l = loop.get();
  return {[l] { l->run(); }, std::move(loop)};
}

int server_main(int argc, char** argv, const char* program, const LoopFactory& make_loop);

}  // namespace wirestate::sample
