#pragma once
// The IO core both roles share: the input buffer and the parser lent with it,
// the write window and the writes in flight, the block arena and the
// releases it defers, the exchanges in order, the dispatch loop, and the
// adapter's calls (basic_connection.hpp, defined in transport_calls.hpp).
//
// A role derives from Transport<Role, State> and supplies what differs, as
// plain member functions the core calls through the derived type (no
// virtual call):
//
//   the pass:  State* start_message();   // the exchange the next message is
//                                        // for, or null to wait
//              void on_head(State&);   bool on_body(State&, std::string_view);
//              void on_message_end(State&);   void on_upgrade(State&);
//              void on_parse_error(State&);
//              bool deliver();   // settles what the role must, then calls
//                                // deliver_piece() and deliver_end()
//              bool retire_front(State&, bool& progress);  // retire() asks it
//              bool awaits_switch() const;  // an upgrade waits for its answer
//   output:    void gather(IoVec*, std::size_t& n, std::size_t& skip);
//              bool output_finished();   // nothing queued or in flight
//              std::size_t queued(const State&) const;
//              void consume(State&, std::size_t& n);
//              void drop_output(State&);
//              bool write_opens_work() const;
//   endings:   void on_ended(State&, std::error_code);
//              void input_ended();       // the peer's FIN
//              void fail_transport(Error);
//   time:      deadlines() const, bool fire(Timer);
//              void clock_rates(), track_rates(), count_sent(std::size_t).
//   the app:   void notify_writable(State&);
//              void hand_body(State&, std::string_view);  void hand_body_end(State&);
//              bool body_complete(const State&) const;  // its end may be delivered
//
// Invariants:
//  - `active` holds exchanges in message order; only the output of the
//    first ones goes out, later ones queue behind it.
//  - `body_pending` points into `input` before its unread part and pins it:
//    the buffer is never compacted or given back while it is set.
//  - Callbacks into the application run only inside run(), which the
//    adapter's calls enter.
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "core/exchange_list.hpp"
#include "core/in_progress.hpp"
#include "core/outgoing_body.hpp"
#include "core/states.hpp"
#include "memory/input_buffer.hpp"
#include "memory/output_queue.hpp"
#include "memory/state_pool.hpp"
#include "wire/message_parser.hpp"
#include "wirestate/buffer_pool.hpp"
#include "wirestate/config.hpp"
#include "wirestate/error.hpp"
#include "wirestate/exchange.hpp"
#include "wirestate/handler.hpp"
#include "wirestate/headers.hpp"
#include "wirestate/io.hpp"
#include "wirestate/time.hpp"

namespace wirestate::detail {

// The defaults, shared: what a connection given no Config co-owns.
std::shared_ptr<const Config> default_config() noexcept;

template <class Role, class State>
struct Transport {
  Transport(std::shared_ptr<const Config> c, Time t, MessageParser::Role parser_role)
      : shared_config(c ? std::move(c) : default_config()), config(*shared_config), lent(config, parser_role),
        input(pool_of(config), config.read_buffer_bytes), arena(config.output_block_bytes, pool_of(config)),
        now(t), idle_since(t), body_progress(t) {}
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  Role& role() noexcept { return static_cast<Role&>(*this); }
  const Role& role() const noexcept { return static_cast<const Role&>(*this); }

  bool accepting() const noexcept { return !flags.closing && phase == Phase::open; }
  bool reading() const noexcept { return phase == Phase::open; }
  bool writing() const noexcept { return phase != Phase::closed; }
  void stop_accepting() noexcept { flags.closing = true; }
  void close_input() noexcept {
    if (phase == Phase::open) phase.to(Phase::input_closed);
  }

