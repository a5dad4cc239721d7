#pragma once
// What every sample server's main() does, written once: parse the contract's
// command line, open one SO_REUSEPORT listener per loop, run each loop on its
// own thread, turn SIGINT/SIGTERM into a graceful stop, exit 0.
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "access_log.hpp"
#include "server_options.hpp"
#include "timers.hpp"
#include "wirestate/handler.hpp"

struct sockaddr_storage;

namespace wirestate::adapters {

// State shared by the loops of one server.
struct ServerShared {
  ServerOptions options;
  AccessLog* access_log = nullptr;
  std::atomic<std::size_t> open_connections{0};
};

// One event loop: run() serves until stop() (callable from any thread) and
// its connections have finished, or the grace period has passed.
class EventLoop {
 public:
  virtual ~EventLoop() = default;
  virtual void run() = 0;
  virtual void stop() = 0;
};

// Makes the loop of one thread, or prints why it cannot and returns null.
using LoopFactory = std::function<std::unique_ptr<EventLoop>(ServerShared&, int listen_fd)>;

// Checked once the command line is read, before any socket is opened: what
// the loop needs from this machine. An empty answer means all is there;
// anything else is printed after the program's name, and it exits 1.
using Preflight = std::function<std::string()>;

// Makes the application of one event loop: one Handler serves every
// connection of that loop, on that loop's thread, with its timers.
using AppFactory = std::function<std::unique_ptr<Handler>(Timers&, ServerShared&)>;

int server_main(int argc, char** argv, const char* program, const LoopFactory& make_loop,
                const Preflight& preflight = {});

// A non-blocking, close-on-exec TCP listener on host:port with SO_REUSEPORT.
// Returns the fd, or -1 after printing why.
int open_listener(const std::string& host, std::uint16_t port);
// The port a listener is bound to.
std::uint16_t bound_port(int fd);
// The numeric address of an accepted peer, for the access log.
void describe_peer(const sockaddr_storage& address, PeerInfo& peer);
// What a connection keeps of its peer: only when an access log will read it
// (an idle connection is worth its bytes), else null.
std::unique_ptr<PeerInfo> peer_for_log(const ServerShared& shared, const sockaddr_storage& address);

// Turns away an accepted connection the server will not serve (past
// --max-connections, out of descriptors, stopping): logs it, sends 503 with
// Retry-After and shuts down the sending side. The caller closes `fd`.
void turn_away(ServerShared& shared, int fd, bool stopping);

// How long in-flight responses may take after SIGINT/SIGTERM.
inline constexpr auto stop_grace_period = std::chrono::seconds(10);

}  // namespace wirestate::adapters
