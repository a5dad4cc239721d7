#pragma once
// The server connection's state, shared by the files that implement it:
// server_connection.cpp (input, the dispatch loop, time), exchange.cpp (what
// the application asks of an exchange) and server_output.cpp (output,
// retiring exchanges, errors).
//
// Invariants:
//  - `active_` holds exchanges in request order; only its front writes to the
//    wire, later ones queue behind it.
//  - `parsing_` is null between messages, else the back of `active_`.
//  - `body_pending_` is non-empty only while `parsing_` waits for the app to
//    take a body piece; it points into `buffer_` before `begin_`, so the
//    buffer is never compacted while it is set.
//  - Handler callbacks run only inside run(), which the adapter's calls enter.
#include <array>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "deadline_list.hpp"
#include "exchange_list.hpp"
#include "in_progress.hpp"
#include "input_buffer.hpp"
#include "message_parser.hpp"
#include "outgoing_body.hpp"
#include "output_queue.hpp"
#include "rate_window.hpp"
#include "received_head.hpp"
#include "write_window.hpp"
#include "wirestate/server_connection.hpp"

namespace wirestate::detail {

// Lent to a connection from the thread's StatePool for one exchange.
struct ExchangeState {
  ExchangeState() noexcept : handle(*this) {}

  Exchange handle;
  ServerConnection::Impl* conn = nullptr;
  ExchangeState* next = nullptr;  // in the connection's ExchangeList
  ReceivedHead head;
  FieldBuilder trailers, extensions;
  Request request;

  // Request side.
  enum class In { head, body, complete } in = In::head;
  bool app_owned = false;      // on_request was called
  bool read_wanted = false;    // read_body() is owed one delivery
  bool end_delivered = false;  // on_body_end was called
  bool continue_sent = false;
  bool draining = false;       // the app's response ended first: discard the body
  std::uint64_t max_body = 0;
  std::uint64_t body_received = 0;

  // Response side.
  enum class Out { none, streaming, ended } out = Out::none;
  OutgoingBody body;           // the response body's framing
  bool wait_writable = false;  // a write returned `wait`
  bool close_after = false;    // the connection closes once this is written
  std::error_code failure;     // why it ended early, reported at the end
  SegmentQueue queue;

  void reset(const Config& config) noexcept;
};

}  // namespace wirestate::detail

namespace wirestate {

struct ServerConnection::Impl {
  using ExchangeState = detail::ExchangeState;

  Impl(const Config& config, Handler& handler, Time now);
  ~Impl();

  // The dispatch loop: parse, deliver, retire, until nothing moves.
  void run() noexcept;
  // The application acted: continue the loop, or wake the adapter.
  void touch() noexcept;

  // Input (server_connection.cpp).
  void parse_input() noexcept;
  void on_head(ExchangeState& ex) noexcept;
  void on_message_end() noexcept;
  [[gnu::cold]] void resolve_upgrade() noexcept;
  bool deliver_body() noexcept;
  // Queues 100 (Continue) for `ex`, unless its declared body is already
  // past the limit or a response has begun.
  void send_continue(ExchangeState& ex) noexcept;
  // The response ended before the request body was read: drain it or close
  // (Config::unread_body). Returns whether anything changed.
  bool settle_unread_body() noexcept;
  // Config::unread_body allows draining what is left of `ex`'s body.
  bool drainable(const ExchangeState& ex) const noexcept;
  [[gnu::cold]] void stop_draining() noexcept;
  // The timers the state calls for, in priority order: deadline() is their
  // minimum, on_deadline() fires the due ones until one acts.
  enum class Timer : std::uint8_t { send_timeout, send_rate, recv_rate, header, drain, body, idle };
  detail::DeadlineList<Timer, 4> deadlines() const noexcept;
  // Returns whether it acted (a rate window that was met just restarts).
  bool fire(Timer timer) noexcept;
  // Runs the minimum-rate windows while the connection waits on the peer.
  void track_rates() noexcept;
  void clock_rates() noexcept;
  ExchangeState* start_exchange() noexcept;
  // Takes `ex` out of `active` and gives it back to the thread's pool.
  void release_state(ExchangeState& ex) noexcept;
  // The same for a state already taken out of `active`.
  void recycle_state(ExchangeState& ex) noexcept;
  // With a BufferPool: hands the read buffer, blocks and iovecs back when
  // the connection holds nothing (no partial message, nothing queued).
  void release_if_idle() noexcept;

