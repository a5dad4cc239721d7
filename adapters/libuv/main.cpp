// wirestate-uv: the sample application on the libuv adapter.
#include "../common/server_main.hpp"
#include "../sample_app/sample_app.hpp"
#include "uv_loop.hpp"

int main(int argc, char** argv) {
  using namespace wirestate::adapters;
  return server_main(argc, argv, "wirestate-uv", [](ServerShared& shared, int listen_fd) {
    return std::unique_ptr<EventLoop>(new UvLoop(shared, listen_fd, make_sample_app));
  });
}
