// wirestate-epoll: the sample application on the epoll adapter.
#include "../common/server_main.hpp"
#include "../sample_app/sample_app.hpp"
#include "epoll_loop.hpp"

int main(int argc, char** argv) {
  using namespace wirestate::adapters;
  const AppFactory sample_app = [](Timers& timers, ServerShared& shared) -> std::unique_ptr<wirestate::Handler> {
    return std::make_unique<SampleApp>(timers, shared.access_log, shared.options.max_generated_bytes);
  };
  return server_main(argc, argv, "wirestate-epoll", [&](ServerShared& shared, int listen_fd) {
    return std::unique_ptr<EventLoop>(new EpollLoop(shared, listen_fd, sample_app));
  });
}
