// fuzz_server: the server connection driven by the fuzzer, end to end.
//
// The input's front is the request byte stream; its back is a script of
// steps (FuzzedDataProvider takes bytes from the front and numbers from the
// back). Steps deliver request bytes in fuzzer-chosen sizes, act as the
// application on a chosen exchange, drain output with short writes, move time,
// end the input or fail the output. After every step the output must parse as
// responses in request order, nothing may follow a close, and no buffer may
// pass its bound.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "response_checker.hpp"
#include "fuzz_check.hpp"
#include "writes_in_flight.hpp"
#include "wirestate/wirestate.hpp"

using namespace wirestate;
using wirestate::fuzz::RequestFacts;
using wirestate::fuzz::ResponseChecker;

namespace {

const std::string big(200000, 'b');

struct App final : Handler {
  struct Live {
    Exchange ex;
    std::size_t seq;
    bool waiting = false;  // a write returned wait
    std::string head;      // the request as first seen: its views must not change
  };
  static std::string text_of(const Request& r) {
    std::string s(r.method);
    s.append(" ").append(r.target).append("\n");
    for (const Header& h : r.headers) s.append(h.name).append(":").append(h.value).append("\n");
    return s;
  }
  std::vector<RequestFacts> facts;
  std::vector<Live> live;
  // Handles kept past their exchange's end (the latest few): every call on
  // them must fail and touch nothing, whatever now uses their state.
  std::vector<Exchange> stale;
  std::vector<std::string> seqs;  // X-Seq values, kept alive for the views
  std::size_t body_bytes = 0;

  void on_request(Exchange& ex) noexcept override {
    const Request& r = ex.request();
    facts.push_back({r.is_head(), r.is_connect()});
    seqs.push_back(std::to_string(facts.size() - 1));
    live.push_back({ex, facts.size() - 1, false, text_of(r)});
    CHECK_OR_TRAP(!ex.set_user_data(reinterpret_cast<void*>(facts.size() - 1)));
  }
  void on_body(Exchange& ex, std::string_view data) noexcept override {
    body_bytes += data.size();
    // The chunk's extensions must be readable (ASan watches the views).
    for (const Header& e : ex.chunk_extensions()) extension_bytes += e.name.size() + e.value.size();
  }
  std::size_t extension_bytes = 0;
  void on_writable(Exchange& ex) noexcept override {
    for (Live& l : live)
      if (l.ex == ex) l.waiting = false;
  }
  void on_exchange_end(Exchange& ex, std::error_code) noexcept override {
    live.erase(std::remove_if(live.begin(), live.end(), [&](const Live& l) { return l.ex == ex; }),
               live.end());
    if (stale.size() == 4) stale.erase(stale.begin());
    stale.push_back(ex);
  }
  // Shapes some automatic errors (derived from the status, not consumed, so
  // the corpus keeps its meaning): a body of the application's own, or
  // headers the connection must refuse and replace with its own response.
  void on_error_response(const RefusedRequest& refused, ErrorResponse& response) noexcept override {
    static constexpr Header problem[] = {{"Content-Type", "application/problem+json"}};
    static constexpr Header framing[] = {{"Content-Length", "0"}, {"Connection", "keep-alive"}};
    if (refused.status % 2 == 1) {
      response.headers = problem;
      response.body = R"({"title":"refused"})";
    } else if (refused.status == 414) {
      response.headers = framing;
    }
  }
  Header seq_header(const Live& l) const { return {"X-Seq", seqs[l.seq]}; }
};

struct Driver {
  explicit Driver(FuzzedDataProvider& in) : in(in), checker(app.facts) {
    config.read_buffer_bytes = in.ConsumeIntegralInRange<std::size_t>(16, 4096);
    config.max_request_line_bytes = in.ConsumeIntegralInRange<std::size_t>(8, 512);
    config.max_header_bytes = in.ConsumeIntegralInRange<std::size_t>(8, 2048);
    config.max_header_count = in.ConsumeIntegralInRange<std::size_t>(1, 20);
    config.max_body_bytes = in.ConsumeIntegralInRange<std::uint64_t>(0, 100000);
    config.max_pipelined_requests = in.ConsumeIntegralInRange<std::size_t>(1, 8);
    config.write_high_watermark_bytes = in.ConsumeIntegralInRange<std::size_t>(1, 300000);
    config.write_low_watermark_bytes = config.write_high_watermark_bytes / 2;
    config.output_block_bytes = in.ConsumeIntegralInRange<std::size_t>(64, 8192);
    // Derived, not consumed, so the corpus keeps its meaning.
    config.max_writes_in_flight = 1 + config.output_block_bytes % 4;
    config.unread_body = config.max_header_count % 3 == 0 ? UnreadBody::close : UnreadBody::drain;
    config.max_drain_bytes = config.max_body_bytes / 2;
    if (in.ConsumeBool()) config.buffers = &pool;  // lent buffers, given back when idle
    conn = std::make_unique<ServerConnection>(config, app, now);
  }

