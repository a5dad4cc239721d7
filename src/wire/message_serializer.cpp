#include "wire/message_serializer.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "wire/byte_scan.hpp"
#include "wire/request_target.hpp"
#include "wire/token.hpp"
#include "wirestate/http_date.hpp"
#include "wirestate/status.hpp"

namespace wirestate::detail {
namespace {

// `n` bytes, for n from sizeof(Word) to twice that: the first and the last
// word, overlapping in the middle.
template <class Word>
void move_two_words(char* dst, const char* src, std::size_t n) noexcept {
  Word first, last;
  std::memcpy(&first, src, sizeof first);
  std::memcpy(&last, src + n - sizeof last, sizeof last);
  std::memcpy(dst, &first, sizeof first);
  std::memcpy(dst + n - sizeof last, &last, sizeof last);
}

// A head's pieces are mostly a few to a few dozen bytes whose length is
// known only at run time (values, the server's name, digits): a call to
// memcpy for each cost more than the copy. Up to 16 bytes they are moved
// in two overlapping halves; an empty piece (whose data may be null) moves
// nothing.
inline void copy_piece(char* dst, std::string_view s) noexcept {
  const char* src = s.data();
  const std::size_t n = s.size();
  if (n > 16) {
    std::memcpy(dst, src, n);
  } else if (n >= 8) {
    move_two_words<std::uint64_t>(dst, src, n);
  } else if (n >= 4) {
    move_two_words<std::uint32_t>(dst, src, n);
  } else if (n > 0) {
    dst[0] = src[0];
    dst[n / 2] = src[n / 2];
    dst[n - 1] = src[n - 1];
  }
}

// Gathers a head's pieces. When the caller's bound on its size fits in an
// output block (nearly always), the pieces are written straight into the
// block; otherwise they are gathered on the stack and copied in as it fills.
// A head is a dozen pieces: one append is far cheaper than twelve.
class Gather {
 public:
  Gather(BlockArena& a, SegmentQueue& q, std::size_t bound) : arena_(a), queue_(q) {
    if (bound <= a.capacity()) {
      block_ = a.tail_with_room(bound);
      buf_ = block_->data() + block_->used;
      cap_ = bound;
    }
  }
  ~Gather() { flush(); }
  // Always inlined, as field() is: every piece of every head comes through
  // here, and LTO's heuristics otherwise outline them once their callers
  // grow (100 instructions a client request for add(), 88 a server request
  // for field(), measured with callgrind).
  [[gnu::always_inline]] void add(std::string_view s) {
    if (s.size() > cap_ - used_) return add_past_room(s);
    copy_piece(buf_ + used_, s);
    used_ += s.size();
  }
  [[gnu::always_inline]] void field(std::string_view name, std::string_view value) {
    const std::size_t size = name.size() + value.size() + 4;
    if (size > cap_ - used_) return field_past_room(name, value);
    char* p = buf_ + used_;
    copy_piece(p, name);
    p += name.size();
    *p++ = ':';
    *p++ = ' ';
    copy_piece(p, value);
    p += value.size();
    *p++ = '\r';
    *p++ = '\n';
    used_ += size;
  }
  // Out of line and cold: the rare paths would otherwise be inlined at
  // every piece of every head, spreading the hot ones over many more cache
  // lines (docs/performance.md, "Code layout").
  [[gnu::noinline, gnu::cold]] void add_past_room(std::string_view s) {
    flush();
    if (s.size() > cap_) return append_copy(arena_, queue_, s);
    add(s);  // the emptied buffer has room now
  }
  [[gnu::noinline, gnu::cold]] void field_past_room(std::string_view name, std::string_view value) {
    add(name);
    add(": ");
    add(value);
    add("\r\n");
  }
  // Hands what was gathered to the queue; past a bound that was wrong,
  // goes on on the stack.
  void flush() {
    if (block_) {
      push_copied(arena_, queue_, block_, buf_, used_);
      block_ = nullptr;
      buf_ = stack_;
      cap_ = sizeof stack_;
    } else {
      append_copy(arena_, queue_, {buf_, used_});
    }
    used_ = 0;
  }

