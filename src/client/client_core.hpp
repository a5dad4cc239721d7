#pragma once
// The client role on the shared transport (transport.hpp), implemented by
// client_connection.cpp (input, time, the adapter's calls) and
// client_output.cpp (requests, output, ending exchanges).
//
// Invariants, beyond the transport's:
//  - Responses arrive in the order the requests in `active` were queued, so
//    the first exchange whose response is not complete is the one being
//    read (`receiving()`).
//  - A request's bytes go out only after every earlier request's bytes, and
//    only after earlier exchanges ended when it asked not to be pipelined.
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/deadline_list.hpp"
#include "core/exchange_core.hpp"
#include "core/states.hpp"
#include "core/transport.hpp"
#include "memory/output_queue.hpp"
#include "wire/received_head.hpp"
#include "wirestate/client_connection.hpp"

namespace wirestate::detail {

class ClientCore;

// One request and its response (exchange_core.hpp has what both roles hold).
struct ClientExchangeState : ExchangeCore<ClientExchangeState, ClientExchange, ClientCore> {
  void reset(const Config& config) noexcept;

  ResponseHandler* handler = nullptr;

  // Request side.
  struct Flags {
    bool head_request = false, connect_request = false;
    bool upgrade_offered = false;  // Upgrade and Connection: upgrade were sent
    bool pipeline = true;
    bool body_held = false;  // Expect: 100-continue, not yet answered
    // Nothing may be written after this request: it or its response said
    // close (RFC 9112 §9.6), or its held body was refused.
    bool last_request = false;
    bool has_body = false;  // the response has a body (RFC 9112 §6.3)
  } flags;
  std::optional<Time> continue_until;
  using Sending = detail::Sending;
  Axis<Sending> sending = Sending::open;
  bool writes_allowed() const noexcept { return sending == Sending::open || sending == Sending::reopened; }
  bool request_written() const noexcept { return sending == Sending::written || sending == Sending::reopened; }
  SegmentQueue head_queue, body_queue;  // `body` (ExchangeCore) frames the second
  // ExchangeHandle's hooks for a streamed request body (handle_calls.hpp).
  std::error_code check_body_write() const noexcept;
  SegmentQueue& send_queue() noexcept { return body_queue; }
  void body_ended(bool close) noexcept;
  Time written_at{};

  // Response side.
  Response response;
  using In = ClientIn;
  Axis<In> in = In::waiting;
};

class ClientCore : public Transport<ClientCore, ClientExchangeState> {
 public:
  using State = ClientExchangeState;
  using In = State::In;

  ClientCore(std::shared_ptr<const Config> config, Time now);
  ~ClientCore();

  // A new request was queued: the adapter must call next_write, and only it.
  void wake_for_output() noexcept;

  // Input (client_connection.cpp).
  State* receiving() const noexcept;
  State* start_message() noexcept;
  void on_head(State& ex) noexcept;
  bool on_body(State& ex, std::string_view piece) noexcept;
  void on_upgrade(State& ex) noexcept;
  void on_parse_error(State& ex) noexcept;
  void on_message_end(State& ex) noexcept;
  bool deliver() noexcept;
  void hand_body(State& ex, std::string_view data) noexcept { ex.handler->on_body(ex.handle, data); }
  void hand_body_end(State& ex) noexcept { ex.handler->on_body_end(ex.handle); }
  bool body_complete(const State& ex) const noexcept { return ex.in == In::complete && ex.flags.has_body; }
  void input_ended() noexcept;

  // The timers the state calls for, in priority order (see the server's).
  enum class Timer : std::uint8_t { continue_wait, send_timeout, header, body, idle };
  DeadlineList<Timer, 3> deadlines() const noexcept;
  bool fire(Timer timer) noexcept;
  // The client runs no minimum-rate windows.
  void track_rates() noexcept {}
  void clock_rates() noexcept {}
  void count_sent(std::size_t) noexcept {}

  // read_body() on a live exchange (ExchangeHandle, handle_calls.hpp).
  void request_body(State& ex) noexcept;

  // Output and endings (client_output.cpp).
  SendResult send(ResponseHandler& handler, std::string_view method, std::string_view target,
                  Headers headers, std::string_view body, RequestOptions options) noexcept;
  void gather(IoVec* out, std::size_t& n, std::size_t& skip) noexcept;
  bool output_finished() noexcept;
  std::size_t queued(const State& ex) const noexcept { return ex.head_queue.bytes() + ex.body_queue.bytes(); }
  void consume(State& ex, std::size_t& n) noexcept;
  void drop_output(State& ex) noexcept {
    drop_queue(ex.head_queue);
    drop_queue(ex.body_queue);
  }
  // After a write was reported: whether a pass of the loop has anything to do.
  bool write_opens_work() const noexcept;
  void notify_writable(State& ex) noexcept { ex.handler->on_writable(ex.handle); }
  // Its response read to the end and its request written: it may retire.
  bool finished(const State& ex) const noexcept;
  bool retire_front(State& ex, bool& progress) noexcept;
  bool awaits_switch() const noexcept { return false; }
  void on_ended(State& ex, std::error_code ec) noexcept;
  // The response being read broke the protocol, or the transport failed:
  // `first` gets `e`; every later exchange gets `later`; the connection closes.
  void fail(Error e, Error later) noexcept;
  void fail_transport(Error e) noexcept { fail(e, e); }
  void close_now() noexcept;

};

}  // namespace wirestate::detail
