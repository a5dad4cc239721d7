// wirestate-epoll: the sample application on the epoll loop.
#include "server_main.hpp"
#include "wirestate/epoll_loop.hpp"

namespace {
struct Loop final : wirestate::sample::SampleLoop {
  std::unique_ptr<wirestate::EpollLoop> loop;
  void run() override { loop->run(); }
  void stop() override { loop->stop(); }
  wirestate::LoopCounters counters() const override { return loop->counters(); }
};
}  // namespace

int main(int argc, char** argv) {
  using namespace wirestate;
  return sample::server_main(argc, argv, "wirestate-epoll",
                             [](LoopOptions options, int listen_fd, std::string& error) {
                               std::error_code ec;
                               auto l = std::make_unique<Loop>();
                               l->loop = EpollLoop::create(std::move(options), ec);
                               if (!l->loop) {
                                 error = "cannot make an epoll loop: " + ec.message();
                                 return std::unique_ptr<sample::SampleLoop>();
                               }
                               if ((ec = l->loop->serve(listen_fd))) {
                                 error = "cannot serve the listener: " + ec.message();
                                 return std::unique_ptr<sample::SampleLoop>();
                               }
                               return std::unique_ptr<sample::SampleLoop>(std::move(l));
                             });
}
