// The skeleton the three server loops share (adapters/common/loop_core.hpp),
// driven without an event loop: a fake IO moves each connection's bytes
// through strings, and the clock is the test's. Sockets appear only where
// the core itself touches one (admission's 503 goes to a socketpair).
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>

#include "loop_core.hpp"

using namespace wirestate;
using namespace wirestate::adapters;
using namespace std::chrono_literals;

namespace {

Time fake_now{};
Time fake_clock() { return fake_now; }

struct FakeConnection final : LoopConnection {
  FakeConnection(LoopCore& loop_core, int socket, Handler& handler) : LoopConnection(loop_core, handler), fd(socket) {}
  int fd;
  std::string input;   // what the peer sent and the connection has not read
  std::string output;  // what the connection wrote
  bool half_closed = false;
};

struct FakeClient final : LoopClient {
  FakeClient(LoopCore& loop_core, int socket, ClientSession& client_session)
      : LoopClient(loop_core, client_session), fd(socket) {}
  int fd;
  std::string input, output;
};

// Moves a connection's bytes: all its input in, all its output out.
template <class C>
bool pump(C& c, Time now) {
  for (bool progress = true; progress;) {
    progress = false;
    if (!c.input.empty() && c.http.next_read() == ReadOp::read) {
      std::span<char> buf = c.http.read_buffer();
      const std::size_t n = std::min(buf.size(), c.input.size());
      c.input.copy(buf.data(), n);
      c.input.erase(0, n);
      c.http.commit_read(n, now);
      progress = true;
    }
    const WriteOp op = c.http.next_write();
    if (op.kind == WriteOp::close) return true;
    if (op.kind == WriteOp::write) {
      std::size_t n = 0;
      for (const IoVec& v : op.iovecs) {
        c.output.append(static_cast<const char*>(v.base), v.len);
        n += v.len;
      }
      c.http.wrote(op.token, n, now);
      progress = true;
    }
  }
  return false;
}

// Plays the adapter: every service reads all input and writes all output.
struct FakeIo final : LoopIo {
  LoopCore* core = nullptr;
  std::map<int, FakeConnection*> open_connections;  // by fd
  std::map<int, std::string> ended;                 // fd: what it wrote
  std::map<int, FakeClient*> clients;
  int services = 0;
  bool listening = true;

  LoopConnection* open(int fd, Handler& handler) override {
    auto* c = new FakeConnection(*core, fd, handler);
    open_connections[fd] = c;
    return c;
  }
  LoopClient* open_client(int fd, ClientSession& session) override {
    auto* c = new FakeClient(*core, fd, session);
    clients[fd] = c;
    return c;
  }
  void service(LoopSocket& base) override {
    ++services;
    if (base.client) {
      auto& c = static_cast<FakeClient&>(base);
      return core->client_served(c, pump(c, core->now()));
    }
    auto& c = static_cast<FakeConnection&>(base);
    if (c.lingering) return;
    if (pump(c, core->now())) return core->begin_linger(c);
    core->arm_deadline(c);
  }
  bool half_close(LoopConnection& base) override {
    static_cast<FakeConnection&>(base).half_closed = true;
    return true;
  }
  void end(LoopSocket& base) override {
    if (base.client) {
      auto& c = static_cast<FakeClient&>(base);
      core->forget(c);
      clients.erase(c.fd);
      close(c.fd);
      delete &c;
      return;
    }
    auto& c = static_cast<FakeConnection&>(base);
    core->forget(c);
    ended[c.fd] = c.output;
    open_connections.erase(c.fd);
    close(c.fd);
    delete &c;
  }
  void stop_listening() override { listening = false; }
};

// Answers /plaintext at once and holds /later until the test answers it.
class App final : public Handler {
 public:
  Exchange held;
  void on_request(Exchange& ex) noexcept override {
    if (ex.request().path == "/later") {
      held = ex;
      return;
    }
    (void)ex.respond(200, {}, "ok");
  }
};

struct Fixture {
  explicit Fixture(LoopOptions options = {}) {
    fake_now = Time{} + 1000s;
    options.config.server_name = {};
    options.make_handler = [this](Timers&) {
      auto made = std::make_unique<App>();
      app = made.get();
      return made;
    };
    options.on_turned_away = [this](const TurnedAway& t) { turned_away.push_back(t.stopping); };
    core = std::make_unique<LoopCore>(std::move(options), io, &fake_clock);
    io.core = core.get();
  }
  ~Fixture() {
    while (!io.open_connections.empty()) io.end(*io.open_connections.begin()->second);
    while (!io.clients.empty()) io.end(*io.clients.begin()->second);
    for (int fd : peers) close(fd);
  }

