#pragma once
// What a connection of either role holds only while a message or output is
// in progress, in memory lent by its BufferPool: the parser (from the first
// byte of a message) and the write window (from the first write). An idle
// connection gives both back and keeps two null pointers.
#include <new>

#include "message_parser.hpp"
#include "write_window.hpp"
#include "wirestate/buffer_pool.hpp"
#include "wirestate/config.hpp"

namespace wirestate::detail {

class InProgress {
 public:
  InProgress(BufferPool& pool, const Config& config, MessageParser::Role role) noexcept
      : pool_(pool), config_(config), role_(role) {}
  ~InProgress() { give_back(); }
  InProgress(const InProgress&) = delete;
  InProgress& operator=(const InProgress&) = delete;

  MessageParser& parser() noexcept {
    if (!parser_) {
      parser_ = new (pool_.acquire(sizeof(MessageParser))) MessageParser(role_);
      parser_->set_chunk_extension_limits(config_.max_chunk_extension_bytes, config_.max_header_count);
    }
    return *parser_;
  }
  const MessageParser* parser_if_held() const noexcept { return parser_; }

  WriteWindow& window() noexcept {
    if (!window_) window_ = new (pool_.acquire(sizeof(WriteWindow))) WriteWindow(pool_, config_.max_writes_in_flight);
    return *window_;
  }
  bool nothing_in_flight() const noexcept { return !window_ || window_->empty(); }
  // Where the next write's iovecs go, or null when none can be handed out
  // (nothing new among `queued` bytes, or the window is full); `skip` gets
  // the bytes already in flight, which gathering passes over.
  IoVec* write_array(std::size_t queued, std::size_t& skip) noexcept {
    if (queued == 0 || !window().can_offer() || queued <= window_->offered()) return nullptr;
    skip = window_->offered();
    return window_->next_array();
  }
  // The adapter reported a write. Misuse forgets every write in flight (the
  // caller fails the connection); otherwise what was parked and is no longer
  // under a write is released.
  WriteWindow::Report report(WriteToken token, std::size_t n, BlockArena& arena) noexcept {
    const WriteWindow::Report r = window().report(token, n);
    if (r.misuse) window_->forget_all(arena);
    else window_->release_parked(arena);
    return r;
  }
  // Output that will never be written: released, or parked until the write
  // that may hold it is reported.
  void drop(BlockArena& arena, Segment& s) noexcept {
    if (nothing_in_flight()) release_segment(arena, s);
    else window_->park(s);
  }
  bool has_parked() const noexcept { return window_ && window_->has_parked(); }
  // The token a plain wrote(n) reports: the oldest write in flight.
  WriteToken oldest_write() const noexcept { return window_ ? window_->oldest() : 0; }
  // No write in flight will be reported: what was parked is released.
  void forget_writes(BlockArena& arena) noexcept {
    if (window_) window_->forget_all(arena);
  }
  // The connection is idle: both go back to the pool.
  void give_back() noexcept {
    if (window_) {
      window_->~WriteWindow();
      pool_.release(reinterpret_cast<char*>(window_), sizeof(WriteWindow));
      window_ = nullptr;
    }
    if (parser_) {
      parser_->~MessageParser();
      pool_.release(reinterpret_cast<char*>(parser_), sizeof(MessageParser));
      parser_ = nullptr;
    }
  }

 private:
  BufferPool& pool_;
  const Config& config_;
  MessageParser::Role role_;
  MessageParser* parser_ = nullptr;
  WriteWindow* window_ = nullptr;
};

}  // namespace wirestate::detail
