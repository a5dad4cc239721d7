// wirestate-epoll: the sample application on the epoll loop.
#include "server_main.hpp"
#include "wirestate/epoll_loop.hpp"

int main(int argc, char** argv) {
  using namespace wirestate;
  return sample::server_main(argc, argv, "wirestate-epoll", [](LoopOptions options, std::string& error) {
    std::error_code ec;
    auto loop = EpollLoop::create(std::move(options), ec);
    if (!loop) error = "cannot make an epoll loop: " + ec.message();
    return sample::polled(std::move(loop));
  });
}