  // A connection the loop admits or turns away; its peer's end is kept.
  FakeConnection* connect() {
    int pair[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) == 0);
    peers.push_back(pair[1]);
    core->accepted(pair[0]);
    auto it = io.open_connections.find(pair[0]);
    return it == io.open_connections.end() ? nullptr : it->second;
  }
  std::string peer_reads(std::size_t peer) {
    char buf[4096];
    const ssize_t n = recv(peers[peer], buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }
  void advance(Duration d) {
    fake_now += d;
    core->run_timers();
    core->serve_ready();
  }

  FakeIo io;
  App* app = nullptr;
  std::unique_ptr<LoopCore> core;
  std::vector<int> peers;
  std::vector<bool> turned_away;
};

}  // namespace

TEST_CASE("LoopCore admits up to the budget, and answers the rest 503 with Retry-After") {
  LoopOptions options;
  options.max_connections = 2;
  options.retry_after = 7s;
  Fixture f(std::move(options));
  CHECK(f.connect());
  CHECK(f.connect());
  CHECK_FALSE(f.connect());
  const std::string answer = f.peer_reads(2);
  CHECK(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
  CHECK(answer.find("Retry-After: 7\r\n") != std::string::npos);
  CHECK(f.turned_away == std::vector<bool>{false});
  LoopCounters c = f.core->counters();
  CHECK(c.accepted == 3);
  CHECK(c.handled == 2);
  CHECK(c.turned_away == 1);
  CHECK(c.active == 2);
  CHECK(c.waiting == 2);

  // A closed connection gives its place back.
  f.io.end(*f.io.open_connections.begin()->second);
  CHECK(f.connect());
}

TEST_CASE("LoopCore shares one budget between loops") {
  auto budget = std::make_shared<ConnectionBudget>(1);
  LoopOptions a, b;
  a.budget = budget;
  b.budget = budget;
  Fixture first(std::move(a)), second(std::move(b));
  CHECK(first.connect());
  CHECK_FALSE(second.connect());
  CHECK(budget->open() == 1);
}

TEST_CASE("LoopCore serves what it schedules, and counts a connection's activity") {
  Fixture f;
  FakeConnection* c = f.connect();
  REQUIRE(c);
  c->input = "GET /later HTTP/1.1\r\nHost: h\r\n\r\n";
  f.core->schedule(*c);
  f.core->serve_ready();
  CHECK(f.core->counters().writing == 1);
  CHECK_FALSE(f.app->held.respond(200, {}, "late"));  // wakes the connection
  CHECK(f.core->has_ready());
  f.core->serve_ready();
  CHECK(c->output.ends_with("\r\n\r\nlate"));
  const LoopCounters counters = f.core->counters();
  CHECK(counters.waiting == 1);
  CHECK(counters.http.requests == 1);
  CHECK(counters.http.responses[2] == 1);
}

TEST_CASE("LoopCore fires a connection's deadline: a head that stalls gets its 408, then the linger") {
  Fixture f;
  FakeConnection* c = f.connect();
  REQUIRE(c);
  c->input = "GET / HTTP/1.1\r\nHo";
  f.core->serve_ready();
  f.advance(29s);
  CHECK(c->output.empty());
  f.advance(2s);  // past Config::header_timeout
  CHECK(c->output.starts_with("HTTP/1.1 408 "));
  CHECK(c->half_closed);
  CHECK(c->lingering);
  CHECK(f.core->counters().http.automatic_for(Error::header_timeout) == 1);
  // The linger ends the connection after LoopOptions::linger.
  f.advance(1s);
  CHECK(f.io.open_connections.size() == 1);
  f.advance(1s);
  CHECK(f.io.open_connections.empty());
  CHECK(f.core->counters().active == 0);
}

TEST_CASE("LoopCore's graceful stop lets an exchange in flight finish, then finishes") {
  LoopOptions options;
  bool reported = false;
  options.on_finished = [&reported] { reported = true; };
  Fixture f(std::move(options));
  FakeConnection* busy = f.connect();
  FakeConnection* idle = f.connect();
  REQUIRE(busy);
  REQUIRE(idle);
  busy->input = "GET /later HTTP/1.1\r\nHost: h\r\n\r\n";
  f.core->serve_ready();

  f.core->request_stop();
  f.core->poll_stop();
  CHECK_FALSE(f.io.listening);
  f.core->serve_ready();
  CHECK(idle->lingering);  // an idle connection closes at once
  CHECK_FALSE(busy->lingering);
  CHECK_FALSE(f.connect());  // new ones are turned away, told the loop is stopping
  CHECK(f.turned_away == std::vector<bool>{true});

  f.advance(2s);  // the idle one's linger ends
  CHECK_FALSE(f.core->finished());
  CHECK_FALSE(f.app->held.respond(200, {}, "done"));
  f.core->serve_ready();
  CHECK(busy->output.find("Connection: close\r\n") != std::string::npos);
  CHECK(busy->output.ends_with("done"));
  f.advance(2s);
  CHECK(f.core->finished());
  f.core->report_finished();
  f.core->report_finished();  // once
  CHECK(reported);
}

TEST_CASE("LoopCore's graceful stop ends at the grace period with an exchange never answered") {
  LoopOptions options;
  options.grace = 3s;
  Fixture f(std::move(options));
  FakeConnection* busy = f.connect();
  REQUIRE(busy);
  busy->input = "GET /later HTTP/1.1\r\nHost: h\r\n\r\n";
  f.core->serve_ready();
  f.core->request_stop();
  f.core->poll_stop();
  f.advance(2s);
  CHECK_FALSE(f.core->finished());
  f.advance(1s);
  CHECK(f.core->finished());
}

TEST_CASE("LoopCore's wait bound is 0 with work ready, else the next timer, at most the cap") {
  Fixture f;
  CHECK(f.core->wait_bound(1s) == Duration(1s));
  FakeConnection* c = f.connect();  // scheduled
  REQUIRE(c);
  CHECK(f.core->wait_bound(1s) == Duration::zero());
  f.core->serve_ready();  // arms the new connection's header deadline, 30 s on
  CHECK(f.core->wait_bound(60s) == Duration(30s));
}

namespace {
// A session that sends one request when its connection opens.
struct OneRequest final : ClientSession, ResponseHandler {
  ClientConnection* http = nullptr;
  int status = 0;
  std::vector<std::error_code> closed;
  void on_open(ClientConnection& c) noexcept override {
    http = &c;
    CHECK_FALSE(c.send(*this, "GET", "/", {{"Host", "h"}}).error);
  }
  void on_closed(std::error_code error) noexcept override {
    http = nullptr;
    closed.push_back(error);
  }
  void on_response(ClientExchange& ex) noexcept override {
    status = ex.response().status;
    CHECK_FALSE(ex.read_body());
  }
  void on_body(ClientExchange& ex, std::string_view) noexcept override { CHECK_FALSE(ex.read_body()); }
};
}  // namespace

TEST_CASE("LoopCore serves a client connection, and closes it once idle when asked") {
  OneRequest session;  // outlives the loop, as a session must
  Fixture f;
  int pair[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) == 0);
  close(pair[1]);
  f.core->adopt_client(pair[0], session);
  REQUIRE(session.http);
  f.core->serve_ready();
  FakeClient& c = *f.io.clients.at(pair[0]);
  CHECK(c.output.starts_with("GET / HTTP/1.1\r\nHost: h\r\n"));
  f.core->close_when_idle(session);
  f.core->serve_ready();
  CHECK(session.closed.empty());  // its request is still in flight
  c.input = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
  f.core->schedule(c);
  f.core->serve_ready();
  CHECK(session.status == 200);
  REQUIRE(session.closed.size() == 1);
  CHECK_FALSE(session.closed[0]);
  CHECK(f.io.clients.empty());
}

