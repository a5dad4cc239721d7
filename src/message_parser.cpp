#include "message_parser.hpp"

#include <llhttp.h>

#include <cassert>
#include <cstring>
#include <new>
#include <type_traits>

#include "token.hpp"
#include "wirestate/headers.hpp"

namespace wirestate::detail {
namespace {

static_assert(sizeof(llhttp_t) <= 96 && alignof(llhttp_t) <= 8);

// RFC 9112 §6.1 and §6.3: the only coding implemented is chunked, and it must
// come last, once. A coding we do not implement is 501; a list whose final
// coding is not chunked makes the length unknowable (400).
[[gnu::noinline]] Error check_transfer_encoding(Headers headers) noexcept {
  bool seen_chunked = false, last_is_chunked = false, unknown = false;
  for (const Header& h : headers) {
    if (!iequals(h.name, "transfer-encoding")) continue;
    std::string_view rest = h.value;
    for (;;) {
      const std::size_t comma = rest.find(',');
      std::string_view coding = trim_ows(rest.substr(0, comma));
      if (!coding.empty()) {
        if (iequals(coding, "chunked")) {
          if (seen_chunked) return Error::invalid_chunk;
          seen_chunked = last_is_chunked = true;
        } else {
          unknown = true;
          last_is_chunked = false;
        }
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (!last_is_chunked) return Error::chunked_not_final;
  if (unknown) return Error::unsupported_transfer_coding;
  return Error{};
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
    p->settings = const_cast<llhttp_settings_t*>(head_settings());
    m.head_unreported_ = m.body_unreported_ = false;
    m.content_length_.reset();
    m.chunked_ = false;
    m.ext_stale_ = true;
    return HPE_OK;
  }

  // Only trailer sections come here: a head is split by ReceivedHead.
  static int check_field(llhttp_t* p, Error e) {
    return check(p, e == Error::header_too_large ? Error::trailer_too_large : e);
  }
  static int on_header_field(llhttp_t* p, const char* at, std::size_t n) {
    return check_field(p, self(p).trailers_->append_name({at, n}));
  }
  static int on_header_value(llhttp_t* p, const char* at, std::size_t n) {
    return check_field(p, self(p).trailers_->append_value({at, n}));
  }
  static int on_header_value_complete(llhttp_t* p) { return check_field(p, self(p).trailers_->end_field()); }

  // Chunk extensions (RFC 9112 §7.1.1) arrive on the size line, before
  // on_chunk_header; llhttp checks their syntax (strictly: no whitespace,
  // no quoted-pair) and we keep them for the chunk's body pieces.
  static FieldBuilder& extensions(llhttp_t* p) {
    MessageParser& m = self(p);
    if (m.ext_stale_) {
      m.extensions_->reset(m.chunk_ext_limits_);
      m.ext_stale_ = m.ext_named_ = false;
    }
    return *m.extensions_;
  }
  static int check_extension(llhttp_t* p, Error e) {
    return check(p, e == Error{} ? e : Error::chunk_extension_too_large);
  }
  static int close_named_extension(llhttp_t* p) {
    MessageParser& m = self(p);
    if (!m.ext_named_) return HPE_OK;
    m.ext_named_ = false;
    return check_extension(p, m.extensions_->end_field());  // a name without a value
  }
  static int on_chunk_extension_name(llhttp_t* p, const char* at, std::size_t n) {
    FieldBuilder& b = extensions(p);
    if (int rc = close_named_extension(p); rc != HPE_OK) return rc;
    if (n > 0) self(p).ext_name_bytes_ = true;
    return check_extension(p, b.append_name({at, n}));
  }
  static int on_chunk_extension_name_complete(llhttp_t* p) {
    MessageParser& m = self(p);
    // llhttp 8 lets ";=value" through: a name is a token, never empty.
    if (!m.ext_name_bytes_) return stop(p, Error::invalid_chunk);
    m.ext_name_bytes_ = false;
    m.ext_named_ = true;
    return HPE_OK;
  }
  static int on_chunk_extension_value(llhttp_t* p, const char* at, std::size_t n) {
    return check_extension(p, extensions(p).append_value({at, n}));
  }
  static int on_chunk_extension_value_complete(llhttp_t* p) {
    MessageParser& m = self(p);
    m.ext_named_ = false;
    return check_extension(p, m.extensions_->end_field(/*unquote=*/true));
  }
  static int on_chunk_header(llhttp_t* p) {
    MessageParser& m = self(p);
    // The last chunk: what follows is a trailer section, lines again.
    if (p->content_length == 0) m.scanning_lines_ = true;
    extensions(p);  // a chunk without extensions clears the previous chunk's
    if (int rc = close_named_extension(p); rc != HPE_OK) return rc;
    m.extensions_->finish();
    return HPE_OK;
  }
  static int on_chunk_complete(llhttp_t* p) {
    self(p).ext_stale_ = true;
    return HPE_OK;
  }

  static int on_headers_complete(llhttp_t* p) {
    MessageParser& m = self(p);
    m.head_complete_ = true;
    // What follows the head can only be a trailer section or the next
    // message: from here on field callbacks fill the trailers.
    p->settings = const_cast<llhttp_settings_t*>(body_settings());
    if (p->http_major != 1) return stop(p, Error::version_not_supported);
    if (p->flags & F_TRANSFER_ENCODING) {
      if (p->flags & F_CONTENT_LENGTH) return stop(p, Error::conflicting_framing);
      m.chunked_ = true;  // whether chunked is last is checked on the split head
    } else if (p->flags & F_CONTENT_LENGTH) {
      m.content_length_ = p->content_length;
    }
    // RFC 9112 §9.3: persistence from the version and Connection.
    m.keep_alive_ = p->http_minor >= 1 ? !(p->flags & F_CONNECTION_CLOSE)
                                       : (p->flags & F_CONNECTION_KEEP_ALIVE) != 0;
    if (m.role_ == Role::request) {
      // A request without a body ends here: going on to its end in the same
      // pass saves a stop (the head is still reported first).
      if (!p->upgrade && !m.chunked_ && m.content_length_.value_or(0) == 0) {
        m.head_unreported_ = true;
        return HPE_OK;
      }
    } else if (p->status_code >= 200) {
      // RFC 9112 §6.3: no body after HEAD; a 2xx to CONNECT starts a tunnel.
      const bool tunnel = m.request_was_connect_ && p->status_code < 300;
      const bool bodiless = m.request_was_head_ || p->status_code == 204 || p->status_code == 304;
      // A body with neither length nor chunked framing ends at the close.
      if (!tunnel && !bodiless && p->status_code != 101 && !m.chunked_ && !m.content_length_)
        m.keep_alive_ = false;
      if (tunnel || bodiless) {
        m.head_unreported_ = true;
        return tunnel ? 2 : 1;
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
    if (m.content_length_ && !m.chunked_ && p->content_length == 0) {
      m.body_unreported_ = true;
      return HPE_OK;
    }
    m.pending_ = Event::body;
    return HPE_PAUSED;
  }
  static int on_message_complete(llhttp_t* p) {
    MessageParser& m = self(p);
    if (m.chunked_) m.trailers_->finish();
    m.pending_ = Event::message_end;
    return HPE_PAUSED;
  }

  static constexpr llhttp_settings_t make_settings(bool fields) {
    llhttp_settings_t v{};
    v.on_message_begin = on_message_begin;
    if (fields) {
      v.on_header_field = on_header_field;
      v.on_header_value = on_header_value;
      v.on_header_value_complete = on_header_value_complete;
    }
    v.on_headers_complete = on_headers_complete;
    v.on_body = on_body;
    v.on_chunk_extension_name = on_chunk_extension_name;
    v.on_chunk_extension_name_complete = on_chunk_extension_name_complete;
    v.on_chunk_extension_value = on_chunk_extension_value;
    v.on_chunk_extension_value_complete = on_chunk_extension_value_complete;
    v.on_chunk_header = on_chunk_header;
    v.on_chunk_complete = on_chunk_complete;
    v.on_message_complete = on_message_complete;
    return v;
  }
  // llhttp reads its settings at every callback, so a parser switches
  // between these two as it crosses the end of a head. Constant-initialized:
  // no guard is checked on the way.
  static const llhttp_settings_t* head_settings() { return &head_settings_; }
  static const llhttp_settings_t* body_settings() { return &body_settings_; }
  static const llhttp_settings_t head_settings_;
  static const llhttp_settings_t body_settings_;
};

constinit const llhttp_settings_t MessageParser::Callbacks::head_settings_ = make_settings(false);
constinit const llhttp_settings_t MessageParser::Callbacks::body_settings_ = make_settings(true);

namespace {
llhttp_t* ll(unsigned char* storage) { return reinterpret_cast<llhttp_t*>(storage); }
const llhttp_t* ll(const unsigned char* storage) { return reinterpret_cast<const llhttp_t*>(storage); }
}  // namespace

MessageParser::MessageParser(Role role) noexcept : role_(role) {
  llhttp_init(ll(llhttp_), role == Role::request ? HTTP_REQUEST : HTTP_RESPONSE,
              Callbacks::head_settings());
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
  const Headers headers = head_->headers();
  if (chunked_)
    if (Error e = check_transfer_encoding(headers); e != Error{}) return e;
  expects_continue_ = false;
  if (role_ == Role::request && ll(llhttp_)->http_minor >= 1) {
    int hosts = 0;
    for (const Header& h : headers) {
      // Only names of the right length and first letter are compared.
      const char first = static_cast<char>(h.name[0] | 0x20);
      if (h.name.size() == 4 && first == 'h') {
        hosts += iequals(h.name, "host") ? 1 : 0;
      } else if (h.name.size() == 6 && first == 'e' && iequals(h.name, "expect")) {
        // RFC 9110 §10.1.1: 100-continue is the only expectation defined.
        if (!iequals(h.value, "100-continue")) return Error::expectation_failed;
        expects_continue_ = true;
      }
    }
    if (hosts != 1) return Error::missing_host;
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
  if (paused_) {
    llhttp_resume(p);
    paused_ = false;
  }
  pending_ = Event::need_more;
  head_complete_ = false;
  const llhttp_errno_t rc = llhttp_execute(p, data, size);
  if (rc != HPE_OK && rc != HPE_PAUSED && rc != HPE_PAUSED_UPGRADE) return llhttp_failed(static_cast<int>(rc), data, size);
  const std::size_t consumed = rc == HPE_OK ? size : static_cast<std::size_t>(llhttp_get_error_pos(p) - data);
  // No parse() call spans the end of a head and any body byte: the parser
  // stops at the head of a message with a body.
  if (capturing_) {
    reason_ = {};
    if (Error e = head_->append(data, consumed); e != Error{}) return fail(e, {});
    if (head_complete_) {
      capturing_ = false;
      if (Error e = finish_head(); e != Error{}) return fail(e, reason_);
    }
  } else if (!lines_valid(data, consumed)) {
    return fail(Error::bad_request, "bare LF or obs-fold in the trailers");
  }
  if (rc == HPE_OK) {
    // An unreported head or last body span is always followed, in the same
    // pass, by the message's end, which stops the parser.
    assert(!head_unreported_ && !body_unreported_);
    return {Event::need_more, size, {}};
  }
  const Event event = rc == HPE_PAUSED ? pending_ : Event::upgrade;
  if (rc == HPE_PAUSED) paused_ = true;
  if (event == Event::message_end) scanning_lines_ = false, previous_ = 0;
  if (head_unreported_) {
    head_unreported_ = false;
    queued_ = event;
    return {Event::head, consumed, {}};
  }
  if (body_unreported_) {
    body_unreported_ = false;
    queued_ = event;
    return {Event::body, consumed, pending_body_};
  }
  return {event, consumed, event == Event::body ? pending_body_ : std::string_view{}};
}

MessageParser::Step MessageParser::llhttp_failed(int rc, const char* data, std::size_t size) noexcept {
  llhttp_t* p = ll(llhttp_);
  const auto consumed = static_cast<std::size_t>(llhttp_get_error_pos(p) - data);
  // What arrived of the head, for the error response (the method of a HEAD
  // request) and the version check below.
  if (capturing_) head_->append(data, size);
  const Error from_callback = error_;
  Step step = fail(Error::bad_request, llhttp_get_error_reason(p) ? llhttp_get_error_reason(p) : "");
  step.consumed = consumed;
  if (from_callback != Error{}) {
    // Our own callbacks stopped the parser (llhttp reports that under several
    // codes); their error says why.
    error_ = from_callback;
    reason_ = {};
    return step;
  }
  switch (rc) {
    case HPE_INVALID_METHOD:
      // A token we do not know is a method we do not implement (RFC 9110
      // §9.1); anything else where a method belongs is malformed.
      if (consumed < size && is_tchar(data[consumed])) error_ = Error::method_not_implemented;
      break;
    case HPE_PAUSED_H2_UPGRADE: error_ = Error::version_not_supported; break;
    case HPE_UNEXPECTED_CONTENT_LENGTH: error_ = Error::conflicting_framing; break;
    case HPE_INVALID_CONTENT_LENGTH: error_ = Error::invalid_content_length; break;
    case HPE_INVALID_CHUNK_SIZE: error_ = Error::invalid_chunk; break;
    case HPE_INVALID_TRANSFER_ENCODING: error_ = Error::chunked_not_final; break;
    default: break;
  }
  return step;
}

bool MessageParser::lines_valid(const char* data, std::size_t size) noexcept {
  if (scanning_lines_) return line_ends_valid(data, size);
  // Body bytes are not lines, but the scan may resume right after them (a
  // trailer section): the byte before it must be known.
  if (size > 0) previous_ = data[size - 1];
  return true;
}

// Looks only at line ends (memchr finds them fast): each LF must follow a CR
// and must not be followed by SP or HTAB. A line end split across reads is
// finished on the next call through `previous_`.
bool MessageParser::line_ends_valid(const char* data, std::size_t size) noexcept {
  if (size == 0) return true;
  if (previous_ == '\n' && is_ows(data[0])) return false;
  const char* end = data + size;
  for (const char* p = data; (p = static_cast<const char*>(std::memchr(p, '\n', end - p))); ++p) {
    const char before = p == data ? previous_ : p[-1];
    if (before != '\r') return false;
    if (p + 1 < end && is_ows(p[1])) return false;
  }
  previous_ = end[-1];
  return true;
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
