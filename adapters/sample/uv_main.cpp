// wirestate-uv: the sample application on the libuv loop, on one uv_loop_t
// per thread, which this program owns and runs.
#include <uv.h>

#include "server_main.hpp"
#include "wirestate/uv_loop.hpp"

namespace {
struct OwnLoop {
  uv_loop_t uv;
  OwnLoop() { uv_loop_init(&uv); }
  ~OwnLoop() {
    uv_run(&uv, UV_RUN_NOWAIT);  // the close callbacks of a loop that went unfinished
    uv_loop_close(&uv);
  }
};
}  // namespace

int main(int argc, char** argv) {
  using namespace wirestate;
  return sample::server_main(argc, argv, "wirestate-uv", [](LoopOptions options, std::string& error) {
    auto own = std::make_shared<OwnLoop>();
    std::error_code ec;
    std::unique_ptr<Loop> loop = UvLoop::create(&own->uv, std::move(options), ec);
    if (!loop) error = "cannot attach to a libuv loop: " + ec.message();
    // uv_run returns once stop() has drained the connections and wirestate's
    // handles are closed: the program has none of its own on this loop.
    return sample::SampleLoop{[own] { uv_run(&own->uv, UV_RUN_DEFAULT); }, std::move(loop)};
  });
}