  // The dispatch loop: parse, deliver, retire, until nothing moves.
  void run() noexcept {
    if (loop != Loop::outside) {
      flags.again = true;
      return;
    }
    flags.dirty = false;
    loop.to(Loop::stepping);
    do {
      flags.again = false;
      while (!deferred_releases.empty()) {
        Segment s = deferred_releases.back();
        deferred_releases.pop_back();
        release_segment(arena, s);
      }
      loop.to(Loop::parsing);
      parse_input();
      loop.to(Loop::stepping);
      if (role().deliver()) flags.again = true;
      if (deliver_writable()) flags.again = true;
      if (role().retire()) flags.again = true;
      // With no exchange and nothing unread no step has anything to do: the
      // pass that retired the last exchange needs no other.
    } while (!deferred_releases.empty() || (flags.again && !(active.empty() && input.empty())));
    loop.to(Loop::outside);
    role().track_rates();
    release_if_idle();
  }

  // The application acted: continue the loop, or wake the adapter.
  void touch() noexcept {
    if (loop != Loop::outside) {
      // What the app does from inside parse_input (a response from the
      // message callback, mostly) is seen by the steps after it in the same
      // pass, and the parse loop looks at its own conditions again after
      // every event: only an action in a later step needs another pass.
      if (loop == Loop::stepping) flags.again = true;
      return;
    }
    flags.dirty = true;
    if (waker) waker->wake();
  }

  // With a BufferPool: hands the read buffer, blocks and iovecs back when
  // the connection holds nothing. Parsed bytes live in the exchange (heads)
  // or were handed over (bodies), so the read buffer goes back as soon as
  // nothing in it is unread or pinned, even in the middle of a message,
  // unless a read may be landing in it.
  void release_if_idle() noexcept {
    if (!flags.read_lent && input.empty() && body_pending.empty() && !tunnel) input.give_back();
    if (!active.empty() || !input.empty() || !deferred_releases.empty() || !lent.nothing_in_flight() ||
        lent.has_parked())
      return;
    lent.give_back();
    arena.release_all();
  }

  // Parses what was read, one event at a time, until the input runs out or
  // the role or the application has to act first.
  void parse_input() noexcept {
    while (reading() && !tunnel && body_pending.empty() &&
           (!input.empty() || (parsing && lent.parser().paused()))) {
      State* ex = parsing ? parsing : role().start_message();
      if (!ex) return;
      const std::string_view bytes = input.unread();
      const MessageParser::Step step = lent.parser().parse(bytes.data(), bytes.size());
      input.consume(step.consumed);
      switch (step.event) {
        case MessageParser::Event::need_more:
          return;
        case MessageParser::Event::head:
          role().on_head(*ex);
          break;
        case MessageParser::Event::body:
          body_progress = now;
          if (!role().on_body(*ex, step.body)) return;
          break;
        case MessageParser::Event::message_end:
          role().on_message_end(*ex);
          break;
        case MessageParser::Event::upgrade:
          return role().on_upgrade(*ex);
        case MessageParser::Event::error:
          return role().on_parse_error(*ex);
      }
    }
  }

  // What the parser found in a head, the same for a Request and a Response.
  template <class Message>
  void describe_message(Message& m, Headers headers) noexcept {
    MessageParser& p = lent.parser();
    m.version_major = p.version_major();
    m.version_minor = p.version_minor();
    m.headers = headers;
    m.content_length = p.content_length();
    m.chunked = p.chunked();
    m.keep_alive = p.keep_alive();
  }

  State* take_state() noexcept {
    State* ex = StatePool<State>::take();
    ex->conn = &role();
    ex->reset(config);
    return ex;
  }
  // Gives `ex`, already out of `active`, back to the thread's pool.
  void recycle_state(State& ex) noexcept {
    ex.conn = nullptr;
    StatePool<State>::give(&ex);
  }
  // Takes `ex` out of `active`, drops its output, tells the role (which
  // tells the application) and gives the state back.
  void end_exchange(State& ex, std::error_code ec) noexcept {
    active.remove(&ex);
    role().drop_output(ex);
    if (tunnel == &ex) tunnel = nullptr;
    if (parsing == &ex) parsing = nullptr;
    role().on_ended(ex, ec);
    recycle_state(ex);
  }
  // Retires finished exchanges from the front, each as the role decides
  // (retire_front: false while the front one must wait). A retired exchange
  // matters to the other steps only if something waited behind it: input or
  // a message being parsed (the pipelining limit, an upgrade), or a delivery
  // owed. An idle connection (every response of a request-per-read peer)
  // needs no further pass; what the app did in on_exchange_end came through
  // touch().
  bool retire() noexcept {
    bool progress = false, retired = false;
    while (!active.empty() && role().retire_front(*active.front(), progress)) {
      retired = true;
      if (active.empty() && !parsing) idle_since = now;
    }
    if (retired && (!input.empty() || parsing || tunnel || role().awaits_switch() || flags.reads_owed || flags.writable_owed))
      progress = true;
    return progress;
  }

