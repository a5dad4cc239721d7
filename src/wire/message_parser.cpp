#include "wire/message_parser.hpp"

#include <llhttp.h>

#include <cassert>
#include <new>
#include <type_traits>

#include "wire/token.hpp"
#include "wirestate/headers.hpp"

namespace wirestate::detail {
namespace {

static_assert(sizeof(llhttp_t) <= 96 && alignof(llhttp_t) <= 8);

// What llhttp's error codes mean, in wirestate's words: its own reasons
// name the state it was in ("Invalid header value char" for a bare LF),
// which tells the peer little.
[[gnu::cold]] const char* describe_llhttp_error(int rc) noexcept {
  switch (rc) {
    case HPE_INVALID_METHOD: return "invalid method";
    case HPE_INVALID_URL: return "invalid request target";
    case HPE_INVALID_CONSTANT: return "invalid protocol name or version";
    case HPE_INVALID_VERSION: return "invalid HTTP version";
    case HPE_INVALID_HEADER_TOKEN: return "invalid character in a header field";
    case HPE_INVALID_CONTENT_LENGTH: return "invalid Content-Length";
    case HPE_UNEXPECTED_CONTENT_LENGTH: return "Content-Length with Transfer-Encoding";
    case HPE_INVALID_STATUS: return "invalid status code";
    case HPE_INVALID_TRANSFER_ENCODING: return "chunked missing, repeated or not last";
    case HPE_CR_EXPECTED:
    case HPE_LF_EXPECTED: return "line not ended by CRLF";
    case HPE_CLOSED_CONNECTION: return "bytes after a message that closed the connection";
    default: return "malformed message";
  }
}

}  // namespace

struct MessageParser::Callbacks {
  static MessageParser& self(llhttp_t* p) { return *static_cast<MessageParser*>(p->data); }

  static int stop(llhttp_t* p, Error e) {
    self(p).error_ = e;
    return HPE_USER;
  }
  static int check(llhttp_t* p, Error e) { return e == Error{} ? HPE_OK : stop(p, e); }

  static int on_message_begin(llhttp_t* p) {
    MessageParser& m = self(p);
    m.head_unreported_ = m.body_unreported_ = false;
    m.content_length_.reset();
    m.chunked_ = m.transfer_coded_ = false;
    m.body_ = Body::llhttp;
    return HPE_OK;
  }

  static int on_headers_complete(llhttp_t* p) {
    MessageParser& m = self(p);
    m.head_complete_ = true;
    if (p->http_major != 1) return stop(p, Error::version_not_supported);
    if (p->flags & F_TRANSFER_ENCODING) {
      if (p->flags & F_CONTENT_LENGTH) return stop(p, Error::conflicting_framing);
      // Whether the body is chunked is decided on the split head.
      m.transfer_coded_ = m.chunked_ = true;
    } else if (p->flags & F_CONTENT_LENGTH) {
      m.content_length_ = p->content_length;
    }
    // RFC 9112 §9.3: persistence from the version and Connection.
    m.keep_alive_ = p->http_minor >= 1 ? !(p->flags & F_CONNECTION_CLOSE)
                                       : (p->flags & F_CONNECTION_KEEP_ALIVE) != 0;
    if (m.role_ == Role::request) {
      // A request without a body ends here: going on to its end in the same
      // pass saves a stop (the head is still reported first). A body with
      // Transfer-Encoding is skipped for llhttp and read by wirestate.
      if (!p->upgrade && !m.chunked_ && m.content_length_.value_or(0) == 0) {
        m.head_unreported_ = true;
        return HPE_OK;
      }
      if (m.transfer_coded_) {
        m.head_unreported_ = true;
        return 1;
      }
    } else if (p->status_code >= 200) {
      // RFC 9112 §6.3: no body after HEAD; a 2xx to CONNECT starts a tunnel.
      const bool tunnel = m.request_was_connect_ && p->status_code < 300;
      const bool bodiless = m.request_was_head_ || p->status_code == 204 || p->status_code == 304;
      // A body with neither length nor chunked framing ends at the close.
      if (!tunnel && !bodiless && p->status_code != 101 && !m.chunked_ && !m.content_length_)
        m.keep_alive_ = false;
      if (tunnel || bodiless) {
        m.transfer_coded_ = m.chunked_ = false;
        m.head_unreported_ = true;
        return tunnel ? 2 : 1;
      }
      if (m.transfer_coded_ && p->status_code != 101) {
        m.head_unreported_ = true;
        return 1;
      }
    }
    m.pending_ = Event::head;
    return HPE_PAUSED;
  }
  static int on_body(llhttp_t* p, const char* at, std::size_t n) {
    // An open body span is flushed at the end of every execute, even an
    // empty one; there is nothing to stop for.
    if (n == 0) return HPE_OK;
    MessageParser& m = self(p);
    m.pending_body_ = {at, n};
    // The span that completes a body of known length: llhttp goes on to
    // the message's end without reading a byte, so it runs there in the
    // same pass, which saves a stop (the body is still reported first).
    // llhttp counts the length down before it calls us.
    if (m.content_length_ && p->content_length == 0) {
      m.body_unreported_ = true;
      return HPE_OK;
    }
    m.pending_ = Event::body;
    return HPE_PAUSED;
  }
  static int on_message_complete(llhttp_t* p) {
    self(p).pending_ = Event::message_end;
    return HPE_PAUSED;
  }

