#pragma once
// The one place llhttp is used: a strict HTTP/1.1 message parser that stops
// at every event the connection must act on (head, each body piece, end of
// message, upgrade) and reports how many bytes it consumed. A head's bytes
// are kept by a ReceivedHead and split once complete; the checks llhttp does
// not make on a head (framing fields, Host, the target's form) follow the
// split. llhttp reads Content-Length bodies and responses delimited by the
// close; a chunked body is wirestate's own (ChunkedDecoder).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "wire/chunked_decoder.hpp"
#include "wire/field_builder.hpp"
#include "wire/received_head.hpp"
#include "wire/request_target.hpp"
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
  // Caps on chunk extensions and trailer sections.
  void set_chunk_limits(const ChunkedDecoder::Limits& limits) noexcept { chunk_limits_ = limits; }
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
  // Request role: the target's parts, and whom the request is for.
  const TargetParts& target() const noexcept { return target_; }
  std::string_view authority() const noexcept { return authority_; }
  // The extensions of the chunk the last body piece came from, quotes and
  // escapes removed; valid until the next chunk's size line.
  Headers chunk_extensions() const noexcept {
    return body_ == Body::chunked && chunked_decoder_.extensions_current() ? extensions_->headers() : Headers{};
  }

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
  Error check_fields(Headers headers) noexcept;
  // The codings of every Transfer-Encoding field, in order.
  struct Codings {
    bool present = false, chunked = false, last_is_chunked = false, unknown = false;
    // Adds one field's list; chunked twice is an error (with `reason`).
    [[gnu::cold]] Error add(std::string_view value, std::string_view& reason) noexcept;
  };
  Error check_framing(const Codings& codings, bool content_length) noexcept;
  // llhttp stopped with an error code (an llhttp_errno_t): which Error it is.
  [[gnu::cold]] Step llhttp_failed(int rc, const char* data, std::size_t size) noexcept;
  // What follows llhttp's run over `consumed` bytes of the input.
  Step after_execute(int rc, std::size_t consumed, std::size_t size) noexcept;
  Step parse_body(const char* data, std::size_t size) noexcept;
  // See replaying_.
  [[gnu::cold]] Step replay(const char* data, std::size_t size, std::size_t before) noexcept;
  void init_llhttp() noexcept;

  // Who reads the body after the head: llhttp (Content-Length, none, or a
  // response until the close), or wirestate's ChunkedDecoder.
  enum class Body : std::uint8_t { llhttp, chunked };

  alignas(8) unsigned char llhttp_[96];  // an llhttp_t; size checked in the .cpp
  Role role_;
  Body body_ = Body::llhttp;
  ReceivedHead* head_ = nullptr;
  bool capturing_ = false;      // the bytes parsed belong to the head
  bool head_complete_ = false;  // llhttp passed the end of the head in this parse()
  // The head has Transfer-Encoding: llhttp was told to skip the body, which
  // check_framing then hands to ChunkedDecoder.
  bool transfer_coded_ = false;
  // llhttp 8.1 takes only SP, not HTAB, as whitespace after a Content-Length
  // value (RFC 9112 §5.1 allows both). When it refuses one for that, the
  // head is collected whole, its trailing HTABs turned into SPs (whitespace
  // that is no part of any value), and llhttp runs again over it.
  bool replaying_ = false;
  bool start_line_checked_ = false;  // a request line without a version was looked for
  FieldBuilder* trailers_ = nullptr;
  FieldBuilder* extensions_ = nullptr;
  ChunkedDecoder chunked_decoder_;
  ChunkedDecoder::Limits chunk_limits_{1024, 8 * 1024, 100};
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
  TargetParts target_;
  std::string_view authority_;
  Error error_{};
  std::string_view reason_;
};

}  // namespace wirestate::detail
