// wirestate-fetch: a small curl-like client on any of the adapters' loops.
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
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "../epoll/epoll_client.hpp"
#include "../io_uring/uring_client.hpp"
#include "../io_uring/uring_setup.hpp"
#include "../libuv/uv_client.hpp"

using namespace wirestate;
using namespace wirestate::adapters;

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
  Fetch(const Options& o, int& exit_code, std::size_t& in_flight)
      : options_(o), exit_code_(exit_code), in_flight_(in_flight) {}

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
    --in_flight_;
    if (shown_mib_) std::fprintf(stderr, "\n");
    if (error) {
      std::fprintf(stderr, "wirestate-fetch: %s\n", error.message().c_str());
      exit_code_ = 3;
    }
  }

 private:
  const Options& options_;
  int& exit_code_;
  std::size_t& in_flight_;
  std::size_t received_ = 0, shown_mib_ = 0;
  bool tty_ = isatty(STDERR_FILENO) != 0;
};

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  Config config;
  config.max_body_bytes = UINT64_MAX;  // bodies stream to stdout
  // One connection at a time: a large read buffer costs nothing here and
  // takes a download in an eighth of the reads the 16 KiB default needs.
  config.read_buffer_bytes = 128 * 1024;
  int exit_code = 0;
  std::deque<Fetch> fetches;
  std::size_t next = 0;  // the next URL to send
  while (next < options.urls.size() && exit_code != 3) {
    const Url& first = options.urls[next];
    std::string error;
    const int fd = connect_socket(first.host, first.port, std::chrono::seconds(10), error);
    if (fd < 0) {
      std::fprintf(stderr, "wirestate-fetch: %s\n", error.c_str());
      return 3;
    }
    std::unique_ptr<ClientLoop> client;
    if (options.loop == "uring") {
      io_uring ring;
      if (const int e = open_ring(ring, 64); e != 0) {
        std::fprintf(stderr, "wirestate-fetch: %s; --loop epoll works without it\n", uring_unavailable(e).c_str());
        close(fd);
        return 3;
      }
      client = std::make_unique<UringClient>(fd, config, ring);
    } else if (options.loop == "uv") {
      client = std::make_unique<UvClient>(fd, config);
    } else {
      client = std::make_unique<EpollClient>(fd, config);
    }
    // Every URL for the same host goes on this connection, up to --pipeline
    // at a time, as long as the server keeps it open.
    std::size_t in_flight = 0;
    auto done = [&] {
      while (in_flight < options.pipeline && next < options.urls.size() && client->http().can_send()) {
        const Url& url = options.urls[next];
        if (url.host != first.host || url.port != first.port) break;
        std::vector<Header> headers{{"Host", url.authority}, {"User-Agent", "wirestate-fetch"}, {"Accept", "*/*"}};
        for (const auto& [n, v] : options.headers) headers.push_back({n, v});
        Fetch& f = fetches.emplace_back(options, exit_code, in_flight);
        const SendResult sent = client->http().send(f, options.method, url.target, headers,
                                                    options.has_body ? std::string_view(options.body) : "");
        if (sent.error) {
          std::fprintf(stderr, "wirestate-fetch: %s\n", sent.error.message().c_str());
          exit_code = 3;
          return true;
        }
        ++next;
        ++in_flight;
      }
      return in_flight == 0 || exit_code == 3;
    };
    if (!client->run_until(done, error)) {
      std::fprintf(stderr, "wirestate-fetch: %s\n", error.c_str());
      return 3;
    }
    std::fflush(stdout);
  }
  return exit_code;
}
