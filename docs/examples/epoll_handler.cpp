// The epoll adapter serving the embedder's own Handler: the adapter's
// server_main parses the sample server's flags (--port, --threads, ...),
// runs one loop per thread, and stops gracefully on SIGINT/SIGTERM; each
// loop gets its own Counter from the factory.
#include <cstdio>
#include <string>

#include "common/server_main.hpp"
#include "epoll/epoll_loop.hpp"

namespace {

class Counter final : public wirestate::Handler {
 public:
  void on_request(wirestate::Exchange& ex) noexcept override {
    const std::string body = "request " + std::to_string(++served_) + " on this loop, for " +
                             std::string(ex.request().path) + "\n";
    // Fails only for a misuse or an exchange that already failed, whose
    // reason on_exchange_end brings.
    if (auto ec = ex.respond(200, {{"Content-Type", "text/plain"}}, body))
      std::fprintf(stderr, "respond: %s\n", ec.message().c_str());
  }

 private:
  unsigned long served_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace wirestate::adapters;
  const AppFactory counter = [](Timers&, ServerShared&) -> std::unique_ptr<wirestate::Handler> {
    return std::make_unique<Counter>();
  };
  return server_main(argc, argv, "epoll_handler", [&](ServerShared& shared, int listen_fd) {
    return std::unique_ptr<EventLoop>(new EpollLoop(shared, listen_fd, counter));
  });
}
