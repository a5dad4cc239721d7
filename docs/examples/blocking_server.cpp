// A blocking server, one connection at a time: the whole adapter contract
// (read, write, close) in a loop. Usage: blocking_server [port]; port 0
// picks one, printed as "listening on 127.0.0.1:PORT".
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <wirestate/wirestate.hpp>

struct Hello final : wirestate::Handler {
  void on_request(wirestate::Exchange& ex) noexcept override {
    if (auto ec = ex.respond(200, {}, "Hello, World!")) std::fprintf(stderr, "respond: %s\n", ec.message().c_str());
  }
};

int main(int argc, char** argv) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{AF_INET, htons(argc > 1 ? std::atoi(argv[1]) : 8080), {htonl(INADDR_LOOPBACK)}, {}};
  socklen_t len = sizeof addr;
  if (bind(listener, (sockaddr*)&addr, len) || listen(listener, 16) || getsockname(listener, (sockaddr*)&addr, &len))
    return std::perror("listen"), 1;
  std::printf("listening on 127.0.0.1:%u\n", ntohs(addr.sin_port));
  std::fflush(stdout);
  Hello app;
  wirestate::Config config;
  for (int fd; (fd = accept(listener, nullptr, nullptr)) >= 0; close(fd)) {
    auto now = [] { return std::chrono::steady_clock::now(); };
    wirestate::ServerConnection conn(config, app, now());
    while (!conn.is_closed()) {
      if (wirestate::WriteOp w = conn.next_write(); w.kind == wirestate::WriteOp::write) {
        const ssize_t n = writev(fd, (const iovec*)w.iovecs.data(), (int)w.iovecs.size());
        n < 0 ? conn.write_failed(now()) : conn.wrote((std::size_t)n, now());
      } else if (w.kind == wirestate::WriteOp::close) {
        break;
      } else if (conn.next_read() == wirestate::ReadOp::read) {
        const std::span<char> buf = conn.read_buffer();
        const ssize_t n = read(fd, buf.data(), buf.size());
        n > 0 ? conn.commit_read((std::size_t)n, now()) : conn.read_eof(now());
      } else {
        break;  // nothing to read or write: a real server would wait on a timer
      }
    }
  }
}
