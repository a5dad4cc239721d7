// wirestate-epoll: the sample application on the epoll adapter.
#include "../common/server_main.hpp"
#include "../sample_app/sample_app.hpp"
#include "epoll_loop.hpp"

int main(int argc, char** argv) {
  using namespace wirestate::adapters;
  return server_main(argc, argv, "wirestate-epoll", [](ServerShared& shared, int listen_fd) {
    return std::unique_ptr<EventLoop>(new EpollLoop(shared, listen_fd, make_sample_app));
  });
}
