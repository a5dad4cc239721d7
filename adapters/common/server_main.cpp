#include "server_main.hpp"

#include "wirestate/status.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace wirestate::adapters {

int open_listener(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    std::fprintf(stderr, "cannot resolve '%s': %s\n", host.c_str(), gai_strerror(rc));
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 4096) != 0) {
      std::fprintf(stderr, "cannot listen on %s:%u: %s\n", host.c_str(), port, std::strerror(errno));
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  return fd;
}

// Every loop's listener sets SO_REUSEPORT, so binding them would also
// succeed on a port another process listens on, and the kernel would split
// connections between the two. A socket without it is refused there.
static bool port_taken(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return false;
  bool taken = false;
  for (addrinfo* a = found; a; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // TIME_WAIT is no owner
    const bool bound = bind(fd, a->ai_addr, a->ai_addrlen) == 0;
    taken = !bound && errno == EADDRINUSE;
    close(fd);
    if (bound || taken) break;
  }
  freeaddrinfo(found);
  return taken;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

void describe_peer(const sockaddr_storage& address, PeerInfo& peer) {
  const void* ip = nullptr;
  if (address.ss_family == AF_INET) ip = &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr;
  if (address.ss_family == AF_INET6) ip = &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr;
  if (!ip || !inet_ntop(address.ss_family, ip, peer.address, sizeof peer.address)) std::strcpy(peer.address, "-");
}

void turn_away(ServerShared& shared, int fd, bool stopping) {
  const std::string_view response = overload_response();
  if (shared.access_log) {
    sockaddr_storage address{};
    socklen_t size = sizeof address;
    PeerInfo peer;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) describe_peer(address, peer);
    AccessRecord record;
    record.client = peer.address;
    record.status = 503;
    record.body_bytes = response.size() - (response.find("\r\n\r\n") + 4);
    record.error = stopping ? "stopping" : "over --max-connections or out of descriptors";
    shared.access_log->append(record);
  }
  [[maybe_unused]] auto n = send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  // Closing with the client's request unread would reset the connection and
  // could destroy the 503 before the client reads it; half-close first.
  shutdown(fd, SHUT_WR);
}

std::unique_ptr<PeerInfo> peer_for_log(const ServerShared& shared, const sockaddr_storage& address) {
  if (!shared.access_log) return nullptr;
  auto peer = std::make_unique<PeerInfo>();
  describe_peer(address, *peer);
  return peer;
}

int server_main(int argc, char** argv, const char* program, const LoopFactory& make_loop,
                const Preflight& preflight) {
  ServerShared shared;
  shared.options = parse_server_options(argc, argv, program);
  const ServerOptions& o = shared.options;
  if (preflight) {
    if (const std::string problem = preflight(); !problem.empty()) {
      std::fprintf(stderr, "%s: %s\n", program, problem.c_str());
      return 1;
    }
  }

  // Threads inherit this mask: only the main thread takes the stop signals,
  // and a peer that vanishes mid-write never kills the process.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<AccessLog> log;
  if (!o.access_log.empty()) {
    log.reset(AccessLog::open(o.access_log));
    if (!log) return 1;
    shared.access_log = log.get();
  }

  if (o.port != 0 && !o.reuse_port && port_taken(o.host, o.port)) {
    std::fprintf(stderr, "%s: cannot listen on %s:%u: address already in use (--reuse-port shares it)\n",
                 program, o.host.c_str(), o.port);
    return 1;
  }
  std::vector<int> listeners;
  std::uint16_t port = o.port;
  for (unsigned i = 0; i < o.threads; ++i) {
    const int fd = open_listener(o.host, port);
    if (fd < 0) return 1;
    port = bound_port(fd);  // port 0: the others join the one the first got
    listeners.push_back(fd);
  }
  std::printf("listening on %s:%u\n", o.host.c_str(), port);
  if (!o.quiet) std::printf("%s: %u event loop(s), max %zu connections\n", program, o.threads, o.max_connections);
  std::fflush(stdout);

  std::vector<std::unique_ptr<EventLoop>> loops;
  for (int fd : listeners) {
    loops.push_back(make_loop(shared, fd));
    if (!loops.back()) return 1;
  }
  std::vector<std::thread> threads;
  for (auto& loop : loops) threads.emplace_back([&loop] { loop->run(); });

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  if (!o.quiet) std::fprintf(stderr, "%s: %s, finishing in-flight responses\n", program, strsignal(signal_number));
  for (auto& loop : loops) loop->stop();
  for (auto& t : threads) t.join();
  return 0;
}

}  // namespace wirestate::adapters
