// wirestate-uring: the sample application on the io_uring adapter.
#include "../common/server_main.hpp"
#include "../sample_app/sample_app.hpp"
#include "uring_loop.hpp"
#include "uring_setup.hpp"

namespace {
// Submissions per turn before the ring submits on its own; completions are
// twice that, and the kernel keeps any overflow. Its pages count in the
// process's memory, so it is no larger than a busy turn needs.
constexpr unsigned ring_entries = 1024;
constexpr const char* fallback = "; wirestate-epoll serves the same without it";
}  // namespace

int main(int argc, char** argv) {
  using namespace wirestate::adapters;
  const Preflight ring_available = []() -> std::string {
    io_uring ring;
    const int error = open_ring(ring, ring_entries);
    if (error != 0) return uring_unavailable(error) + fallback;
    io_uring_queue_exit(&ring);
    return {};
  };
  return server_main(
      argc, argv, "wirestate-uring",
      [](ServerShared& shared, int listen_fd) -> std::unique_ptr<EventLoop> {
        io_uring ring;
        if (const int error = open_ring(ring, ring_entries); error != 0) {
          std::fprintf(stderr, "wirestate-uring: %s%s\n", uring_unavailable(error).c_str(), fallback);
          return nullptr;
        }
        return std::make_unique<UringLoop>(shared, listen_fd, make_sample_app, ring);
      },
      ring_available);
}
