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

#include "wirestate/sockets.hpp"
#include "wirestate/uv_loop.hpp"

namespace {

unsigned long ticks = 0;

class Ticks final : public wirestate::Handler {
 public:
  void on_request(wirestate::Exchange& ex) noexcept override {
    const std::string body = "ticks " + std::to_string(ticks) + ", request " + std::to_string(++served_) + "\n";
    if (auto ec = ex.respond(200, {{"Content-Type", "text/plain"}}, body))
      std::fprintf(stderr, "respond: %s\n", ec.message().c_str());
  }

 private:
  unsigned long served_ = 0;
};

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

// The loop's client role, on the same loop: once serving, the program
// asks itself for /ticks and prints the status it got.
class SelfCheck final : public wirestate::ClientSession, public wirestate::ResponseHandler {
 public:
  explicit SelfCheck(wirestate::Loop& loop) : loop_(loop) {}
  void on_open(wirestate::ClientConnection& http) noexcept override {
    if (auto sent = http.send(*this, "GET", "/ticks", {{"Host", "127.0.0.1"}}); sent.error)
      std::fprintf(stderr, "send: %s\n", sent.error.message().c_str());
    loop_.close_when_idle(*this);
  }
  void on_response(wirestate::ClientExchange& ex) noexcept override {
    std::printf("client: %d\n", ex.response().status);
    std::fflush(stdout);
    (void)ex.read_body();
  }
  void on_body(wirestate::ClientExchange& ex, std::string_view) noexcept override { (void)ex.read_body(); }
  void on_closed(std::error_code error) noexcept override {
    if (error) std::fprintf(stderr, "client: %s\n", error.message().c_str());
  }

 private:
  wirestate::Loop& loop_;
};

}  // namespace

int main(int argc, char** argv) {
  const auto port = static_cast<std::uint16_t>(argc > 1 ? std::atoi(argv[1]) : 8080);
  Program p;
  uv_loop_init(&p.loop);

  uv_timer_init(&p.loop, &p.timer);
  uv_timer_start(&p.timer, [](uv_timer_t*) { ++ticks; }, 100, 100);

  sockaddr_in echo_address;
  uv_ip4_addr("127.0.0.1", 0, &echo_address);
  uv_tcp_init(&p.loop, &p.echo);
  uv_tcp_bind(&p.echo, reinterpret_cast<const sockaddr*>(&echo_address), 0);
  if (uv_listen(reinterpret_cast<uv_stream_t*>(&p.echo), 128, echo_connection) != 0) return 1;

  wirestate::LoopOptions options;
  options.config.max_header_bytes = 1024;  // a bigger head is answered 431
  options.make_handler = [](wirestate::Timers&) { return std::make_unique<Ticks>(); };
  // Once wirestate has closed its handles, the program closes its own.
  options.on_finished = [&p] {
    for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&p.timer), reinterpret_cast<uv_handle_t*>(&p.echo),
                           reinterpret_cast<uv_handle_t*>(&p.sigint), reinterpret_cast<uv_handle_t*>(&p.sigterm)})
      uv_close(h, nullptr);
  };
  std::error_code error;
  p.http = wirestate::UvLoop::create(&p.loop, std::move(options), error);
  if (!p.http) return std::fprintf(stderr, "libuv: %s\n", error.message().c_str()), 1;
  const int listener = wirestate::listen_tcp("127.0.0.1", port, error);
  if (listener < 0 || (error = p.http->serve(listener)))
    return std::fprintf(stderr, "listen: %s\n", error.message().c_str()), 1;

  for (uv_signal_t* s : {&p.sigint, &p.sigterm}) {
    uv_signal_init(&p.loop, s);
    s->data = &p;
  }
  uv_signal_start(&p.sigint, on_signal, SIGINT);
  uv_signal_start(&p.sigterm, on_signal, SIGTERM);

  sockaddr_storage bound;
  int size = sizeof bound;
  uv_tcp_getsockname(&p.echo, reinterpret_cast<sockaddr*>(&bound), &size);
  std::printf("listening on 127.0.0.1:%u\necho on 127.0.0.1:%u\n", wirestate::bound_port(listener),
              ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port));
  std::fflush(stdout);
  SelfCheck self_check(*p.http);
  if ((error = p.http->connect("127.0.0.1", wirestate::bound_port(listener), self_check)))
    std::fprintf(stderr, "connect: %s\n", error.message().c_str());

  uv_run(&p.loop, UV_RUN_DEFAULT);  // until every handle, wirestate's and the program's, is closed
  const wirestate::LoopCounters c = p.http->counters();
  std::printf("served %llu requests on %llu connections\n", static_cast<unsigned long long>(c.http.requests),
              static_cast<unsigned long long>(c.handled));
  p.http.reset();
  return uv_loop_close(&p.loop) == 0 ? 0 : 1;
}
