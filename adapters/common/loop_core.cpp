#include "loop_core.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace wirestate::adapters {
namespace {

// What a loop serves when the embedder gave no handler.
class NotFound final : public Handler {
 public:
  void on_request(Exchange& ex) noexcept override {
    (void)ex.respond(404, {{"Content-Type", "text/plain; charset=utf-8"}}, "404 Not Found\n");
  }
};

std::string turned_away_response(std::chrono::seconds retry_after) {
  static constexpr std::string_view body = "503 Service Unavailable: the server is at capacity\n";
  std::string r = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: ";
  r += std::to_string(retry_after.count());
  r += "\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ";
  r += std::to_string(body.size());
  r += "\r\n\r\n";
  r += body;
  return r;
}

int open_reserve() { return open("/dev/null", O_RDONLY | O_CLOEXEC); }

}  // namespace

void LoopSocket::wake() noexcept { core.schedule(*this); }

LoopConnection::LoopConnection(LoopCore& c, Handler& handler)
    : LoopSocketOf(c, false, c.config(), handler, c.now()) {}

LoopClient::LoopClient(LoopCore& c, ClientSession& s) : LoopSocketOf(c, true, c.client_config(), c.now()), session(s) {}

LoopCore::LoopCore(LoopOptions options, LoopIo& io, LoopTimers::Clock clock)
    : options_(std::move(options)),
      io_(io),
      timers_(clock),
      overload_(turned_away_response(options_.retry_after)),
      reserve_fd_(open_reserve()) {
  if (!options_.budget) options_.budget = std::make_shared<ConnectionBudget>(options_.max_connections);
  // The loop's copies, on its buffers, its Date and its counters.
  const auto own = [this](const Config& given) {
    auto c = std::make_shared<Config>(given);
    c->date = &timers_.date();
    c->buffers = &buffers_;
    c->counters = &http_counters_;
    return c;
  };
  config_ = own(options_.config);
  client_config_ = own(options_.client_config);
  handler_ = options_.make_handler ? options_.make_handler(timers_) : nullptr;
  if (!handler_) handler_ = std::make_unique<NotFound>();
}

LoopCore::~LoopCore() {
  if (reserve_fd_ >= 0) close(reserve_fd_);
}

void LoopCore::accepted(int fd, Handler* handler) {
  ++accepted_;
  if (stopping_ || !options_.budget->take()) return turn_away(fd);
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  LoopConnection* c = io_.open(fd, handler ? *handler : *handler_);
  if (!c) {
    options_.budget->give();
    return;
  }
  ++handled_;
  if (options_.peer_addresses) {
    c->peer = std::make_unique<PeerAddress>();
    describe_peer(fd, *c->peer);
    c->http.set_user_data(c->peer.get());
  }
  connections_.push_back(c);
  schedule(*c);
}

void LoopCore::accept_all(int listen_fd) {
  for (int accepted = 0; accepted < 256; ++accepted) {
    const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      this->accepted(fd);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EMFILE || errno == ENFILE) {
      out_of_descriptors(listen_fd);
      continue;
    }
    return;  // EAGAIN, or an error that a later wake-up will report again
  }
}

void LoopCore::out_of_descriptors(int listen_fd) {
  if (reserve_fd_ < 0) return;
  close(reserve_fd_);
  const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) {
    ++accepted_;
    turn_away(fd);
  }
  reserve_fd_ = open_reserve();
}

