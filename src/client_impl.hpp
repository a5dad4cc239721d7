#pragma once
// The client connection's state, shared by client_connection.cpp (input,
// dispatch, time) and client_output.cpp (requests, output, ending exchanges).
//
// Invariants:
//  - `active` holds exchanges in the order their requests were queued;
//    responses arrive in that order, so the first exchange whose response is
//    not complete is the one being read (`receiving()`).
//  - A request's bytes go out only after every earlier request's bytes, and
//    only after earlier exchanges ended when it asked not to be pipelined.
//  - `body_pending` points into `input` and pins it.
#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "deadline_list.hpp"
#include "exchange_list.hpp"
#include "in_progress.hpp"
#include "input_buffer.hpp"
#include "message_parser.hpp"
#include "outgoing_body.hpp"
#include "output_queue.hpp"
#include "received_head.hpp"
#include "write_window.hpp"
#include "wirestate/client_connection.hpp"

namespace wirestate {

// Lent to a connection from the thread's StatePool for one exchange.
struct ClientExchange::State {
  State() noexcept : handle(*this) {}
  void reset(const Config& config) noexcept;

  ClientExchange handle;
  ClientConnection::Impl* conn = nullptr;
  State* next = nullptr;  // in the connection's ExchangeList
  ResponseHandler* handler = nullptr;

  // Request side.
  bool head_request = false, connect_request = false;
  bool upgrade_offered = false;  // Upgrade and Connection: upgrade were sent
  bool pipeline = true;
  bool body_held = false;     // Expect: 100-continue, not yet answered
  std::optional<Time> continue_until;
  bool request_ended = false;  // every byte of the request is queued
  bool request_written = false;  // ... and written
  bool wait_writable = false;
  // Nothing may be written after this request: it or its response said
  // close (RFC 9112 §9.6), or its held body was refused.
  bool last_request = false;
  detail::OutgoingBody body;
  detail::SegmentQueue head_queue, body_queue;
  Time written_at{};

  // Response side.
  detail::ReceivedHead head;
  detail::FieldBuilder trailers, extensions;
  Response response;
  enum class In { waiting, body, complete } in = In::waiting;
  bool has_body = false;
  bool read_wanted = false, end_delivered = false;
  bool response_started = false;  // on_response was called
  std::uint64_t max_body = 0, body_received = 0;
  std::error_code failure;
};

struct ClientConnection::Impl {
  using State = ClientExchange::State;

  Impl(const Config& config, Time now);
  ~Impl();

  void run() noexcept;
  void touch() noexcept;
  // A new request was queued: the adapter must call next_write, and only it.
  void wake_for_output() noexcept;
  // After a write was reported: whether a pass of the loop has anything to do.
  bool written_opens_work() const noexcept;

  // Input (client_connection.cpp).
  State* receiving() const noexcept;
  // The timers the state calls for, in priority order (see the server's).
  enum class Timer : std::uint8_t { continue_wait, send_timeout, header, body, idle };
  detail::DeadlineList<Timer, 3> deadlines() const noexcept;
  bool fire(Timer timer) noexcept;
  void parse_input() noexcept;
  void on_head(State& ex) noexcept;
  void on_message_end(State& ex) noexcept;
  bool deliver_body() noexcept;
  // With a BufferPool: gives buffers back while nothing is in flight.
  void release_if_idle() noexcept;

  // Output and endings (client_output.cpp).
  SendResult send(ResponseHandler& handler, std::string_view method, std::string_view target,
                  Headers headers, std::string_view body, RequestOptions options) noexcept;
  WriteOp build_write() noexcept;
  void consume_written(std::size_t n) noexcept;
  void report_written(WriteToken token, std::size_t n) noexcept;
  bool deliver_writable() noexcept;
  // Its response read to the end and its request written: it may retire.
  bool finished(const State& ex) const noexcept;
  bool retire() noexcept;
  std::size_t queued_bytes() const noexcept;
  void drop_queues(State& ex) noexcept;
  void end_exchange(State& ex, std::error_code ec) noexcept;
  // Takes `ex` out of `active` and gives it back to the thread's pool.
  void release_state(State& ex) noexcept;
  // The same for a state already taken out of `active`.
  void recycle_state(State& ex) noexcept;
  // The response being read broke the protocol, or the transport failed:
  // `first` gets `e`; every later exchange gets `later`; the connection closes.
  void fail(Error e, Error later) noexcept;
  void close_now() noexcept;

  const Config& config;
  Waker* waker = nullptr;

  State* armed_for = nullptr;  // the exchange whose response the parser is reading
  BufferPool& pool;
  detail::InProgress lent{pool, config, detail::MessageParser::Role::response};
  detail::InputBuffer input;
  std::string_view body_pending;

  detail::BlockArena arena;
  detail::ExchangeList<State> active;
  State* tunnel = nullptr;
  std::vector<detail::Segment> deferred_releases;

  bool in_run = false, again = false;
  bool in_parse_step = false;  // run() is inside parse_input(): see touch()
  // The app acted since the last run(): next_read/next_write must run the
  // loop before answering (every other adapter call runs it anyway).
  bool dirty = true;
  // read_buffer() handed out a span that commit_read/read_eof has not taken
  // back: a completion loop may have a read in flight into it.
  bool read_lent = false;
  // Some exchange may be owed on_writable (`wait_writable`): the dispatch
  // loop looks for it only then.
  bool writable_owed = false;
  bool closing = false;      // the server announced close: no new requests
  bool read_closed = false;
  bool write_closed = false;

  Time now;
  Time idle_since;
  Time body_progress;
  std::optional<Time> write_waiting_since;
};

}  // namespace wirestate
