#include "wire/received_head.hpp"

#include <cstring>

#include "wire/byte_scan.hpp"
#include "wire/token.hpp"

namespace wirestate::detail {
namespace {

constexpr ReceivedHead::Fault malformed(std::string_view why) noexcept {
  return {Error::bad_request, why};
}

constexpr std::string_view bad_line_end = "bare LF or obs-fold in the head";

// Leading empty lines before a request or status line are ignored (RFC 9112
// §2.2), as llhttp does; each must still end in CRLF.
const char* skip_empty_lines(const char* p, const char* end, bool& bare_lf) noexcept {
  const char* const begin = p;
  while (p < end && (*p == '\r' || *p == '\n')) {
    if (*p == '\n' && (p == begin || p[-1] != '\r')) bare_lf = true;
    ++p;
  }
  return p;
}

}  // namespace

Error ReceivedHead::append(const char* data, std::size_t size) noexcept {
  if (size > cap_ - bytes_.size()) {
    const bool line_ended = bytes_.find('\n') != std::string::npos ||
                            std::memchr(data, '\n', size) != nullptr;
    bytes_.append(data, cap_ - bytes_.size());  // what an error response may look at
    return line_ended ? Error::header_too_large : Error::request_line_too_long;
  }
  bytes_.append(data, size);
  return Error{};
}

std::string_view ReceivedHead::start_line_so_far() const noexcept {
  bool bare_lf = false;
  const char* p = skip_empty_lines(bytes_.data(), bytes_.data() + bytes_.size(), bare_lf);
  const std::string_view rest(p, bytes_.data() + bytes_.size() - p);
  return rest.substr(0, rest.find_first_of("\r\n"));
}

std::string_view ReceivedHead::method_so_far() const noexcept {
  if (!method_.empty()) return method_;
  const std::string_view line = start_line_so_far();
  return line.substr(0, line.find(' '));
}

bool ReceivedHead::start_line_ended() const noexcept {
  bool bare_lf = false;
  const char* p = skip_empty_lines(bytes_.data(), bytes_.data() + bytes_.size(), bare_lf);
  return std::memchr(p, '\n', static_cast<std::size_t>(bytes_.data() + bytes_.size() - p)) != nullptr;
}

bool ReceivedHead::start_line_has_version() const noexcept {
  const std::string_view line = start_line_so_far();
  const std::size_t sp = line.find(' ');
  return sp != std::string_view::npos && line.find(' ', sp + 1) != std::string_view::npos;
}

bool ReceivedHead::has_bare_lf() const noexcept {
  for (std::size_t i = bytes_.find('\n'); i != std::string::npos; i = bytes_.find('\n', i + 1)) {
    if (i == 0 || bytes_[i - 1] != '\r') return true;
    if (i + 1 < bytes_.size() && is_ows(bytes_[i + 1])) return true;
  }
  return false;
}

std::size_t ReceivedHead::end_of_head(std::size_t from) const noexcept {
  bool bare_lf = false;
  const char* const begin = bytes_.data();
  const char* const end = begin + bytes_.size();
  const char* start = skip_empty_lines(begin, end, bare_lf);
  // The empty line may have begun up to two bytes before `from`.
  if (from > 2 && begin + from - 2 > start) start = begin + from - 2;
  for (const char* p = start; p < end; ++p) {
    p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!p) break;
    if (p + 1 < end && p[1] == '\n') return static_cast<std::size_t>(p + 2 - begin);
    if (p + 2 < end && p[1] == '\r' && p[2] == '\n') return static_cast<std::size_t>(p + 3 - begin);
  }
  return 0;
}

void ReceivedHead::blank_trailing_tabs() noexcept {
  std::size_t j = 0;
  for (std::size_t i = bytes_.find('\t'); i != std::string::npos; i = bytes_.find('\t', j)) {
    j = i;
    while (j < bytes_.size() && is_ows(bytes_[j])) ++j;
    if (j < bytes_.size() && bytes_[j] == '\r') {
      for (std::size_t k = i; k < j; ++k) bytes_[k] = ' ';
    }
  }
}