void LoopCore::turn_away(int fd) {
  ++turned_away_;
  if (options_.on_turned_away) {
    PeerAddress peer;
    describe_peer(fd, peer);
    options_.on_turned_away({peer.text, stopping_, overload_});
  }
  [[maybe_unused]] auto n = send(fd, overload_.data(), overload_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  // Closing with the client's request unread would reset the connection and
  // could destroy the 503 before the client reads it; half-close first.
  shutdown(fd, SHUT_WR);
  close(fd);
}

void LoopCore::adopt_client(int fd, ClientSession& session) {
  LoopClient* c = io_.open_client(fd, session);
  clients_.push_back(c);
  if (stopping_) c->close_when_idle = true;
  session.on_open(c->http);
  schedule(*c);
}

void LoopCore::close_when_idle(ClientSession& session) {
  for (LoopClient* c : clients_) {
    if (&c->session != &session) continue;
    c->close_when_idle = true;
    schedule(*c);
  }
}

void LoopCore::client_served(LoopClient& c, bool close) {
  if (close || (c.close_when_idle && c.http.is_idle())) return io_.end(c);
  arm_deadline(c);
}

void LoopCore::schedule(LoopSocket& c) {
  if (c.scheduled) return;
  c.scheduled = true;
  ready_.push_back(&c);
}

void LoopCore::serve_ready() {
  // Connections woken while serving others are served in this same pass.
  for (std::size_t i = 0; i < ready_.size(); ++i) {
    LoopSocket* c = ready_[i];
    if (!c) continue;  // freed after it was scheduled
    c->scheduled = false;
    io_.service(*c);
  }
  ready_.clear();
}

void LoopCore::arm_deadline(LoopSocket& c) {
  c.deadline.arm(timers_.heap(), c.due(), &LoopCore::on_deadline, &c);
}

void LoopCore::on_deadline(void* context) {
  LoopSocket& c = *static_cast<LoopSocket*>(context);
  c.fire(c.core.now());
  c.core.schedule(c);
}

void LoopCore::begin_linger(LoopConnection& c) {
  c.deadline.cancel(timers_.heap());
  // RFC 9112 §9.6: close the sending side first and read on for a while, so
  // that unread input does not turn the close into a reset that destroys the
  // response at the client.
  if (!io_.half_close(c)) return io_.end(c);
  c.lingering = true;
  c.linger_timer = timers_.heap().start(now() + options_.linger, &LoopCore::on_linger_timeout, &c);
  schedule(c);
}

void LoopCore::on_linger_timeout(void* context) {
  LoopConnection& c = *static_cast<LoopConnection*>(context);
  c.linger_timer = {};
  c.core.io_.end(c);
}

void LoopCore::forget(LoopSocket& c) {
  c.deadline.cancel(timers_.heap());
  timers_.heap().cancel(c.linger_timer);
  // serve_ready() may be walking ready_: blank the entry rather than shift the rest.
  std::replace(ready_.begin(), ready_.end(), &c, static_cast<LoopSocket*>(nullptr));
  if (c.client) {
    auto& client = static_cast<LoopClient&>(c);
    if (auto it = std::find(clients_.begin(), clients_.end(), &client); it != clients_.end()) {
      clients_.erase(it);
      client.session.on_closed(client.error ? std::error_code(client.error, std::system_category())
                                            : std::error_code());
    }
    return;
  }
  auto& server = static_cast<LoopConnection&>(c);
  if (auto it = std::find(connections_.begin(), connections_.end(), &server); it != connections_.end()) {
    connections_.erase(it);
    options_.budget->give();
  }
}

void LoopCore::poll_stop() {
  if (stop_requested_.load() && !stopping_) begin_stop();
}

void LoopCore::begin_stop() {
  stopping_ = true;
  io_.stop_listening();
  for (LoopConnection* c : connections_) {
    c->http.shutdown(now());
    schedule(*c);
  }
  for (LoopClient* c : clients_) {
    c->close_when_idle = true;
    schedule(*c);
  }
  timers_.heap().start(now() + options_.grace, &LoopCore::on_grace_timeout, this);
}

void LoopCore::cut_clients() {
  for (LoopClient* c : clients_)
    if (!c->error) c->error = ECANCELED;
}

void LoopCore::report_finished() {
  if (reported_) return;
  reported_ = true;
  if (options_.on_finished) options_.on_finished();
}

void LoopCore::on_grace_timeout(void* context) { static_cast<LoopCore*>(context)->grace_over_ = true; }

Duration LoopCore::wait_bound(Duration cap) const {
  if (!ready_.empty()) return Duration::zero();
  if (auto next = timers_.next()) return std::clamp<Duration>(*next - timers_.now(), Duration::zero(), cap);
  return cap;
}

void LoopCore::run_timers() {
  timers_.tick();
  timers_.heap().run_due(timers_.now());
}

LoopCounters LoopCore::counters() const {
  LoopCounters s;
  s.accepted = accepted_;
  s.handled = handled_;
  s.turned_away = turned_away_;
  s.active = connections_.size();
  for (const LoopConnection* c : connections_) {
    switch (c->http.activity()) {
      case ServerConnection::Activity::waiting: ++s.waiting; break;
      case ServerConnection::Activity::reading: ++s.reading; break;
      case ServerConnection::Activity::writing: ++s.writing; break;
    }
  }
  s.http = http_counters_;
  return s;
}

void describe_peer(int fd, PeerAddress& peer) {
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  const void* ip = nullptr;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    if (address.ss_family == AF_INET) ip = &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr;
    if (address.ss_family == AF_INET6) ip = &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr;
  }
  if (!ip || !inet_ntop(address.ss_family, ip, peer.text, sizeof peer.text)) std::strcpy(peer.text, "-");
}

}  // namespace wirestate::adapters