  static constexpr llhttp_settings_t make_settings() {
    llhttp_settings_t v{};
    v.on_message_begin = on_message_begin;
    v.on_headers_complete = on_headers_complete;
    v.on_body = on_body;
    v.on_message_complete = on_message_complete;
    return v;
  }
  // Constant-initialized: no guard is checked on the way.
  static const llhttp_settings_t settings;
};

constinit const llhttp_settings_t MessageParser::Callbacks::settings = make_settings();

namespace {
llhttp_t* ll(unsigned char* storage) { return reinterpret_cast<llhttp_t*>(storage); }
const llhttp_t* ll(const unsigned char* storage) { return reinterpret_cast<const llhttp_t*>(storage); }
}  // namespace

MessageParser::MessageParser(Role role) noexcept : role_(role) { init_llhttp(); }

void MessageParser::init_llhttp() noexcept {
  llhttp_init(ll(llhttp_), role_ == Role::request ? HTTP_REQUEST : HTTP_RESPONSE, &Callbacks::settings);
  ll(llhttp_)->data = this;
  // RFC 9110 §2.5: a higher 1.x minor is processed as 1.1, so llhttp lets
  // every DIGIT "." DIGIT through (llhttp 8 has the flag, not its setter);
  // on_headers_complete answers any major but 1 with 505.
  ll(llhttp_)->lenient_flags |= LENIENT_VERSION;
}

void MessageParser::reset(Role role) noexcept {
  static_assert(std::is_trivially_destructible_v<MessageParser>);
  // Every member back to its initializer, llhttp included.
  new (this) MessageParser(role);
}

void MessageParser::set_builders(ReceivedHead* head, FieldBuilder* trailers, FieldBuilder* extensions) noexcept {
  head_ = head;
  trailers_ = trailers;
  extensions_ = extensions;
  capturing_ = true;
  replaying_ = start_line_checked_ = false;
}

MessageParser::Step MessageParser::fail(Error e, std::string_view reason) noexcept {
  error_ = e;
  reason_ = reason;
  return {Event::error, 0, {}};
}

// The head is complete: split it, then the checks that need its fields.
Error MessageParser::finish_head() noexcept {
  const ReceivedHead::Fault fault = head_->split(
      role_ == Role::request ? ReceivedHead::StartLine::request : ReceivedHead::StartLine::status);
  if (fault) {
    reason_ = fault.reason;
    return fault.error;
  }
  return check_fields(head_->headers());
}

// One pass over the fields for everything the checks below need; only
// names of the right length and first letter are compared.
//
// Framing, RFC 9112 §6.1 and §6.3: a Transfer-Encoding field makes framing
// its business, whatever llhttp made of its value (it passes an empty one
// by, and frames such a message by its Content-Length). The only coding
// implemented is chunked, and it must come last, once: a message whose final
// coding is another has no length we can read (400); a coding we do not
// implement before chunked is 501.
//
// Requests: Host (RFC 9112 §3.2, RFC 9110 §7.2), the target's form (RFC
// 9112 §3.2) and Expect (RFC 9110 §10.1.1).
Error MessageParser::check_fields(Headers headers) noexcept {
  const bool request = role_ == Role::request;
  const bool http11 = ll(llhttp_)->http_minor >= 1;
  Codings codings;
  bool content_length = false, bad_expectation = false;
  int hosts = 0;
  std::string_view host;
  expects_continue_ = false;
  for (const Header& h : headers) {
    const char first = static_cast<char>(h.name[0] | 0x20);
    switch (h.name.size()) {
      case 4:
        if (first == 'h' && iequals(h.name, "host")) ++hosts, host = h.value;
        break;
      case 6:
        if (request && http11 && first == 'e' && iequals(h.name, "expect")) {
          // 100-continue is the only expectation defined.
          bad_expectation |= !iequals(h.value, "100-continue");
          expects_continue_ = true;
        }
        break;
      case 14:
        content_length |= first == 'c' && iequals(h.name, "content-length");
        break;
      case 17:
        if (first == 't' && iequals(h.name, "transfer-encoding")) {
          if (Error e = codings.add(h.value, reason_); e != Error{}) return e;
        }
        break;
      default: break;
    }
  }
  if (Error e = check_framing(codings, content_length); e != Error{}) return e;
  if (!request) return Error{};
  if (bad_expectation) return Error::expectation_failed;
  target_ = split_target(head_->method(), head_->target());
  if (target_.fault) {
    reason_ = target_.fault;
    return Error::bad_request;
  }
  // RFC 9110 §9.3.6: a CONNECT request has no content; what follows its head
  // is the tunnel's. A length on one would let a hop in front read some of
  // those bytes as a body and the next as the tunnel's: refused.
  if (target_.form == TargetParts::Form::authority && (content_length || codings.present)) {
    reason_ = "CONNECT request with content (RFC 9110 9.3.6)";
    return Error::bad_request;
  }
  if (hosts > 1 || (http11 && hosts == 0)) return Error::missing_host;
  if (!valid_host(host)) return Error::invalid_host;
  // RFC 9112 §3.2.2: an absolute-form target's authority replaces Host.
  authority_ = target_.form == TargetParts::Form::absolute || target_.form == TargetParts::Form::authority
                   ? target_.authority
                   : host;
  return Error{};
}

Error MessageParser::Codings::add(std::string_view value, std::string_view& reason) noexcept {
  present = true;
  for (;;) {
    const std::size_t comma = value.find(',');
    // Empty list elements are allowed and mean nothing (RFC 9110 §5.6.1).
    const std::string_view coding = trim_ows(value.substr(0, comma));
    if (!coding.empty()) {
      if (iequals(coding, "chunked")) {
        if (chunked) {
          reason = "chunked applied twice";
          return Error::invalid_transfer_encoding;
        }
        chunked = last_is_chunked = true;
      } else {
        unknown = true;
        last_is_chunked = false;
      }
    }
    if (comma == std::string_view::npos) return Error{};
    value.remove_prefix(comma + 1);
  }
}

Error MessageParser::check_framing(const Codings& codings, bool content_length) noexcept {
  if (!codings.present) {
    if (chunked_) return Error::invalid_transfer_encoding;  // llhttp saw one the split did not
    return Error{};
  }
  if (content_length) return Error::conflicting_framing;
  if (!codings.chunked && !codings.unknown) {
    reason_ = "Transfer-Encoding names no coding";
    return Error::invalid_transfer_encoding;
  }
  // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty
  // framing, whatever else it carries.
  if (ll(llhttp_)->http_minor == 0) {
    reason_ = "Transfer-Encoding in an HTTP/1.0 message";
    return Error::invalid_transfer_encoding;
  }
  if (!codings.last_is_chunked) return Error::chunked_not_final;
  if (codings.unknown) return Error::unsupported_transfer_coding;
  chunked_ = true;
  if (transfer_coded_) {
    body_ = Body::chunked;
    chunked_decoder_.start(extensions_, trailers_, chunk_limits_);
  }
  return Error{};
}

MessageParser::Step MessageParser::parse(const char* data, std::size_t size) noexcept {
  llhttp_t* p = ll(llhttp_);
  if (queued_ != Event::need_more) {
    const Event e = queued_;
    queued_ = Event::need_more;
    return {e, 0, {}};
  }
  if (body_ != Body::llhttp) return parse_body(data, size);
  if (paused_) {
    llhttp_resume(p);
    paused_ = false;
  }
  pending_ = Event::need_more;
  head_complete_ = false;
  if (replaying_) return replay(data, size, head_->size());
  const llhttp_errno_t rc = llhttp_execute(p, data, size);
  if (rc != HPE_OK && rc != HPE_PAUSED && rc != HPE_PAUSED_UPGRADE) return llhttp_failed(static_cast<int>(rc), data, size);
  const std::size_t consumed = rc == HPE_OK ? size : static_cast<std::size_t>(llhttp_get_error_pos(p) - data);
  // No parse() call spans the end of a head and any body byte: the parser
  // stops at the head of a message with a body.
  if (capturing_) {
    reason_ = {};
    if (Error e = head_->append(data, consumed); e != Error{}) return fail(e, {});
  }
  return after_execute(rc, consumed, size);
}

MessageParser::Step MessageParser::after_execute(int rc, std::size_t consumed, std::size_t size) noexcept {
  if (capturing_) {
    if (head_complete_) {
      capturing_ = false;
      if (Error e = finish_head(); e != Error{}) return fail(e, reason_);
    } else if (role_ == Role::request && !start_line_checked_ && head_->start_line_ended()) {
      // llhttp takes `GET /path` CRLF as an HTTP/0.9 request and waits
      // for more; there is no such thing in HTTP/1.1.
      start_line_checked_ = true;
      if (!head_->start_line_has_version()) return fail(Error::bad_request, "request line without an HTTP version");
    }
  }
  if (rc == HPE_OK) {
    // An unreported head or last body span is always followed, in the same
    // pass, by the message's end, which stops the parser.
    assert(!head_unreported_ && !body_unreported_);
    return {Event::need_more, size, {}};
  }
  const Event event = rc == HPE_PAUSED ? pending_ : Event::upgrade;
  if (rc == HPE_PAUSED) paused_ = true;
  if (head_unreported_) {
    head_unreported_ = false;
    // A body with Transfer-Encoding comes next, not the end llhttp reached
    // by skipping it.
    if (body_ == Body::llhttp || event != Event::message_end) queued_ = event;
    return {Event::head, consumed, {}};
  }
  if (body_unreported_) {
    body_unreported_ = false;
    queued_ = event;
    return {Event::body, consumed, pending_body_};
  }
  return {event, consumed, event == Event::body ? pending_body_ : std::string_view{}};
}

// A chunked body, which llhttp skipped. llhttp waits, paused at the end of
// the message, for what follows it.
MessageParser::Step MessageParser::parse_body(const char* data, std::size_t size) noexcept {
  const ChunkedDecoder::Step step = chunked_decoder_.decode(data, size);
  switch (step.event) {
    case ChunkedDecoder::Event::need_more: return {Event::need_more, step.consumed, {}};
    case ChunkedDecoder::Event::body: return {Event::body, step.consumed, step.body};
    case ChunkedDecoder::Event::end:
      body_ = Body::llhttp;
      return {Event::message_end, step.consumed, {}};
    case ChunkedDecoder::Event::error: break;
  }
  Step failed = fail(chunked_decoder_.error(), chunked_decoder_.reason());
  failed.consumed = step.consumed;
  return failed;
}

// The head so far (with `data` appended, `before` bytes of it from earlier
// calls) is parsed again once it is complete, its trailing HTABs made SPs.
MessageParser::Step MessageParser::replay(const char* data, std::size_t size, std::size_t before) noexcept {
  if (head_->size() == before) {
    if (Error e = head_->append(data, size); e != Error{}) return fail(e, {});
  }
  const std::size_t end = head_->end_of_head(before);
  if (end == 0) return {Event::need_more, size, {}};
  head_->truncate(end);
  head_->blank_trailing_tabs();
  replaying_ = false;
  init_llhttp();
  const std::string_view bytes = head_->bytes();
  const llhttp_errno_t rc = llhttp_execute(ll(llhttp_), bytes.data(), bytes.size());
  if (rc != HPE_OK && rc != HPE_PAUSED && rc != HPE_PAUSED_UPGRADE) {
    capturing_ = false;  // the head is whole already
    return llhttp_failed(static_cast<int>(rc), bytes.data(), bytes.size());
  }
  return after_execute(rc, end - before, size);
}

MessageParser::Step MessageParser::llhttp_failed(int rc, const char* data, std::size_t size) noexcept {
  llhttp_t* p = ll(llhttp_);
  const auto consumed = static_cast<std::size_t>(llhttp_get_error_pos(p) - data);
  // What arrived of the head, for the error response (the method of a HEAD
  // request), the version check and the replay below.
  const std::size_t before = capturing_ ? head_->size() : 0;
  const bool head_kept = capturing_ && head_->append(data, size) == Error{};
  const Error from_callback = error_;
  Step step = fail(Error::bad_request, {});
  step.consumed = consumed;
  if (from_callback != Error{}) {
    // Our own callbacks stopped the parser (llhttp reports that under several
    // codes); their error says why.
    error_ = from_callback;
    if (error_ == Error::version_not_supported && capturing_ && !head_->start_line_has_version()) {
      error_ = Error::bad_request;
      reason_ = "request line without an HTTP version";
    }
    return step;
  }
  // llhttp may report a Content-Length's overflow at the end of the read,
  // where there is no byte to look at.
  if (rc == HPE_INVALID_CONTENT_LENGTH && head_kept && consumed < size && data[consumed] == '\t') {
    replaying_ = true;
    return replay(data, size, before);
  }
  if (capturing_ && head_->has_bare_lf()) {
    // llhttp names the character it stopped at; the cause is the line end.
    error_ = Error::bad_request;
    reason_ = "bare LF or obs-fold in the head";
    return step;
  }
  reason_ = describe_llhttp_error(rc);
  switch (rc) {
    case HPE_INVALID_METHOD:
      // A token we do not know is a method we do not implement (RFC 9110
      // §9.1); anything else where a method belongs is malformed.
      if (consumed < size && is_tchar(data[consumed])) error_ = Error::method_not_implemented, reason_ = {};
      break;
    case HPE_PAUSED_H2_UPGRADE: error_ = Error::version_not_supported; break;
    case HPE_UNEXPECTED_CONTENT_LENGTH: error_ = Error::conflicting_framing; break;
    case HPE_INVALID_CONTENT_LENGTH: error_ = Error::invalid_content_length; break;
    case HPE_INVALID_TRANSFER_ENCODING: error_ = Error::invalid_transfer_encoding; break;
    default: break;
  }
  return step;
}

void MessageParser::decline_upgrade() noexcept {
  llhttp_t* p = ll(llhttp_);
  if (paused_) {
    llhttp_resume(p);
    paused_ = false;
  }
  // llhttp reaches its upgrade stop without reading input; run it there, then
  // step past it.
  static const char nothing[1] = {0};
  if (llhttp_execute(p, nothing, 0) == HPE_PAUSED_UPGRADE) llhttp_resume_after_upgrade(p);
}

MessageParser::Step MessageParser::finish() noexcept {
  llhttp_t* p = ll(llhttp_);
  if (body_ == Body::chunked) return fail(Error::peer_closed, "connection closed in the middle of a message");
  if (paused_) {
    llhttp_resume(p);
    paused_ = false;
  }
  pending_ = Event::need_more;
  const llhttp_errno_t rc = llhttp_finish(p);
  if (rc == HPE_OK || rc == HPE_PAUSED)
    return {pending_ == Event::message_end ? Event::message_end : Event::need_more, 0, {}};
  return fail(Error::peer_closed, "connection closed in the middle of a message");
}

int MessageParser::version_major() const noexcept { return ll(llhttp_)->http_major; }
int MessageParser::version_minor() const noexcept {
  // A higher 1.x minor is reported as what it is processed as: 1.1.
  const llhttp_t* p = ll(llhttp_);
  return p->http_major == 1 && p->http_minor > 1 ? 1 : p->http_minor;
}
int MessageParser::status() const noexcept { return ll(llhttp_)->status_code; }
bool MessageParser::keep_alive() const noexcept { return keep_alive_; }
bool MessageParser::chunked() const noexcept { return chunked_; }
bool MessageParser::upgrade() const noexcept { return ll(llhttp_)->upgrade != 0; }
std::optional<std::uint64_t> MessageParser::content_length() const noexcept { return content_length_; }

}  // namespace wirestate::detail