std::string_view ReceivedHead::target_so_far() const noexcept {
  if (!target_.empty()) return target_;
  const std::string_view line = start_line_so_far();
  const std::size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return {};
  const std::string_view rest = line.substr(sp + 1);
  const std::size_t end = rest.find(' ');
  if (end == std::string_view::npos && !start_line_ended()) return {};
  return rest.substr(0, end);
}

ReceivedHead::Fault ReceivedHead::split(StartLine kind) noexcept {
  const char* p = bytes_.data();
  const char* const end = p + bytes_.size();
  bool bare_lf = false;
  p = skip_empty_lines(p, end, bare_lf);
  if (bare_lf) return malformed(bad_line_end);

  // The start line. llhttp has checked its grammar (single spaces, no space
  // in the target, the version's eight bytes); the checks here only keep a
  // surprise from reading past the head.
  const char* sp1 = find_byte(p, end, ' ');
  if (sp1 == end) return malformed("no space in the start line");
  const char* line_end;
  if (kind == StartLine::request) {
    const char* sp2 = static_cast<const char*>(std::memchr(sp1 + 1, ' ', end - sp1 - 1));
    // llhttp also knows RTSP and ICE, whose requests are not ours.
    if (!sp2 || end - sp2 < 11 || std::memcmp(sp2 + 1, "HTTP/", 5) != 0)
      return malformed("not an HTTP request line");
    line_end = sp2 + 9;
    method_ = {p, static_cast<std::size_t>(sp1 - p)};
    target_ = {sp1 + 1, static_cast<std::size_t>(sp2 - sp1 - 1)};
    version_ = {sp2 + 1, 8};
    if (method_.size() + target_.size() > limits_.max_line_bytes) return {Error::request_line_too_long, {}};
  } else {
    // HTTP-version SP 3DIGIT SP [ reason-phrase ]; some servers omit the
    // last space when the reason is empty.
    line_end = static_cast<const char*>(std::memchr(sp1, '\n', end - sp1));
    if (!line_end) return malformed(bad_line_end);
    --line_end;
    version_ = {p, static_cast<std::size_t>(sp1 - p)};
    const char* reason = sp1 + 5 < line_end ? sp1 + 5 : line_end;
    reason_ = {reason, static_cast<std::size_t>(line_end - reason)};
    if (reason_.size() > limits_.max_line_bytes) return {Error::request_line_too_long, {}};
  }
  if (line_end[0] != '\r' || line_end[1] != '\n') return malformed(bad_line_end);
  p = line_end + 2;

  std::size_t field_bytes = 0;
  for (;;) {
    if (end - p < 2) return malformed(bad_line_end);
    if (p[0] == '\r' && p[1] == '\n') break;  // the empty line that ends the head
    if (is_ows(*p)) return malformed(bad_line_end);  // obs-fold
    const char* lf = static_cast<const char*>(std::memchr(p, '\n', end - p));
    if (!lf || lf[-1] != '\r') return malformed(bad_line_end);
    const char* colon = find_byte(p, lf, ':');
    if (colon == lf) return malformed("field line without a colon");
    if (colon == p) return malformed("empty field name");
    const char* v = colon + 1;
    const char* v_end = lf - 1;
    // Field values exclude the whitespace around them (RFC 9110 §5.5).
    while (v < v_end && is_ows(*v)) ++v;
    while (v_end > v && is_ows(v_end[-1])) --v_end;
    field_bytes += static_cast<std::size_t>(colon - p) + static_cast<std::size_t>(v_end - v);
    if (field_bytes > limits_.max_field_bytes) return {Error::header_too_large, {}};
    if (fields_.size() >= limits_.max_field_count) return {Error::too_many_headers, {}};
    fields_.push_back({{p, static_cast<std::size_t>(colon - p)}, {v, static_cast<std::size_t>(v_end - v)}});
    p = lf + 1;
  }
  return {};
}

}  // namespace wirestate::detail
