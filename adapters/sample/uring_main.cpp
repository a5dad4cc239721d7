// wirestate-uring: the sample application on the io_uring loop.
#include "server_main.hpp"
#include "wirestate/uring_loop.hpp"

namespace {
struct Loop final : wirestate::sample::SampleLoop {
  std::unique_ptr<wirestate::UringLoop> loop;
  void run() override { loop->run(); }
  void stop() override { loop->stop(); }
  wirestate::LoopCounters counters() const override { return loop->counters(); }
};
}  // namespace

int main(int argc, char** argv) {
  using namespace wirestate;
  return sample::server_main(argc, argv, "wirestate-uring",
                             [](LoopOptions options, int listen_fd, std::string& error) {
                               std::error_code ec;
                               auto l = std::make_unique<Loop>();
                               l->loop = UringLoop::create(std::move(options), ec);
                               if (!l->loop) {
                                 error = UringLoop::unavailable(ec) + "; wirestate-epoll serves the same without it";
                                 return std::unique_ptr<sample::SampleLoop>();
                               }
                               if ((ec = l->loop->serve(listen_fd))) {
                                 error = "cannot serve the listener: " + ec.message();
                                 return std::unique_ptr<sample::SampleLoop>();
                               }
                               return std::unique_ptr<sample::SampleLoop>(std::move(l));
                             });
}
