#pragma once
// What a connection of either role holds only while a message or output is
// in progress: the parser and the write window, together, taken from the
// thread's StatePool at the first byte of a message or the first write and
// given back when the connection is idle. An idle connection keeps one null
// pointer. Kept constructed in the pool, they cost a re-initialization per
// lend, not an allocation.

#include "memory/state_pool.hpp"
#include "memory/write_window.hpp"
#include "wire/message_parser.hpp"
#include "wirestate/buffer_pool.hpp"
#include "wirestate/config.hpp"

namespace wirestate::detail {

// Where a connection's buffers come from (Config::buffers).
inline BufferPool& pool_of(const Config& config) noexcept {
  return config.buffers ? *config.buffers : default_buffers();
}

class InProgress {
 public:
  InProgress(const Config& config, MessageParser::Role role) noexcept : config_(config), role_(role) {}
  ~InProgress() { give_back(); }
  InProgress(const InProgress&) = delete;
  InProgress& operator=(const InProgress&) = delete;

  MessageParser& parser() noexcept { return held().parser; }
  const MessageParser* parser_if_held() const noexcept { return held_ ? &held_->parser : nullptr; }

  WriteWindow& window() noexcept { return held().window; }
  bool nothing_in_flight() const noexcept { return !held_ || held_->window.empty(); }
  // Where the next write's iovecs go, or null when none can be handed out
  // (nothing new among `queued` bytes, or the window is full); `skip` gets
  // the bytes already in flight, which gathering passes over.
  IoVec* write_array(std::size_t queued, std::size_t& skip) noexcept {
    if (queued == 0) return nullptr;  // an idle connection takes nothing
    WriteWindow& w = window();
    if (!w.can_offer() || queued <= w.offered()) return nullptr;
    skip = w.offered();
    return w.next_array();
  }
  // The adapter reported a write. Misuse forgets every write in flight (the
  // caller fails the connection); otherwise what was parked and is no longer
  // under a write is released.
  WriteWindow::Report report(WriteToken token, std::size_t n, BlockArena& arena) noexcept {
    WriteWindow& w = window();
    const WriteWindow::Report r = w.report(token, n);
    if (r.misuse) w.forget_all(arena);
    else w.release_parked(arena);
    return r;
  }
  // Output that will never be written: released, or parked until the write
  // that may hold it is reported.
  void drop(BlockArena& arena, Segment& s) noexcept {
    if (nothing_in_flight()) release_segment(arena, s);
    else held_->window.park(s);
  }
  bool has_parked() const noexcept { return held_ && held_->window.has_parked(); }
  // The token a plain wrote(n) reports: the oldest write in flight.
  WriteToken oldest_write() const noexcept { return held_ ? held_->window.oldest() : WriteToken{}; }
  // No write in flight will be reported: what was parked is released.
  void forget_writes(BlockArena& arena) noexcept {
    if (held_) held_->window.forget_all(arena);
  }
  // The connection is idle: both go back to the thread's pool.
  void give_back() noexcept {
    if (!held_) return;
    held_->window.release_arrays();
    StatePool<Held>::give(held_);
    held_ = nullptr;
  }

 private:
  struct Held {
    MessageParser parser{MessageParser::Role::request};
    WriteWindow window;
    Held* next = nullptr;  // while in the pool
  };
  Held& held() noexcept { return held_ ? *held_ : take(); }
  // Out of line: parser() and window() are called from many places, and an
  // inlined copy of this at each would spread the hot path over more cache
  // lines (docs/performance.md, "Code layout").
  [[gnu::noinline]] Held& take() noexcept {
    held_ = StatePool<Held>::take();
    held_->parser.reset(role_);
    held_->parser.set_chunk_limits(
        {config_.max_chunk_extension_bytes, config_.max_trailer_bytes, config_.max_header_count});
    held_->window.reset(pool_of(config_), config_.max_writes_in_flight);
    return *held_;
  }

  const Config& config_;
  MessageParser::Role role_;
  Held* held_ = nullptr;
};

}  // namespace wirestate::detail