  // ---- the body the application reads ---------------------------------------

  // A piece for an exchange that asked: the tunnel's input, or what the
  // parser left pending. Returns whether it handed one over.
  bool deliver_piece() noexcept {
    State* to = nullptr;
    std::string_view data;
    if (tunnel && tunnel->reader.asked() && !input.empty()) {
      to = tunnel;
      data = input.unread();
      input.consume_all();
    } else if (!body_pending.empty() && parsing && parsing->reader.asked()) {
      to = parsing;
      data = body_pending;
      body_pending = {};
    } else {
      return false;
    }
    to->reader.piece_delivered();
    role().hand_body(*to, data);
    return true;
  }
  // The end of a body, to the first exchange that asked for more of one the
  // role says is complete. `reads_owed` keeps the search to the passes that
  // may find one.
  bool deliver_end() noexcept {
    if (!flags.reads_owed) return false;
    bool any_wanted = false;
    for (State* ex : active) {
      if (!ex->reader.asked()) continue;
      any_wanted = true;
      if (role().body_complete(*ex)) {
        ex->reader.end_delivered();
        role().hand_body_end(*ex);
        return true;  // `active` may have changed
      }
    }
    flags.reads_owed = any_wanted;
    return false;
  }
  // The application asks for the next piece of `ex`'s body.
  void ask_body(State& ex) noexcept {
    ex.reader.ask();
    flags.reads_owed = true;
    body_progress = now;
    touch();
  }
  // In on_body: the extensions of the chunk the piece came from.
  Headers chunk_extensions(const State& ex) const noexcept {
    const MessageParser* p = parsing == &ex ? lent.parser_if_held() : nullptr;
    return p ? p->chunk_extensions() : Headers{};
  }

  // ---- the body the application sends ---------------------------------------

  // Queues body bytes `ex` sends on `queue`, once the role checked it may,
  // and says whether the writer must wait for on_writable.
  WriteResult queue_body(State& ex, SegmentQueue& queue, std::string_view data, const Release* release,
                         Headers extensions) noexcept {
    if (auto ec = ex.body.write(arena, queue, data, release, deferred_releases, extensions,
                                config.max_chunk_extension_bytes))
      return {ec, false};
    touch();
    ex.wait_writable = above_high_watermark();
    if (ex.wait_writable) flags.writable_owed = true;
    return {{}, ex.wait_writable};
  }
  // Ends that body with `trailers` (already checked: check_trailers).
  OutgoingBody::Ending end_body(State& ex, SegmentQueue& queue, Headers trailers) noexcept {
    const OutgoingBody::Ending ending = ex.body.end(arena, queue, trailers);
    touch();
    return ending;
  }

  // For the role's destructor: what is still held goes back without a word
  // to the application.
  void release_everything() noexcept {
    for (State* ex : active) role().drop_output(*ex);
    lent.forget_writes(arena);
    for (Segment& s : deferred_releases) release_segment(arena, s);
    while (!active.empty()) {
      State& ex = *active.front();
      active.remove(&ex);
      recycle_state(ex);
    }
  }

  // ---- output ---------------------------------------------------------------

  WriteOp build_write() noexcept {
    // Close only once the kernel holds none of our memory.
    if (!writing()) return {lent.nothing_in_flight() ? WriteOp::close : WriteOp::yield, {}};
    std::size_t skip = 0;
    if (IoVec* out = lent.write_array(queued_bytes(), skip)) {
      std::size_t n = 0;
      role().gather(out, n, skip);
      if (n > 0) {
        if (!write_waiting_since) write_waiting_since = now;
        return lent.window().offer(n);
      }
    }
    if (!lent.nothing_in_flight()) return {WriteOp::yield, {}};
    write_waiting_since.reset();
    if (role().output_finished()) {
      phase.to(Phase::closed);
      return {WriteOp::close, {}};
    }
    return {WriteOp::yield, {}};
  }

