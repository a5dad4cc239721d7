#pragma once
// What the three loops share, written once: the connections of both roles
// and the ready list, admission against the budget, the 503 and the
// reserve descriptor, deadlines, lingering close, graceful stop, counters.
// A loop supplies its IO (LoopIo) and drives the turn: it tells the core
// what the kernel said, and the core tells it which connection to service.
#include <atomic>
#include <optional>
#include <system_error>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "loop_timers.hpp"
#include "wirestate/loop_options.hpp"
#include "wirestate/wirestate.hpp"

struct sockaddr_storage;

namespace wirestate::adapters {

class LoopCore;

// The core's part of one connection of either role; a loop's own types
// derive from LoopConnection (server) or LoopClient and add their socket.
struct LoopSocket : Waker {
  LoopSocket(LoopCore& loop_core, bool is_client) : core(loop_core), client(is_client) {}
  void wake() noexcept override;
  // The connection's deadline, and telling it that it fired.
  virtual std::optional<Time> due() const noexcept = 0;
  virtual void fire(Time now) noexcept = 0;

  LoopCore& core;
  const bool client;
  bool scheduled = false;
  bool lingering = false;
  bool closing = false;    // end() was called: freed once the loop's IO lets go of it
  bool peer_done = false;  // while lingering: the peer closed or failed
  DeadlineEntry deadline;
  TimerHeap::Id linger_timer;

 protected:
  ~LoopSocket() = default;
};

// A LoopSocket with its connection, of either role.
template <class Http>
struct LoopSocketOf : LoopSocket {
  template <class... Args>
  LoopSocketOf(LoopCore& loop_core, bool is_client, Args&&... args)
      : LoopSocket(loop_core, is_client), http(std::forward<Args>(args)...) {
    http.set_waker(this);
  }
  std::optional<Time> due() const noexcept override { return http.deadline(); }
  void fire(Time now) noexcept override { deadline.fired(http, now); }

  Http http;

 protected:
  ~LoopSocketOf() = default;
};

struct LoopConnection : LoopSocketOf<ServerConnection> {
  LoopConnection(LoopCore& loop_core, Handler& handler);
  std::unique_ptr<PeerAddress> peer;  // LoopOptions::peer_addresses

 protected:
  ~LoopConnection() = default;
};

struct LoopClient : LoopSocketOf<ClientConnection> {
  LoopClient(LoopCore& loop_core, ClientSession& client_session);
  ClientSession& session;
  bool close_when_idle = false;
  int error = 0;  // errno of the socket failure that ends it

 protected:
  ~LoopClient() = default;
};

// Calls `f` with `s` as the loop's own type for its role.
template <class Server, class Client, class F>
decltype(auto) with_role(LoopSocket& s, F&& f) {
  if (s.client) return f(static_cast<Client&>(s));
  return f(static_cast<Server&>(s));
}

// What a loop does with its sockets, when the core asks.
class LoopIo {
 public:
  // A connection for an admitted socket, served by `handler` and owned by
  // the loop (null: the socket was closed, it could not be served).
  virtual LoopConnection* open(int fd, Handler& handler) = 0;
  // The same for a client connection.
  virtual LoopClient* open_client(int fd, ClientSession& session) = 0;
  // One turn of reads and writes, or, while lingering, of discarding.
  virtual void service(LoopSocket& c) = 0;
  // Lingering starts: shut the sending side and read on. False: close now.
  virtual bool half_close(LoopConnection& c) = 0;
  // Close the connection; once its socket has nothing in flight, the loop
  // calls LoopCore::forget(c) and frees it.
  virtual void end(LoopSocket& c) = 0;
  // Stop accepting: the loop is stopping.
  virtual void stop_listening() = 0;

 protected:
  ~LoopIo() = default;
};

class LoopCore {
 public:
  LoopCore(LoopOptions options, LoopIo& io, LoopTimers::Clock clock = &clock_now);
  ~LoopCore();
  LoopCore(const LoopCore&) = delete;
  LoopCore& operator=(const LoopCore&) = delete;

  const LoopOptions& options() const { return options_; }
  std::shared_ptr<Config>& config() { return config_; }
  const std::shared_ptr<Config>& client_config() const { return client_config_; }
  Handler& handler() { return *handler_; }
  LoopIo& io() { return io_; }
  LoopTimers& timers() { return timers_; }
  Time now() const { return timers_.now(); }

