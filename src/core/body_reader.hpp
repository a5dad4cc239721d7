#pragma once
// The application's side of reading a body, the same in both roles. Each
// read_body() asks for one delivery; the dispatch loop answers it with a
// piece or with the end:
//
//   idle  --read_body()-->  asked  --a piece-->  idle
//                           asked  --the end-->  ended
//   ended --the message becomes a tunnel-->  idle
//
// A read_body() while asked or ended changes nothing.
#include <cstdint>

namespace wirestate::detail {

class BodyReader {
 public:
  bool asked() const noexcept { return state_ == State::asked; }
  bool ended() const noexcept { return state_ == State::ended; }

  void ask() noexcept {
    if (state_ == State::idle) state_ = State::asked;
  }
  void piece_delivered() noexcept { state_ = State::idle; }
  void end_delivered() noexcept { state_ = State::ended; }
  // An upgrade turns the rest of the connection into this exchange's body.
  void reopen() noexcept {
    if (state_ == State::ended) state_ = State::idle;
  }

 private:
  enum class State : std::uint8_t { idle, asked, ended };
  State state_ = State::idle;
};

}  // namespace wirestate::detail
