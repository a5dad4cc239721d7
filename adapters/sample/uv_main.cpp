// wirestate-uv: the sample application on the libuv loop, one uv_loop_t per
// thread, which this program owns and runs.
#include <uv.h>

#include "server_main.hpp"
#include "wirestate/uv_loop.hpp"

namespace {
struct Loop final : wirestate::sample::SampleLoop {
  uv_loop_t uv;
  std::unique_ptr<wirestate::UvLoop> loop;
  Loop() { uv_loop_init(&uv); }
  ~Loop() override {
    loop.reset();
    uv_run(&uv, UV_RUN_NOWAIT);  // what closing the loop left to run
    uv_loop_close(&uv);
  }
  // Returns once stop() has drained the connections and every handle of
  // wirestate's closed: the program has none of its own on this loop.
  void run() override { uv_run(&uv, UV_RUN_DEFAULT); }
  void stop() override { loop->stop(); }
  wirestate::LoopCounters counters() const override { return loop->counters(); }
};
}  // namespace

int main(int argc, char** argv) {
  using namespace wirestate;
  return sample::server_main(argc, argv, "wirestate-uv",
                             [](LoopOptions options, int listen_fd, std::string& error) {
                               std::error_code ec;
                               auto l = std::make_unique<Loop>();
                               l->loop = UvLoop::create(&l->uv, std::move(options), ec);
                               if (!l->loop) {
                                 error = "cannot attach to a libuv loop: " + ec.message();
                                 return std::unique_ptr<sample::SampleLoop>();
                               }
                               if ((ec = l->loop->serve(listen_fd))) {
                                 error = "cannot serve the listener: " + ec.message();
                                 return std::unique_ptr<sample::SampleLoop>();
                               }
                               return std::unique_ptr<sample::SampleLoop>(std::move(l));
                             });
}