 private:
  BlockArena& arena_;
  SegmentQueue& queue_;
  Block* block_ = nullptr;
  char stack_[512];
  char* buf_ = stack_;
  std::size_t cap_ = sizeof stack_;
  std::size_t used_ = 0;
};

// Whether `allowed` holds for every byte of `s`. No branch on a byte (names
// are valid far more often than not), and four bytes a step, the last four
// overlapping the ones before rather than a loop over the tail: a loop step
// per byte cost more than the lookup itself.
bool every_byte(std::string_view s, const std::array<bool, 256>& allowed) noexcept {
  const auto ok = [&allowed](char c) { return static_cast<unsigned>(allowed[static_cast<unsigned char>(c)]); };
  const char* p = s.data();
  const std::size_t n = s.size();
  unsigned all = 1;
  if (n < 4) {
    for (std::size_t i = 0; i < n; ++i) all &= ok(p[i]);
    return all != 0;
  }
  for (std::size_t i = 0; i + 4 < n; i += 4) all &= ok(p[i]) & ok(p[i + 1]) & ok(p[i + 2]) & ok(p[i + 3]);
  all &= ok(p[n - 4]) & ok(p[n - 3]) & ok(p[n - 2]) & ok(p[n - 1]);
  return all != 0;
}

}  // namespace

bool valid_field_name(std::string_view name) noexcept {
  return !name.empty() && every_byte(name, tchar_table);
}

// RFC 9110 §5.5: no CR, LF or NUL in a field value. All three are below
// 0x0e, so one test a word clears nearly every value; the rare one with a
// tab or another control byte takes the exact test.
bool valid_field_value(std::string_view value) noexcept {
  const auto low = [](std::uint64_t w) { return bytes_below(w, 0x0e); };
  if (none_marked(value.data(), value.size(), low, 'a')) return true;
  const auto forbidden = [](std::uint64_t w) {
    return zero_bytes(w) | zero_bytes(w ^ broadcast('\r')) | zero_bytes(w ^ broadcast('\n'));
  };
  return none_marked(value.data(), value.size(), forbidden, 'a');
}

namespace {
// Out of line: inlined, each comparison with a literal unrolls into dozens
// of bytes of code that most responses never run (docs/performance.md,
// "Code layout").
[[gnu::noinline]] bool name_is(std::string_view name, std::string_view lowercase) noexcept {
  return iequals(name, lowercase);
}
}  // namespace

HeaderFacts scan_headers(Headers headers) noexcept {
  HeaderFacts f;
  for (const Header& h : headers) {
    if (!valid_field_name(h.name) || !valid_field_value(h.value)) f.valid = false;
    f.line_bytes += h.name.size() + h.value.size() + 4;
    // Compare only names of the right length and first letter: most
    // headers are none of these (Host and Accept of every request are the
    // length of Date and Server).
    const auto first_is = [&h](char lower) { return (h.name[0] | 0x20) == lower; };
    switch (h.name.size()) {
      case 4:
        if (first_is('d')) f.date = f.date || name_is(h.name, "date");
        else if (first_is('h') && name_is(h.name, "host")) f.invalid_host = f.invalid_host || !valid_host(h.value);
        break;
      case 6: f.server = f.server || (first_is('s') && name_is(h.name, "server")); break;
      case 7: f.upgrade = f.upgrade || (first_is('u') && name_is(h.name, "upgrade")); break;
      case 10:
        if (first_is('c') && name_is(h.name, "connection")) {
          const Header one[] = {h};
          f.connection_close = f.connection_close || header_has_token(one, "connection", "close");
          f.connection_upgrade = f.connection_upgrade || header_has_token(one, "connection", "upgrade");
        }
        break;
      case 14:
        if (!f.content_length && first_is('c') && name_is(h.name, "content-length")) f.content_length = h.value;
        break;
      case 17:
        f.transfer_encoding = f.transfer_encoding || (first_is('t') && name_is(h.name, "transfer-encoding"));
        break;
      default: break;
    }
  }
  return f;
}

Error validate_headers(Headers headers) noexcept {
  for (const Header& h : headers)
    if (!valid_field_name(h.name) || !valid_field_value(h.value)) return Error::invalid_header;
  return Error{};
}

void serialize_head(BlockArena& a, SegmentQueue& q, const Config& config,
                    const HeadSpec& spec) noexcept {
  // Status line (a reason phrase is at most 31 bytes), the app's fields,
  // then at most: Date, Server, Content-Length, Transfer-Encoding and
  // Connection, the empty line, the body.
  const std::size_t bound = 48 + spec.facts.line_bytes +
                            (config.date ? 8 + config.date->view().size() : 0) +
                            12 + config.server_name.size() + 40 + 30 + 24 + 2 + spec.body.size();
  Gather out(a, q, bound);
  char digits[24];
  if (spec.status == 200) {
    out.add("HTTP/1.1 200 OK\r\n");  // most responses
  } else {
    auto status_end = std::to_chars(digits, digits + sizeof digits, spec.status).ptr;
    out.add("HTTP/1.1 ");
    out.add({digits, static_cast<std::size_t>(status_end - digits)});
    out.add(" ");
    out.add(reason_phrase(spec.status));
    out.add("\r\n");
  }
  for (const Header& h : spec.headers) out.field(h.name, h.value);
  if (!spec.informational) {
    if (config.date && !spec.facts.date) out.field("Date", config.date->view());
    if (!config.server_name.empty() && !spec.facts.server)
      out.field("Server", config.server_name);
    if (spec.content_length) {
      auto end = std::to_chars(digits, digits + sizeof digits, *spec.content_length).ptr;
      out.field("Content-Length", {digits, static_cast<std::size_t>(end - digits)});
    }
    if (spec.chunked) out.field("Transfer-Encoding", "chunked");
    if (spec.close) {
      if (!spec.facts.connection_close) out.field("Connection", "close");
    } else if (spec.connection_upgrade) {
      out.field("Connection", "upgrade");
    } else if (spec.keep_alive) {
      out.field("Connection", "keep-alive");
    }
  }
  out.add("\r\n");
  out.add(spec.body);
}

bool valid_target(std::string_view target) noexcept {
  const auto marks = [](std::uint64_t w) { return bytes_below(w, 0x21) | zero_bytes(w ^ broadcast('\x7f')); };
  return !target.empty() && none_marked(target.data(), target.size(), marks, 'a');
}

void serialize_request_head(BlockArena& a, SegmentQueue& q, std::string_view method,
                            std::string_view target, Headers headers, const HeaderFacts& facts,
                            std::optional<std::uint64_t> content_length, bool chunked) noexcept {
  Gather out(a, q, method.size() + target.size() + 12 + facts.line_bytes + 40 + 2);
  out.add(method);
  out.add(" ");
  out.add(target);
  out.add(" HTTP/1.1\r\n");
  for (const Header& h : headers) out.field(h.name, h.value);
  char digits[24];
  if (content_length) {
    auto end = std::to_chars(digits, digits + sizeof digits, *content_length).ptr;
    out.field("Content-Length", {digits, static_cast<std::size_t>(end - digits)});
  } else if (chunked) {
    out.field("Transfer-Encoding", "chunked");
  }
  out.add("\r\n");
}

}  // namespace wirestate::detail