  void step() {
    switch (in.ConsumeIntegralInRange<int>(0, 9)) {
      case 0: case 1: case 2: deliver(); break;
      case 3: case 4: act(); break;
      case 5: case 6: drain(); break;
      case 7: tick(); break;
      case 8: if (in.ConsumeBool()) conn->read_eof(now); else conn->shutdown(now); break;
      case 9:
        if (in.ConsumeIntegralInRange<int>(0, 15) == 0) conn->write_failed(now), writes.forget();
        break;
    }
    check();
  }

  void deliver() {
    if (conn->next_read() != ReadOp::read) return;
    std::span<char> buf = conn->read_buffer();
    CHECK_OR_TRAP(!buf.empty() && buf.size() <= config.read_buffer_bytes);
    const std::size_t want = in.ConsumeIntegralInRange<std::size_t>(1, 512);
    const std::string bytes = in.ConsumeBytesAsString(std::min(want, buf.size()));
    if (bytes.empty()) return conn->read_eof(now);
    std::memcpy(buf.data(), bytes.data(), bytes.size());
    conn->commit_read(bytes.size(), now);
  }

  void act() {
    if (app.live.empty()) return poke_stale();
    App::Live& l = app.live[in.ConsumeIntegralInRange<std::size_t>(0, app.live.size() - 1)];
    Exchange& ex = l.ex;
    const Header seq = app.seq_header(l);
    static constexpr int statuses[] = {200, 204, 304, 404, 500};
    switch (in.ConsumeIntegralInRange<int>(0, 9)) {
      case 0: still_live(ex.read_body()); break;
      case 1: {
        const std::string body = in.ConsumeRandomLengthString(300);
        still_live(ex.respond(statuses[in.ConsumeIntegralInRange<int>(0, 4)], {seq}, body));
        break;
      }
      case 2: {
        const bool length = in.ConsumeBool();
        const std::string cl = std::to_string(in.ConsumeIntegralInRange<int>(0, 3000));
        if (length) still_live(ex.respond_streaming(statuses[in.ConsumeIntegralInRange<int>(0, 4)], {seq, {"Content-Length", cl}}));
        else still_live(ex.respond_streaming(in.ConsumeBool() ? 200 : 101, {seq, {"Upgrade", "x"}}));
        break;
      }
      case 3: case 4:
        if (!l.waiting) {
          const std::string data = in.ConsumeRandomLengthString(1000);
          // Some writes are chunks with an extension made of their own bytes
          // (derived, not consumed, so the corpus keeps its meaning).
          if (data.size() % 4 == 1) {
            const Header ext[] = {{"x", std::string_view(data).substr(0, 12)}};
            const WriteResult r = ex.write_chunk(data, ext);
            still_live(r.error);
            if (!r.error) l.waiting = r.wait;
          } else {
            const WriteResult r = ex.write(data);
            still_live(r.error);
            l.waiting = r.wait;
          }
        }
        break;
      case 5:
        if (!l.waiting) {
          const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(0, big.size());
          const WriteResult r = ex.write_borrowed(std::string_view(big).substr(0, n), {});
          still_live(r.error);
          l.waiting = r.wait;
        }
        break;
      case 6: still_live(ex.end(in.ConsumeBool() ? Headers() : Headers(&seq, 1))); break;
      case 7: still_live(ex.send_informational(103, {seq})); break;
      case 8: still_live(ex.set_max_body_bytes(in.ConsumeIntegralInRange<std::uint64_t>(0, 1 << 20))); break;
      case 9: still_live(ex.respond_streaming(200, {seq})); break;
    }
  }

