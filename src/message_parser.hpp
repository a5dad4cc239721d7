#pragma once
// The one place llhttp is used: a strict HTTP/1.1 message parser that stops
// at every event the connection must act on (head, each body piece, end of
// message, upgrade) and reports how many bytes it consumed. A head's bytes
// are kept by a ReceivedHead and split once complete; trailer and chunk
// extension pieces go into FieldBuilders. Both enforce the size limits.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "field_builder.hpp"
#include "received_head.hpp"
#include "wirestate/error.hpp"

namespace wirestate::detail {

class MessageParser {
 public:
  enum class Role { request, response };
  enum class Event {
    need_more,    // every byte was consumed; feed more
    head,         // a head is complete: see the accessors below
    body,         // `body` holds body bytes (borrowed from the input)
    message_end,  // the message is complete (trailers are in the trailer builder)
    upgrade,      // what follows `consumed` is no longer HTTP (Upgrade/CONNECT)
    error,        // see error() and reason(); the parser is done
  };
  struct Step {
    Event event = Event::need_more;
    std::size_t consumed = 0;
    std::string_view body;
  };

  explicit MessageParser(Role role) noexcept;
  // As newly constructed, for a connection that takes this parser over.
  void reset(Role role) noexcept;
  MessageParser(const MessageParser&) = delete;
  MessageParser& operator=(const MessageParser&) = delete;

  // Where the next message's head, trailers and chunk extensions go; set
  // before its first byte, for every message.
  void set_builders(ReceivedHead* head, FieldBuilder* trailers, FieldBuilder* extensions) noexcept;
  // Response role: what the request was, which decides the response's body
  // (none after HEAD; another protocol after a 2xx to CONNECT).
  void set_request_context(bool head, bool connect) noexcept {
    request_was_head_ = head;
    request_was_connect_ = connect;
  }
  // Caps on one chunk's extensions (Error::chunk_extension_too_large).
  void set_chunk_extension_limits(std::size_t max_bytes, std::size_t max_count) noexcept {
    chunk_ext_limits_ = {0, max_bytes, max_count};
  }
  Step parse(const char* data, std::size_t size) noexcept;
  // After the message_end of a request that asked to upgrade, when the
  // upgrade was declined: the bytes that follow are HTTP after all.
  void decline_upgrade() noexcept;
  // The peer closed: completes a body delimited by close, or fails.
  Step finish() noexcept;

  // Valid from Event::head to the next message's head.
  int version_major() const noexcept;
  int version_minor() const noexcept;
  int status() const noexcept;
  bool keep_alive() const noexcept;
  bool chunked() const noexcept;
  bool upgrade() const noexcept;
  std::optional<std::uint64_t> content_length() const noexcept;
  // Request role, HTTP/1.1: the head carried Expect: 100-continue.
  bool expects_continue() const noexcept { return expects_continue_; }
  // The extensions of the chunk the last body piece came from, quotes
  // removed; valid until the next chunk's size line.
  Headers chunk_extensions() const noexcept { return ext_stale_ ? Headers{} : extensions_->headers(); }

  // Stopped at an event: parse() must run again, even with no new bytes,
  // to reach the next one (the end of a bodiless message needs no input).
  bool paused() const noexcept { return paused_; }

  Error error() const noexcept { return error_; }
  std::string_view reason() const noexcept { return reason_; }

  // llhttp's callbacks land here (from static trampolines in the .cpp).
  struct Callbacks;

 private:
  [[gnu::cold]] Step fail(Error e, std::string_view reason) noexcept;
  Error finish_head() noexcept;
  // llhttp stopped with an error code (an llhttp_errno_t): which Error it is.
  [[gnu::cold]] Step llhttp_failed(int rc, const char* data, std::size_t size) noexcept;

  alignas(8) unsigned char llhttp_[96];  // an llhttp_t; size checked in the .cpp
  Role role_;
  ReceivedHead* head_ = nullptr;
  bool capturing_ = false;      // the bytes parsed belong to the head
  bool head_complete_ = false;  // llhttp passed the end of the head in this parse()
  FieldBuilder* trailers_ = nullptr;
  FieldBuilder* extensions_ = nullptr;
  HeadLimits chunk_ext_limits_{0, 1024, 100};
  bool ext_named_ = false;  // an extension name ended; a value may follow
  bool ext_name_bytes_ = false;  // the extension name being read has bytes
  bool ext_stale_ = true;   // chunk_ext_ holds the previous chunk's
  bool paused_ = false;
  Event pending_ = Event::need_more;
  // llhttp cannot both pause at a head and be told to skip its body, so such
  // a head is reported together with the end that follows it: `queued_`
  // holds the second event.
  bool head_unreported_ = false;
  // Likewise the last span of a body of known length, with the end after it.
  bool body_unreported_ = false;
  Event queued_ = Event::need_more;
  bool request_was_head_ = false;
  bool request_was_connect_ = false;
  std::string_view pending_body_;
  std::optional<std::uint64_t> content_length_;
  bool chunked_ = false;
  bool keep_alive_ = true;
  bool expects_continue_ = false;  // decided at the head: llhttp resets its flags after the message
  Error error_{};
  std::string_view reason_;
  // llhttp, even strict, accepts a bare LF as a line end and joins obs-fold
  // lines; both are smuggling vectors when another hop reads them differently,
  // so the bytes of trailer sections (from the last chunk's size line on) are
  // checked here as llhttp consumes them (RFC 9112 §2.2, §5.2, §7.1.2); heads
  // are checked by ReceivedHead::split. Body bytes never are: every body piece
  // pauses the parser, so no parse() call that reaches a trailer section
  // holds one.
  bool scanning_lines_ = false;
  char previous_ = 0;
  bool line_ends_valid(const char* data, std::size_t size) noexcept;
  // line_ends_valid while scanning; otherwise only keeps previous_.
  bool lines_valid(const char* data, std::size_t size) noexcept;
};

}  // namespace wirestate::detail
