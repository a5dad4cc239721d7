#pragma once
// The in-memory runtime the unit tests drive connections with: it plays the
// adapter (moves bytes in and out, keeps time) and, through TestApp, the
// application. No sockets, no clock.
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "wirestate/wirestate.hpp"

namespace wstest {

using namespace wirestate;
using namespace std::chrono_literals;

// What the app saw of one exchange.
struct Seen {
  std::string method, target, path, query, authority;
  std::vector<std::pair<std::string, std::string>> headers, trailers;
  std::string body;
  bool body_complete = false;
  bool ended = false;
  std::error_code end_error;
  bool expects_continue = false;
  bool keep_alive = true;
};

// By default: reads every body to the end, then answers 200 with a body of
// "<METHOD> <target> <body>". Tests replace any step.
class TestApp : public Handler {
 public:
  std::function<void(Exchange&)> request_fn;
  std::function<void(Exchange&, std::string_view)> body_fn;
  std::function<void(Exchange&)> body_end_fn;
  std::function<void(Exchange&)> writable_fn;
  std::function<void(Exchange&, std::error_code)> end_fn;
  std::function<void(const RefusedRequest&, ErrorResponse&)> error_response_fn;
  std::deque<Seen> seen;
  // What on_request_refused reported.
  struct Refusal {
    Error error;
    int status;
    std::string method, target, detail;
  };
  std::vector<Refusal> refused;

  static Seen& of(Exchange& ex) { return *static_cast<Seen*>(ex.user_data()); }
  static void respond_default(Exchange& ex);

  void on_request(Exchange& ex) noexcept override;
  void on_body(Exchange& ex, std::string_view data) noexcept override;
  void on_body_end(Exchange& ex) noexcept override;
  void on_writable(Exchange& ex) noexcept override;
  void on_exchange_end(Exchange& ex, std::error_code ec) noexcept override;
  void on_request_refused(const RefusedRequest& r) noexcept override;
  void on_error_response(const RefusedRequest& r, ErrorResponse& response) noexcept override;
};

// Config for exact-byte tests: no Date, no Server.
Config plain_config();

// Counts the connection's calls for the adapter's attention.
struct CountingWaker : Waker {
  int wakes = 0;
  void wake() noexcept override { ++wakes; }
};

// How a message is cut into reads: the first read takes `first` bytes, the
// rest go in reads of `chunk` bytes.
struct Feeding {
  std::size_t first = SIZE_MAX;
  std::size_t chunk = SIZE_MAX;
};

struct Runtime {
  explicit Runtime(Config c = plain_config());

  // Offers `bytes` in reads of at most `chunk` bytes, writing out whatever
  // the connection produces after each. Returns how many bytes it took
  // (fewer when it yielded or closed the read side).
  std::size_t feed(std::string_view bytes, std::size_t chunk = SIZE_MAX);
  std::size_t feed(std::string_view bytes, Feeding how);
  // Drains the write side, at most `max_write` bytes per write (short writes).
  void pump();
  void eof();
  // Moves time forward, firing the deadline if it passed.
  void advance(Duration d);
  std::string take_output();

  Config config;
  TestApp app;
  Time now{};
  ServerConnection conn;
  std::string output;
  std::size_t max_write = SIZE_MAX;
  bool read_closed = false;
  bool write_closed = false;
};

// Runs `check` on a fresh Runtime fed `input` whole, one byte at a time, and
// split in two at every position.
void for_each_split(std::string_view input, const std::function<void(Runtime&, Feeding)>& feed_and_check,
                    const std::function<Config()>& make_config = plain_config);

std::string ok_response(std::string_view body, bool close = false);

// Feeds `input` every way and checks that the connection answers with exactly
// one automatic response of `status`, mentioning `says`, then closes.
void expect_rejected(const std::string& input, int status, std::string_view says,
                     const std::function<Config()>& make_config = plain_config);
// The same, and the application learns `error`: from on_request_refused, or
// from on_exchange_end when it saw the request; the response says what
// peer_reason(error) says.
void expect_refused(const std::string& input, Error error,
                    const std::function<Config()>& make_config = plain_config);

}  // namespace wstest
