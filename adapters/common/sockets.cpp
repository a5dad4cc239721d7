#include "wirestate/sockets.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace wirestate {
namespace {

// A numeric address, as getaddrinfo parses it (null: not one).
addrinfo* numeric(std::string_view address, std::uint16_t port, int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags | AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string host(address), service = std::to_string(port);
  return getaddrinfo(host.c_str(), service.c_str(), &hints, &found) == 0 ? found : nullptr;
}

}  // namespace

int listen_tcp(std::string_view address, std::uint16_t port, std::error_code& error, int backlog) {
  addrinfo* found = numeric(address, port, AI_PASSIVE);
  if (!found) {
    error = std::make_error_code(std::errc::invalid_argument);
    return -1;
  }
  const int fd = socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, found->ai_protocol);
  const int one = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
      bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, backlog) != 0) {
    error = {errno, std::system_category()};
    if (fd >= 0) close(fd);
    freeaddrinfo(found);
    return -1;
  }
  freeaddrinfo(found);
  error = {};
  return fd;
}

int connect_tcp(std::string_view address, std::uint16_t port, std::error_code& error) {
  addrinfo* found = numeric(address, port, 0);
  if (!found) {
    error = std::make_error_code(std::errc::invalid_argument);
    return -1;
  }
  const int fd = socket(found->ai_family, found->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, found->ai_protocol);
  const int one = 1;
  if (fd < 0 || (::connect(fd, found->ai_addr, found->ai_addrlen) != 0 && errno != EINPROGRESS)) {
    error = {errno, std::system_category()};
    if (fd >= 0) close(fd);
    freeaddrinfo(found);
    return -1;
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  freeaddrinfo(found);
  error = {};
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

}  // namespace wirestate