TEST_CASE("LoopCore's graceful stop closes an idle client and waits for a busy one") {
  OneRequest busy, idle;
  Fixture f;
  int pairs[2][2];
  for (auto& p : pairs) REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p) == 0);
  f.core->adopt_client(pairs[0][0], busy);
  f.core->serve_ready();
  f.core->adopt_client(pairs[1][0], idle);
  FakeClient& idle_client = *f.io.clients.at(pairs[1][0]);
  idle_client.input = "HTTP/1.1 204 No Content\r\n\r\n";
  f.core->serve_ready();
  CHECK(idle.status == 204);
  f.core->request_stop();
  f.core->poll_stop();
  f.core->serve_ready();
  CHECK(idle.closed.size() == 1);
  CHECK(busy.closed.empty());
  CHECK_FALSE(f.core->finished());
  FakeClient& busy_client = *f.io.clients.at(pairs[0][0]);
  busy_client.input = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  f.core->schedule(busy_client);
  f.core->serve_ready();
  CHECK(busy.closed.size() == 1);
  CHECK(f.core->finished());
  for (auto& p : pairs) close(p[1]);
}

TEST_CASE("LoopCore tells a client session its loop went, when it goes with the connection open") {
  OneRequest session;
  Fixture f;
  int pair[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) == 0);
  f.core->adopt_client(pair[0], session);
  f.core->cut_clients();
  f.io.end(*f.io.clients.at(pair[0]));
  REQUIRE(session.closed.size() == 1);
  CHECK(session.closed[0] == std::errc::operation_canceled);
  close(pair[1]);
}

TEST_CASE("LoopCore serves an adopted connection with the handler it was given") {
  struct Own final : Handler {
    void on_request(Exchange& ex) noexcept override { (void)ex.respond(200, {}, "own"); }
  } own;
  Fixture f;
  int pair[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) == 0);
  f.peers.push_back(pair[1]);
  f.core->accepted(pair[0], &own);
  FakeConnection& c = *f.io.open_connections.at(pair[0]);
  c.input = "GET /plaintext HTTP/1.1\r\nHost: h\r\n\r\n";
  f.core->serve_ready();
  CHECK(c.output.ends_with("\r\n\r\nown"));
}
