// wirestate-fetch: a small curl-like client on any of the loop libraries,
// through their client role (Loop::adopt_client).
//
//   wirestate-fetch [-X METHOD] [-d @file|-d -|-d TEXT] [-H 'Name: value']...
//                   [-i] [--pipeline N] [--loop epoll|uring|uv] URL...
//
// Bodies go to stdout in the order of the URLs; -i prints the status line and
// headers first. Exit status: 0 when every response was 1xx-3xx, 1 when one
// was 4xx/5xx, 2 for a usage error, 3 for a transport or protocol error.
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <uv.h>

#include "connect.hpp"
#include "wirestate/epoll_loop.hpp"
#include "wirestate/uring_loop.hpp"
#include "wirestate/uv_loop.hpp"

using namespace wirestate;
using namespace wirestate::fetch;

namespace {

struct Url {
  std::string host;
  std::uint16_t port = 80;
  std::string target;
  std::string authority;  // the Host header
};

bool parse_url(std::string_view text, Url& url) {
  if (!text.starts_with("http://")) return false;
  text.remove_prefix(7);
  const std::size_t slash = text.find('/');
  const std::string_view authority = text.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  url.authority = authority;
  std::string_view host = authority;
  if (host.starts_with('[')) {  // [::1]:8080
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return false;
    url.host = host.substr(1, close - 1);
    host.remove_prefix(close + 1);
  } else {
    const std::size_t colon = host.rfind(':');
    url.host = host.substr(0, colon);
    host = colon == std::string_view::npos ? std::string_view{} : host.substr(colon);
  }
  if (!host.empty()) {
    if (host.front() != ':') return false;
    host.remove_prefix(1);
    auto [p, ec] = std::from_chars(host.data(), host.data() + host.size(), url.port);
    if (ec != std::errc{} || p != host.data() + host.size()) return false;
  }
  return !url.host.empty();
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "wirestate-fetch: %s\n"
               "usage: wirestate-fetch [-X METHOD] [-d @file|-d -|-d TEXT] [-H 'Name: value']... [-i]\n"
               "                       [--pipeline N] [--loop epoll|uring|uv] URL...\n",
               why);
  std::exit(2);
}

struct Options {
  std::string method;
  std::string body;
  bool has_body = false;
  std::vector<std::pair<std::string, std::string>> headers;
  bool include_head = false;
  std::size_t pipeline = 1;
  std::string loop = "epoll";
  std::vector<Url> urls;
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) usage(("missing value for " + std::string(a)).c_str());
      return argv[++i];
    };
    if (a == "-X") {
      o.method = value();
    } else if (a == "-d") {
      const std::string_view d = value();
      o.has_body = true;
      if (d == "-") {
        o.body.assign(std::istreambuf_iterator<char>(std::cin), {});
      } else if (d.starts_with('@')) {
        std::ifstream f(std::string(d.substr(1)), std::ios::binary);
        if (!f) usage(("cannot read " + std::string(d.substr(1))).c_str());
        o.body.assign(std::istreambuf_iterator<char>(f), {});
      } else {
        o.body = d;
      }
    } else if (a == "-H") {
      const std::string_view h = value();
      const std::size_t colon = h.find(':');
      if (colon == std::string_view::npos || colon == 0) usage("a header is 'Name: value'");
      std::string_view v = h.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      o.headers.emplace_back(h.substr(0, colon), v);
    } else if (a == "-i") {
      o.include_head = true;
    } else if (a == "--pipeline") {
      const std::string_view n = value();
      auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), o.pipeline);
      if (ec != std::errc{} || p != n.data() + n.size() || o.pipeline == 0 || o.pipeline > 1000)
        usage("--pipeline takes a number from 1 to 1000");
    } else if (a == "--loop") {
      o.loop = value();
      if (o.loop != "epoll" && o.loop != "uring" && o.loop != "uv") usage("--loop is epoll, uring or uv");
    } else if (a.starts_with('-')) {
      usage(("unknown option " + std::string(a)).c_str());
    } else {
      Url url;
      if (!parse_url(a, url)) usage(("not an http:// URL: " + std::string(a)).c_str());
      o.urls.push_back(std::move(url));
    }
  }
  if (o.urls.empty()) usage("no URL");
  if (o.method.empty()) o.method = o.has_body ? "POST" : "GET";
  return o;
}

// One response's output. Responses arrive in order, so each writes straight
// to stdout as its bytes come.
class Fetch final : public ResponseHandler {
 public:
  Fetch(const Options& o, int& exit_code, std::function<void()> ended)
      : options_(o), exit_code_(exit_code), ended_(std::move(ended)) {}

  void on_response(ClientExchange& ex) noexcept override {
    const Response& r = ex.response();
    if (r.status >= 400 && exit_code_ == 0) exit_code_ = 1;
    if (options_.include_head) {
      std::printf("HTTP/%d.%d %d %.*s\r\n", r.version_major, r.version_minor, r.status,
                  static_cast<int>(r.reason.size()), r.reason.data());
      for (const Header& h : r.headers)
        std::printf("%.*s: %.*s\r\n", static_cast<int>(h.name.size()), h.name.data(),
                    static_cast<int>(h.value.size()), h.value.data());
      std::printf("\r\n");
    }
    // Fails only for an exchange that failed, which on_exchange_end reports.
    (void)ex.read_body();
  }
  void on_body(ClientExchange& ex, std::string_view data) noexcept override {
    std::fwrite(data.data(), 1, data.size(), stdout);
    received_ += data.size();
    // A progress line for large bodies, only for a person watching.
    if (tty_ && received_ >= (4u << 20) && received_ / (1u << 20) != shown_mib_) {
      shown_mib_ = received_ / (1u << 20);
      std::fprintf(stderr, "\r%zu MiB received", shown_mib_);
    }
    (void)ex.read_body();
  }
  void on_exchange_end(ClientExchange&, std::error_code error) noexcept override {
    if (shown_mib_) std::fprintf(stderr, "\n");
    if (error) {
      std::fprintf(stderr, "wirestate-fetch: %s\n", error.message().c_str());
      exit_code_ = 3;
    }
    ended_();
  }