  // A socket the loop was given (accepted or adopted): served (by
  // `handler`, else the loop's), or turned away with the 503 and closed.
  void accepted(int fd, Handler* handler = nullptr);
  // Accepts from a non-blocking listener until it has no more (or 256).
  void accept_all(int listen_fd);
  // The listener said EMFILE/ENFILE: spend the reserve descriptor to answer
  // one waiting client, so the queue drains instead of waking the loop
  // forever.
  void out_of_descriptors(int listen_fd);

  // A client connection on `fd`: opened, told to `session`, scheduled.
  void adopt_client(int fd, ClientSession& session);
  void close_when_idle(ClientSession& session);

  void schedule(LoopSocket& c);
  bool has_ready() const { return !ready_.empty(); }
  // Services every scheduled connection, those scheduled meanwhile too.
  void serve_ready();
  // After a service that left the connection open: its next deadline.
  void arm_deadline(LoopSocket& c);
  // The connection is done writing: linger, or close.
  void begin_linger(LoopConnection& c);
  // After a client's service: it ends when the server is done with it
  // (`close`) or when it was to close once idle and is; else its deadline.
  void client_served(LoopClient& c, bool close);
  // The bookkeeping of a connection the loop is about to free; a client's
  // session hears on_closed here.
  void forget(LoopSocket& c);

  // stop(): any thread; the loop then wakes its wait and calls poll_stop().
  void request_stop() { stop_requested_.store(true); }
  // On the loop's thread, after each wait.
  void poll_stop();
  bool stopping() const { return stopping_; }
  // Stopping, and every connection finished or the grace period passed.
  bool finished() const { return stopping_ && ((connections_.empty() && clients_.empty()) || grace_over_); }
  const std::vector<LoopConnection*>& connections() const { return connections_; }
  const std::vector<LoopClient*>& clients() const { return clients_; }
  // The loop goes with client connections open: each session's on_closed
  // will say ECANCELED.
  void cut_clients();
  // Runs LoopOptions::on_finished, once.
  void report_finished();

  // How long the turn's wait may last: 0 with connections ready, else until
  // the next timer, at most `cap` (the Date header moves on each second).
  Duration wait_bound(Duration cap = std::chrono::seconds(1)) const;
  // Reads the clock and runs the timers that are due.
  void run_timers();

  LoopCounters counters() const;

 private:
  void turn_away(int fd);
  void begin_stop();
  static void on_deadline(void* context);
  static void on_linger_timeout(void* context);
  static void on_grace_timeout(void* context);

  LoopOptions options_;
  LoopIo& io_;
  LoopTimers timers_;  // the handler's Timers too
  FreeListPool buffers_;  // idle connections give their buffers back here
  Counters http_counters_;
  std::shared_ptr<Config> config_;  // shared by the loop's connections
  std::unique_ptr<Handler> handler_;
  std::string overload_;  // the 503
  int reserve_fd_ = -1;
  std::atomic<bool> stop_requested_{false};
  bool stopping_ = false;
  bool grace_over_ = false;
  bool reported_ = false;
  std::uint64_t accepted_ = 0, handled_ = 0, turned_away_ = 0;
  std::shared_ptr<Config> client_config_;
  std::vector<LoopSocket*> ready_;
  std::vector<LoopConnection*> connections_;
  std::vector<LoopClient*> clients_;
};

// One loop's machinery behind Loop (loop.hpp): the core, and
// the loop's IO beside it.
class LoopBackend : public LoopIo {
 public:
  explicit LoopBackend(LoopOptions options) : core(std::move(options), *this) {}
  virtual ~LoopBackend() = default;

  // serve()'s part that is the loop's: watch `listen_fd` (set below first).
  virtual std::error_code listen() = 0;
  // Wakes the loop's wait, from any thread: stop() was asked.
  virtual void notify() noexcept = 0;
  // Work was scheduled outside a turn (adopt): the next wait must not block.
  virtual void poke() {}
  virtual bool finished() const noexcept { return core.finished(); }
  // PolledLoop's: one turn; the descriptor a driving loop polls.
  virtual bool turn(Duration) { return false; }
  virtual int poll_fd() { return -1; }
  // The Loop goes: free this (libuv: once its handles have closed).
  virtual void release() { delete this; }

  LoopCore core;
  int listen_fd = -1;
};

// The numeric address of a socket's peer, or "-".
void describe_peer(int fd, PeerAddress& peer);

}  // namespace wirestate::adapters
