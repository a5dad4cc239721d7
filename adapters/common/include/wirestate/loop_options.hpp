#pragma once
// What every event loop of wirestate's (EpollLoop, UringLoop, UvLoop) takes
// from the embedder and gives back: the options it is made with, the timers
// its handler may use, the counters it keeps. The loops themselves are in
// epoll_loop.hpp, uring_loop.hpp and uv_loop.hpp; docs/adapters.md is the
// guide.
#include "wirestate/cxx20.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

// A handler needs all of the core's API.
#include "wirestate/wirestate.hpp"

namespace wirestate {

// A loop's timers, for the handler it serves: a callback after a delay, on
// the loop's thread, with the time the loop read at the start of its turn.
class Timers {
 public:
  using Callback = void (*)(void* context);
  using Token = std::uint64_t;  // 0: none
  virtual ~Timers() = default;
  virtual Time now() const = 0;
  virtual Token start(Duration after, Callback callback, void* context) = 0;
  // Safe on a token that fired, was cancelled, or is 0.
  virtual void cancel(Token token) = 0;
};

// Open connections counted across loops, so that one limit holds for a
// server of several loops (one per thread): a loop takes a place before it
// serves a connection and gives it back when the connection closes.
class ConnectionBudget {
 public:
  explicit ConnectionBudget(std::size_t max) : max_(max) {}
  // Takes a place, or says there is none left.
  bool take() noexcept {
    // Take first, then check: loops on other threads take at the same time,
    // and a check before the increment would let two through.
    if (open_.fetch_add(1, std::memory_order_relaxed) < max_) return true;
    open_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  void give() noexcept { open_.fetch_sub(1, std::memory_order_relaxed); }
  std::size_t open() const noexcept { return open_.load(std::memory_order_relaxed); }
  std::size_t max() const noexcept { return max_; }

 private:
  std::atomic<std::size_t> open_{0};
  const std::size_t max_;
};

// The numeric address of a connection's peer ("127.0.0.1", "::1"), kept
// when LoopOptions::peer_addresses asks for it.
struct PeerAddress {
  char text[64] = "-";
};

// A connection the loop answered with its 503 and closed, unserved.
struct TurnedAway {
  std::string_view client;  // its numeric address, or "-"
  bool stopping = false;    // the loop is stopping; else over the budget or out of descriptors
  std::string_view response;  // what it was sent
};

// What the embedder hears of one client connection on a loop
// (Loop::connect, Loop::adopt_client), on the loop's thread.
class ClientSession {
 public:
  virtual ~ClientSession() = default;
  // The connection exists: send requests on `http` now, or later on the
  // loop's thread; they go out once the socket has connected. `http` is
  // valid until on_closed returns.
  virtual void on_open(ClientConnection& http) noexcept = 0;
  // The connection is gone: the server closed it, the socket failed
  // (`error`, a system error: a refused connect, a reset), or it was closed
  // when idle (Loop::close_when_idle, stop()).
  virtual void on_closed(std::error_code error) noexcept = 0;
};

struct LoopOptions {
  // The limits and timeouts of every server connection; the loop keeps its
  // own copy, whose buffers, date and counters it points at its own.
  Config config;
  // The same for client connections (docs/client.md says which fields
  // apply to the client role).
  Config client_config;
  // Makes the loop's handler, once, when the loop is made; it serves every
  // connection of the loop, on the loop's thread, and may keep `timers`.
  // Null: a handler that answers 404 to everything.
  std::function<std::unique_ptr<Handler>(Timers& timers)> make_handler;
  // Admission: past this many open connections, a new one gets a 503 with
  // Retry-After and is closed. Several loops share one limit through a
  // shared `budget`; without one the loop has a budget of its own.
  std::size_t max_connections = 10000;
  std::shared_ptr<ConnectionBudget> budget;
  std::chrono::seconds retry_after{5};
  // How long in-flight responses may take after stop().
  Duration grace = std::chrono::seconds(10);
  // After the last response of a connection the loop closes, it reads on
  // (and discards) this long so the close is no reset (RFC 9112 §9.6).
  Duration linger = std::chrono::seconds(2);
  // Before sleeping, look for events for up to this long (0: never): the
  // peers no longer pay to wake the loop, but under steady load its core
  // stays busy. epoll and io_uring; libuv ignores it.
  std::chrono::microseconds busy_poll{0};
  // Keep each connection's peer address, at 64 bytes a connection: the
  // handler reads it as a `const PeerAddress*` through
  // Exchange::connection_user_data() and RefusedRequest.
  bool peer_addresses = false;
  // Each connection the loop turned away, on the loop's thread (an access
  // log's line, say). Per-response logging is the handler's: on_exchange_end
  // and on_request_refused see every exchange.
  std::function<void(const TurnedAway&)> on_turned_away;
  // Runs on the loop's thread once the loop has finished after stop():
  // run() is about to return (epoll, io_uring), or every libuv handle of
  // the loop is closed (libuv: the loop may then be destroyed).
  std::function<void()> on_finished;
};

// A loop's counters, as nginx's stub_status has them and more; a snapshot
// taken on the loop's thread.
struct LoopCounters {
  std::uint64_t accepted = 0;     // connections the loop was given (accepted or adopted)
  std::uint64_t handled = 0;      // of those, served (not turned away)
  std::uint64_t turned_away = 0;  // answered 503 and closed
  std::uint64_t active = 0;       // open now: reading + writing + waiting
  std::uint64_t reading = 0;      // reading a request head
  std::uint64_t writing = 0;      // in an exchange
  std::uint64_t waiting = 0;      // idle (keep-alive)
  Counters http;                  // requests, responses by class, errors, bytes
};

}  // namespace wirestate
