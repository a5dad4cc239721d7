// wirestate-uring: the sample application on the io_uring loop.
#include "server_main.hpp"
#include "wirestate/uring_loop.hpp"

int main(int argc, char** argv) {
  using namespace wirestate;
  return sample::server_main(argc, argv, "wirestate-uring", [](LoopOptions options, std::string& error) {
    std::error_code ec;
    auto loop = UringLoop::create(std::move(options), ec);
    if (!loop) error = UringLoop::unavailable(ec) + "; wirestate-epoll serves the same without it";
    return sample::polled(std::move(loop));
  });
}