  // Any error but the one for an ended exchange: these handles are live.
  static void still_live(std::error_code ec) { CHECK_OR_TRAP(ec != Error::exchange_ended); }

  // Consumes nothing, so the corpus keeps its meaning.
  void poke_stale() {
    for (Exchange& ex : app.stale) {
      CHECK_OR_TRAP(ex.ended());
      CHECK_OR_TRAP(ex.respond(500, {}, "STALE") == Error::exchange_ended);
      CHECK_OR_TRAP(ex.respond_streaming(200, {}) == Error::exchange_ended);
      CHECK_OR_TRAP(ex.write("STALE").error == Error::exchange_ended);
      CHECK_OR_TRAP(ex.end() == Error::exchange_ended);
      CHECK_OR_TRAP(ex.read_body() == Error::exchange_ended);
      CHECK_OR_TRAP(ex.queued_bytes() == 0 && ex.user_data() == nullptr);
    }
  }

  // Writes may stay in flight between steps: the other actions then happen
  // under them, as with a completion adapter.
  void drain() {
    const std::size_t limit = config.max_writes_in_flight;
    for (int i = 0; i < 64 && !closed; ++i) {
      if (!writes.take(*conn, limit)) {
        closed = true;
        break;
      }
      if (writes.empty()) break;
      const std::size_t count = in.ConsumeIntegralInRange<std::size_t>(1, limit);
      writes.report(*conn, in, now, count, [&](const char* p, std::size_t n) { checker.feed(p, n); });
    }
  }

  void tick() {
    now += std::chrono::milliseconds(in.ConsumeIntegralInRange<std::int64_t>(0, 120000));
    if (auto t = conn->deadline(); t && *t <= now) conn->on_deadline(now);
  }

  void check() {
    // Request views stay what they were until the exchange ends, whatever
    // pools, buffers and later reads did meanwhile.
    for (const App::Live& l : app.live) CHECK_OR_TRAP(App::text_of(l.ex.request()) == l.head);
    if (closed) {
      // Once closed, always closed, and nothing more to write.
      CHECK_OR_TRAP(conn->next_write().kind == WriteOp::close);
    }
    // Output stays near the watermark when the application honours `wait`:
    // each exchange may add one write (with framing) past it before it is
    // told to wait, plus heads and 1xx.
    std::size_t queued = 0;
    for (const App::Live& l : app.live) queued += l.ex.queued_bytes();
    const std::size_t per_exchange = big.size() + 2048;
    CHECK_OR_TRAP(queued <= config.write_high_watermark_bytes + app.live.size() * per_exchange + 64 * 1024);
  }

  FuzzedDataProvider& in;
  App app;
  FreeListPool pool;
  Config config;
  Time now{};
  std::unique_ptr<ServerConnection> conn;
  ResponseChecker checker;
  wirestate::fuzz::WritesInFlight writes;
  bool closed = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Driver d(in);
  for (int i = 0; i < 2000 && in.remaining_bytes() > 0; ++i) d.step();
  // Whatever is left: the peer goes away; everything must wind down.
  d.conn->read_eof(d.now);
  for (int i = 0; i < 8 && !d.closed; ++i) d.drain();
  return 0;
}