  // Output (server_output.cpp).
  WriteOp build_write() noexcept;
  void consume_written(std::size_t n) noexcept;
  void report_written(WriteToken token, std::size_t n) noexcept;
  bool deliver_writable() noexcept;
  bool retire() noexcept;
  void drop_queue(ExchangeState& ex) noexcept;
  void end_exchange(ExchangeState& ex, std::error_code ec) noexcept;
  std::size_t queued_bytes() const noexcept;
  // The peer broke the protocol in the message being parsed: answer with
  // `e`'s status when a response is still possible, then close.
  [[gnu::cold]] void fail_request(Error e, std::string_view detail) noexcept;
  // The transport is gone or stalled: end every exchange with `e`.
  [[gnu::cold]] void fail_all(Error e) noexcept;
  [[gnu::cold]] void fail_all_active(Error e) noexcept;
  // No more input. A head still being parsed that the app never saw is
  // dropped unless the caller answers it (`drop_unanswered_head` false).
  [[gnu::cold]] void stop_reading(bool drop_unanswered_head = true) noexcept;
  [[gnu::cold]] void queue_error_response(ExchangeState& ex, Error e, std::string_view detail) noexcept;

  // Called by Exchange (exchange.cpp).
  void request_body(ExchangeState& ex) noexcept;
  void response_head_queued(ExchangeState& ex) noexcept;
  bool above_high_watermark() const noexcept;

  const Config& config;
  Handler& handler;
  Waker* waker = nullptr;
  void* user_data = nullptr;  // the adapter's, see set_user_data

  BufferPool& pool;
  detail::InProgress lent{pool, config, detail::MessageParser::Role::request};
  detail::InputBuffer input;
  std::string_view body_pending;

  detail::BlockArena arena;

  detail::ExchangeList<ExchangeState> active;  // request order
  ExchangeState* parsing = nullptr;
  ExchangeState* upgrade_owner = nullptr;  // waits for its response head
  ExchangeState* in_on_request = nullptr;  // Handler::on_request is running for it
  bool continue_owed = false;  // read_body() from inside on_request asked for 100
  ExchangeState* tunnel = nullptr;
  std::vector<detail::Segment> deferred_releases;

  bool in_run = false, again = false;
  bool in_parse_step = false;  // run() is inside parse_input(): see touch()
  // read_buffer() handed out a span that commit_read/read_eof has not taken
  // back: a completion loop may have a read in flight into it.
  bool read_lent = false;
  // The app acted since the last run(): next_read/next_write must run the
  // loop before answering (every other adapter call runs it anyway).
  bool dirty = true;
  // Some exchange may be owed on_writable (`wait_writable`) or a body
  // delivery (`read_wanted`): the dispatch loop looks for it only then.
  bool writable_owed = false;
  bool reads_owed = false;
  bool closing = false;       // accept no new request
  bool read_closed = false;   // want no more input
  bool eof = false;           // the peer sent FIN
  bool write_closed = false;
  bool served_any = false;

  Time now;
  Time idle_since;            // no request in progress since
  Time head_started;          // first byte of the head being parsed
  Time body_progress;         // last body byte, or when the app asked
  Time drain_started;
  std::uint64_t drained = 0;
  std::optional<Time> write_waiting_since;  // output queued, none accepted since
  detail::RateWindow recv_rate, send_rate;
};

}  // namespace wirestate
