// wirestate on a uv_loop_t the program owns and runs, beside a uv_timer_t
// and a plain TCP echo server of its own: attach, serve, and the program's
// loop goes on. On SIGINT/SIGTERM, stop() drains wirestate's connections
// and closes its handles; the program then closes its own and uv_run
// returns. A 1 KiB header limit shows the Config is the program's; once
// serving, the program asks itself for /ticks through the loop's client role.
//
//   uv_embedded [PORT]   GET /ticks says how often the program's timer fired;
//                        the echo server listens on the next line's port
#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "embedding.hpp"
#include "wirestate/uv_loop.hpp"

namespace {

// The program's own echo server: libuv's plain API, nothing of wirestate's.
void echo_alloc(uv_handle_t*, std::size_t suggested, uv_buf_t* buf) {
  *buf = uv_buf_init(static_cast<char*>(std::malloc(suggested)), static_cast<unsigned>(suggested));
}
void echo_read(uv_stream_t* client, ssize_t n, const uv_buf_t* buf) {
  if (n > 0) {
    auto* req = new uv_write_t;
    req->data = buf->base;
    const uv_buf_t out = uv_buf_init(buf->base, static_cast<unsigned>(n));
    uv_write(req, client, &out, 1, [](uv_write_t* r, int) {
      std::free(r->data);
      delete r;
    });
    return;
  }
  std::free(buf->base);
  if (n < 0) uv_close(reinterpret_cast<uv_handle_t*>(client), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
}
void echo_connection(uv_stream_t* server, int status) {
  if (status < 0) return;
  auto* client = new uv_tcp_t;
  uv_tcp_init(server->loop, client);
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(client)) == 0) {
    uv_read_start(reinterpret_cast<uv_stream_t*>(client), echo_alloc, echo_read);
  } else {
    uv_close(reinterpret_cast<uv_handle_t*>(client), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  }
}

struct Program {
  uv_loop_t loop;
  uv_timer_t timer;
  uv_tcp_t echo;
  uv_signal_t sigint, sigterm;
  std::unique_ptr<wirestate::UvLoop> http;
};

void on_signal(uv_signal_t* signal, int) {
  auto& p = *static_cast<Program*>(signal->data);
  p.http->stop();  // finish what is in flight; on_finished closes the rest
}

}  // namespace

int main(int argc, char** argv) {
  const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8080);
  Program p;
  uv_loop_init(&p.loop);

  uv_timer_init(&p.loop, &p.timer);
  uv_timer_start(&p.timer, [](uv_timer_t*) { ++example::ticks; }, 100, 100);

  sockaddr_in echo_address;
  uv_ip4_addr("127.0.0.1", 0, &echo_address);
  uv_tcp_init(&p.loop, &p.echo);
  uv_tcp_bind(&p.echo, reinterpret_cast<const sockaddr*>(&echo_address), 0);
  if (uv_listen(reinterpret_cast<uv_stream_t*>(&p.echo), 128, echo_connection) != 0) return 1;

  wirestate::LoopOptions options = example::options();
  // Once wirestate has closed its handles, the program closes its own.
  options.on_finished = [&p] {
    for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&p.timer), reinterpret_cast<uv_handle_t*>(&p.echo),
                           reinterpret_cast<uv_handle_t*>(&p.sigint), reinterpret_cast<uv_handle_t*>(&p.sigterm)})
      uv_close(h, nullptr);
  };
  std::error_code error;
  p.http = wirestate::UvLoop::create(&p.loop, std::move(options), error);
  if (!p.http) return std::fprintf(stderr, "libuv: %s\n", error.message().c_str()), 1;
  for (uv_signal_t* s : {&p.sigint, &p.sigterm}) {
    uv_signal_init(&p.loop, s);
    s->data = &p;
  }
  uv_signal_start(&p.sigint, on_signal, SIGINT);
  uv_signal_start(&p.sigterm, on_signal, SIGTERM);

  sockaddr_storage bound;
  int size = sizeof bound;
  uv_tcp_getsockname(&p.echo, reinterpret_cast<sockaddr*>(&bound), &size);
  const std::string echo_line =
      "echo on 127.0.0.1:" + std::to_string(ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)) + "\n";
  example::SelfCheck self_check(*p.http);  // outlives its connection: the loop finishes only once it closed
  if (!example::start(*p.http, port, self_check, echo_line.c_str())) return 1;

  uv_run(&p.loop, UV_RUN_DEFAULT);  // until every handle, wirestate's and the program's, is closed
  example::print_counters(*p.http);
  p.http.reset();
  return uv_loop_close(&p.loop) == 0 ? 0 : 1;
}
