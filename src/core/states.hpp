#pragma once
// Every axis of state of the transport and of both roles' exchanges, each an
// enum with its table of moves (state_axis.hpp), in one place: a reader
// finds every way into a state here, and docs/internals.md draws the same
// tables (tests/unit/test_state_axes.cpp keeps the two equal).
#include <cstdint>
#include <string_view>

#include "core/state_axis.hpp"

namespace wirestate::detail {

// A connection's life runs one way: it stops reading, then stops writing
// (or both at once, when the transport fails).
enum class Phase : std::uint8_t { open, input_closed, closed };
template <>
struct Moves<Phase> {
  static constexpr const char* names[] = {"open", "input_closed", "closed"};  // in the enum's order
  static constexpr std::string_view moves = "open>input_closed open>closed input_closed>closed";
};

// Where run() is, which decides what touch() does: outside it, inside
// parse_input, or in any other step of the pass.
enum class Loop : std::uint8_t { outside, parsing, stepping };
template <>
struct Moves<Loop> {
  static constexpr const char* names[] = {"outside", "parsing", "stepping"};  // in the enum's order
  // run() steps, parses its input, steps on, and is done
  static constexpr std::string_view moves = "outside>stepping parsing>stepping stepping>outside stepping>parsing";
};

// A server exchange's request side. Past `head` the application owns
// the exchange.
enum class ServerIn : std::uint8_t { head, body, draining, complete };
template <>
struct Moves<ServerIn> {
  static constexpr const char* names[] = {"head", "body", "draining", "complete"};  // in the enum's order
  // head: on_request, with a body or without; body: the response ended
  // first, or its end; draining: past a limit (then close), or its end;
  // complete: an accepted upgrade hands over the tunnel's bytes.
  static constexpr std::string_view moves =
      "head>body head>complete body>draining body>complete draining>body draining>complete complete>body";
};

// Its response side.
enum class ServerOut : std::uint8_t { none, streaming, ended };
template <>
struct Moves<ServerOut> {
  static constexpr const char* names[] = {"none", "streaming", "ended"};  // in the enum's order
  // respond_streaming; respond, or an automatic error; end, or a failure
  static constexpr std::string_view moves = "none>streaming none>ended streaming>ended";
};

// A client exchange's request side: what has been written of it.
enum class Sending : std::uint8_t { open, queued, written, reopened };
template <>
struct Moves<Sending> {
  static constexpr const char* names[] = {"open", "queued", "written", "reopened"};  // in the enum's order
  // open: end(), or a whole body given to send(); a held body the response
  // refused is never sent. queued: a tunnel response lets raw writes
  // follow, or its last byte is written. written: a tunnel response after
  // that. reopened: end() of the raw writes.
  static constexpr std::string_view moves =
      "open>queued open>written queued>open queued>written written>reopened reopened>written";
};

// Its response side.
enum class ClientIn : std::uint8_t { waiting, body, complete };
template <>
struct Moves<ClientIn> {
  static constexpr const char* names[] = {"waiting", "body", "complete"};  // in the enum's order
  // waiting: the final head (1xx heads come and go); body: its end, or
  // the peer's FIN for a tunnel; complete: the parser stopped at a tunnel.
  static constexpr std::string_view moves = "waiting>body waiting>complete body>complete complete>body";
};

}  // namespace wirestate::detail