  void report_written(WriteToken token, std::size_t n) noexcept {
    const WriteWindow::Report r = lent.report(token, n, arena);
    if (r.misuse) return role().fail_transport(Error::write_misreported);
    std::size_t left = r.consumed;
    for (State* ex : active) {
      role().consume(*ex, left);
      if (left == 0) break;
    }
    role().count_sent(r.consumed);
    // Only accepted bytes restart the send timeout; a write handed back
    // unwritten (0) does not.
    if (r.consumed > 0) write_waiting_since = queued_bytes() > 0 ? std::optional<Time>(now) : std::nullopt;
  }

  // Takes up to `n` written bytes off the front of `q`, releasing what is
  // done.
  void consume_queue(SegmentQueue& q, std::size_t& n) noexcept {
    while (n > 0 && !q.empty()) {
      Segment& s = q.front();
      if (n < s.size) {
        q.consume_front(n);
        n = 0;
        return;
      }
      n -= s.size;
      Segment done = s;
      q.pop();
      release_segment(arena, done);
    }
  }
  // Output that will never be written.
  void drop_queue(SegmentQueue& q) noexcept {
    while (!q.empty()) {
      Segment s = q.front();
      q.pop();
      lent.drop(arena, s);
    }
  }

  std::size_t queued_bytes() const noexcept {
    std::size_t total = 0;
    for (const State* ex : active) total += role().queued(*ex);
    return total;
  }
  bool above_high_watermark() const noexcept { return queued_bytes() > config.write_high_watermark_bytes; }

  // A write that returned `wait` is owed on_writable once the queue is below
  // the low watermark.
  bool deliver_writable() noexcept {
    if (!flags.writable_owed || queued_bytes() > config.write_low_watermark_bytes) return false;
    for (State* ex : active) {
      if (ex->wait_writable) {
        ex->wait_writable = false;
        role().notify_writable(*ex);
        return true;  // `active` may have changed
      }
    }
    flags.writable_owed = false;
    return false;
  }

  // Co-owned, so no Config the connection depends on can go away before it;
  // `config` is the same object, read on every path.
  std::shared_ptr<const Config> shared_config;
  const Config& config;
  Waker* waker = nullptr;

  InProgress lent;
  InputBuffer input;
  std::string_view body_pending;

  BlockArena arena;
  ExchangeList<State> active;
  State* parsing = nullptr;  // the exchange whose message the parser is reading
  State* tunnel = nullptr;  // after an upgrade: input is the other protocol's
  std::vector<Segment> deferred_releases;

  Axis<Phase> phase = Phase::open;
  Axis<Loop> loop = Loop::outside;
  // What the transport notes beside its states, none of them a state that
  // an axis above already encodes.
  struct Flags {
    // No new message will be taken: the connection announced (or was told)
    // that it closes. Input may still be read until the phase moves on (a
    // request body, a response), which is also why this is not a phase:
    // input can close without a close being announced (the peer's FIN).
    bool closing = false;
    bool again = false;  // the pass changed something another pass may use
    // read_buffer() handed out a span that commit_read/read_eof has not
    // taken back: a completion loop may have a read in flight into it.
    bool read_lent = false;
    // The app acted since the last run(): next_read/next_write must run the
    // loop before answering (every other adapter call runs it anyway).
    bool dirty = true;
    // Some exchange may be owed on_writable (`wait_writable`), or a body
    // delivery (`reader.asked()`): the dispatch loop looks only then.
    bool writable_owed = false;
    bool reads_owed = false;
  } flags;

  Time now;
  Time idle_since;     // no exchange in progress since
  Time body_progress;  // last body byte, or when the app asked for one
  std::optional<Time> write_waiting_since;  // output queued, none accepted since
};

}  // namespace wirestate::detail