 private:
  const Options& options_;
  int& exit_code_;
  std::function<void()> ended_;
  std::size_t received_ = 0, shown_mib_ = 0;
  bool tty_ = isatty(STDERR_FILENO) != 0;
};

// The URLs for one host, on one connection: up to --pipeline in flight,
// as long as the server keeps the connection open; then closed once idle.
class Session final : public ClientSession {
 public:
  Session(Loop& loop, const Options& o, std::size_t& next, int& exit_code)
      : loop_(loop), options_(o), next_(next), exit_code_(exit_code), first_(o.urls[next]) {}

  void on_open(ClientConnection& http) noexcept override {
    http_ = &http;
    send_more();
  }
  void on_closed(std::error_code error) noexcept override {
    http_ = nullptr;
    closed = true;
    if (error && exit_code_ != 3) {
      std::fprintf(stderr, "wirestate-fetch: the connection failed: %s\n", error.message().c_str());
      exit_code_ = 3;
    }
  }
  bool closed = false;

 private:
  void send_more() {
    while (http_ && exit_code_ != 3 && in_flight_ < options_.pipeline && next_ < options_.urls.size() &&
           http_->can_send()) {
      const Url& url = options_.urls[next_];
      if (url.host != first_.host || url.port != first_.port) break;
      std::vector<Header> headers{{"Host", url.authority}, {"User-Agent", "wirestate-fetch"}, {"Accept", "*/*"}};
      for (const auto& [n, v] : options_.headers) headers.push_back({n, v});
      Fetch& f = fetches_.emplace_back(options_, exit_code_, [this] {
        --in_flight_;
        send_more();
      });
      const SendResult sent = http_->send(f, options_.method, url.target, headers,
                                          options_.has_body ? std::string_view(options_.body) : "");
      if (sent.error) {
        std::fprintf(stderr, "wirestate-fetch: %s\n", sent.error.message().c_str());
        exit_code_ = 3;
        break;
      }
      ++next_;
      ++in_flight_;
    }
    if (in_flight_ == 0) loop_.close_when_idle(*this);
  }

  Loop& loop_;
  const Options& options_;
  std::size_t& next_;
  int& exit_code_;
  const Url first_;
  ClientConnection* http_ = nullptr;
  std::size_t in_flight_ = 0;
  std::deque<Fetch> fetches_;
};

// The loop the client runs on, and one turn of it.
struct ClientLoop {
  std::unique_ptr<Loop> loop;
  std::function<void()> turn;
  std::unique_ptr<uv_loop_t> uv;  // --loop uv: the program's own uv_loop_t
};

ClientLoop make_loop(const std::string& kind, LoopOptions options) {
  ClientLoop l;
  std::error_code error;
  if (kind == "uring") {
    auto uring = UringLoop::create(std::move(options), error, 64);
    if (!uring) {
      std::fprintf(stderr, "wirestate-fetch: %s; --loop epoll works without it\n", UringLoop::unavailable(error).c_str());
      std::exit(3);
    }
    PolledLoop* p = uring.get();
    l.turn = [p] { p->run_once(std::chrono::seconds(1)); };
    l.loop = std::move(uring);
  } else if (kind == "uv") {
    l.uv = std::make_unique<uv_loop_t>();
    uv_loop_init(l.uv.get());
    l.loop = UvLoop::create(l.uv.get(), std::move(options), error);
    l.turn = [uv = l.uv.get()] { uv_run(uv, UV_RUN_ONCE); };
  } else {
    auto epoll = EpollLoop::create(std::move(options), error);
    PolledLoop* p = epoll.get();
    l.turn = [p] { p->run_once(std::chrono::seconds(1)); };
    l.loop = std::move(epoll);
  }
  if (!l.loop) {
    std::fprintf(stderr, "wirestate-fetch: cannot make a %s loop: %s\n", kind.c_str(), error.message().c_str());
    std::exit(3);
  }
  return l;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  LoopOptions loop_options;
  loop_options.client_config.max_body_bytes = UINT64_MAX;  // bodies stream to stdout
  // One connection at a time: a large read buffer costs nothing here and
  // takes a download in an eighth of the reads the 16 KiB default needs.
  loop_options.client_config.read_buffer_bytes = 128 * 1024;
  ClientLoop client = make_loop(options.loop, std::move(loop_options));
  int exit_code = 0;
  std::size_t next = 0;  // the next URL to send
  std::deque<Session> sessions;  // outlive their connections, and the loop
  while (next < options.urls.size() && exit_code != 3) {
    const Url& first = options.urls[next];
    std::string error;
    const int fd = connect_socket(first.host, first.port, std::chrono::seconds(10), error);
    if (fd < 0) {
      std::fprintf(stderr, "wirestate-fetch: %s\n", error.c_str());
      exit_code = 3;
      break;
    }
    Session& session = sessions.emplace_back(*client.loop, options, next, exit_code);
    client.loop->adopt_client(fd, session);
    while (!session.closed) client.turn();
    std::fflush(stdout);
  }
  // Drained: stop() finds nothing to wait for, and the libuv loop's handles close.
  client.loop->stop();
  while (!client.loop->finished()) client.turn();
  client.loop.reset();
  if (client.uv) {
    uv_run(client.uv.get(), UV_RUN_NOWAIT);
    uv_loop_close(client.uv.get());
  }
  return exit_code;
}
