#pragma once
// The server role on the shared transport (transport.hpp), implemented by
// server_connection.cpp (input, time, the adapter's calls), server_exchange.cpp
// (what the application asks of an exchange) and server_output.cpp (output,
// retiring exchanges, errors).
//
// Invariants, beyond the transport's:
//  - `parsing` is null between messages, else the back of `active`.
//  - `body_pending` is non-empty only while `parsing` waits for the app to
//    take a body piece.
#include <cstdint>
#include <string_view>

#include "core/deadline_list.hpp"
#include "core/exchange_core.hpp"
#include "core/rate_window.hpp"
#include "core/states.hpp"
#include "core/transport.hpp"
#include "memory/output_queue.hpp"
#include "wire/message_serializer.hpp"
#include "wire/received_head.hpp"
#include "wirestate/counters.hpp"
#include "wirestate/server_connection.hpp"

namespace wirestate::detail {

class ServerCore;

// One request and its response (exchange_core.hpp has what both roles hold).
struct ExchangeState : ExchangeCore<ExchangeState, Exchange, ServerCore> {
  Request request;

  using In = ServerIn;
  Axis<In> in = In::head;
  bool continue_sent = false;

  // Response side; `body` (ExchangeCore) is its framing.
  using Out = ServerOut;
  Axis<Out> out = Out::none;
  bool close_after = false;    // the connection closes once this is written
  SegmentQueue queue;

  // ExchangeHandle's hooks for the response body (handle_calls.hpp).
  std::error_code check_body_write() const noexcept;
  SegmentQueue& send_queue() noexcept { return queue; }
  void body_ended(bool close) noexcept;

  void reset(const Config& config) noexcept;
};

class ServerCore : public Transport<ServerCore, ExchangeState> {
 public:
  using In = ExchangeState::In;
  ServerCore(std::shared_ptr<const Config> config, Handler& handler, Time now);
  ~ServerCore();

  // Input (server_connection.cpp), in the order a message goes through them.
  ExchangeState* start_message() noexcept;  // null: the pipelining limit waits
  void on_head(ExchangeState& ex) noexcept;  // calls Handler::on_request
  bool on_body(ExchangeState& ex, std::string_view piece) noexcept;
  void on_message_end(ExchangeState& ex) noexcept;
  void on_parse_error(ExchangeState& ex) noexcept;
  // Only reached through upgrade_owner, which stops the parse loop first.
  void on_upgrade(ExchangeState&) noexcept {}
  [[gnu::cold]] void resolve_upgrade() noexcept;
  // The pass's delivery step: settles an unread body, then hands out body
  // pieces and ends.
  bool deliver() noexcept;
  bool deliver_body() noexcept;
  void hand_body(ExchangeState& ex, std::string_view data) noexcept { handler.on_body(ex.handle, data); }
  void hand_body_end(ExchangeState& ex) noexcept { handler.on_body_end(ex.handle); }
  // A tunnel's end is the peer's FIN, which deliver_body hands over itself.
  bool body_complete(const ExchangeState& ex) const noexcept { return ex.in == In::complete && &ex != tunnel; }
  bool awaits_switch() const noexcept { return upgrade_owner != nullptr; }
  // Queues 100 (Continue) for `ex`, unless its declared body is already
  // past the limit or a response has begun.
  void send_continue(ExchangeState& ex) noexcept;
  // The response ended before the request body was read: drain it or close
  // (Config::unread_body). Returns whether anything changed.
  bool settle_unread_body() noexcept;
  // Config::unread_body allows draining what is left of `ex`'s body.
  bool drainable(const ExchangeState& ex) const noexcept;
  [[gnu::cold]] void stop_draining() noexcept;
  ExchangeState* start_exchange() noexcept;
  void input_ended() noexcept;

  // The timers the state calls for, in priority order: deadline() is their
  // minimum, on_deadline() fires the due ones until one acts.
  enum class Timer : std::uint8_t { send_timeout, send_rate, recv_rate, header, drain, body, idle };
  DeadlineList<Timer, 4> deadlines() const noexcept;
  // Returns whether it acted (a rate window that was met just restarts).
  bool fire(Timer timer) noexcept;
  // The minimum-rate windows run while the connection waits on the peer.
  void track_rates() noexcept;
  void clock_rates() noexcept {
    recv_rate.clock(now);
    send_rate.clock(now);
  }
  void count_sent(std::size_t n) noexcept { send_rate.add(n); }

  // Output (server_output.cpp).
  void gather(IoVec* out, std::size_t& n, std::size_t& skip) noexcept;
  bool output_finished() noexcept;
  std::size_t queued(const ExchangeState& ex) const noexcept { return ex.queue.bytes(); }
  void consume(ExchangeState& ex, std::size_t& n) noexcept { consume_queue(ex.queue, n); }
  void drop_output(ExchangeState& ex) noexcept { drop_queue(ex.queue); }
  bool write_opens_work() const noexcept { return true; }
  void notify_writable(ExchangeState& ex) noexcept { handler.on_writable(ex.handle); }
  bool retire_front(ExchangeState& ex, bool& progress) noexcept;
  void on_ended(ExchangeState& ex, std::error_code ec) noexcept;
  // The peer broke the protocol in the message being parsed: answer with
  // `e`'s status when a response is still possible, then close.
  [[gnu::cold]] void fail_request(Error e, std::string_view detail) noexcept;
  // The transport is gone or stalled: end every exchange with `e`.
  [[gnu::cold]] void fail_transport(Error e) noexcept;
  [[gnu::cold]] void fail_all_active(Error e) noexcept;
  // No more input. A head still being parsed that the app never saw is
  // dropped unless the caller answers it (`drop_unanswered_head` false).
  [[gnu::cold]] void stop_reading(bool drop_unanswered_head = true) noexcept;
  // Every response head, interim, final or automatic, is queued here.
  // Inline: each caller calls the serializer itself, as it would without
  // the count (out of line, the serializer's own inlining came out worse).
  void queue_head(ExchangeState& ex, const HeadSpec& spec) noexcept {
    serialize_head(arena, ex.queue, config, spec);
    if (config.counters) ++config.counters->responses[Counters::status_class(spec.status)];
  }
  [[gnu::cold]] void queue_error_response(ExchangeState& ex, Error e, std::string_view detail) noexcept;
  // What on_request_refused and on_error_response are told of `ex`.
  RefusedRequest refusal(const ExchangeState& ex, Error e, std::string_view detail) const noexcept;

  // read_body() on a live exchange (ExchangeHandle, handle_calls.hpp).
  void request_body(ExchangeState& ex) noexcept;

 private:
  // The role's own data, for its steps alone (the transport's is the
  // transport's) and the two public classes that carry what the adapter and
  // the application tell it.
  friend class wirestate::ServerConnection;
  friend class wirestate::Exchange;

  Handler& handler;
  void* user_data = nullptr;  // the adapter's, see set_user_data

  ExchangeState* upgrade_owner = nullptr;  // waits for its response head
  ExchangeState* in_on_request = nullptr;  // Handler::on_request is running for it
  struct Flags {
    bool continue_owed = false;  // read_body() from inside on_request asked for 100
    bool eof = false;            // the peer sent FIN
    bool served_any = false;     // an exchange has retired: the idle timer is keep-alive's
  } server_flags;

  Time head_started;  // first byte of the head being parsed
  Time drain_started;
  std::uint64_t drained = 0;
  RateWindow recv_rate, send_rate;
};

}  // namespace wirestate::detail
