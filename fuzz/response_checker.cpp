#include "response_checker.hpp"

#include "fuzz_check.hpp"

#include <cstdio>
#include <cstdlib>
#include <strings.h>

namespace wirestate::fuzz {


static ResponseChecker& self(llhttp_t* p) { return *static_cast<ResponseChecker*>(p->data); }

ResponseChecker::ResponseChecker(const std::vector<RequestFacts>& facts) : facts_(facts) {
  llhttp_settings_init(&settings_);
  settings_.on_message_begin = on_message_begin;
  settings_.on_header_field = on_header_field;
  settings_.on_header_value = on_header_value;
  settings_.on_header_value_complete = on_header_value_complete;
  settings_.on_headers_complete = on_headers_complete;
  llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
  parser_.data = this;
}

int ResponseChecker::on_message_begin(llhttp_t* p) {
  ResponseChecker& c = self(p);
  // Nothing follows an automatic error response: the connection closes.
  CHECK_OR_TRAP(!c.saw_automatic_);
  c.seq_ = -1;
  c.field_.clear();
  c.value_.clear();
  return 0;
}

int ResponseChecker::on_header_field(llhttp_t* p, const char* at, std::size_t n) {
  ResponseChecker& c = self(p);
  c.field_.append(at, n);
  return 0;
}

int ResponseChecker::on_header_value(llhttp_t* p, const char* at, std::size_t n) {
  self(p).value_.append(at, n);
  return 0;
}

int ResponseChecker::on_header_value_complete(llhttp_t* p) {
  ResponseChecker& c = self(p);
  if (strcasecmp(c.field_.c_str(), "x-seq") == 0) c.seq_ = std::strtol(c.value_.c_str(), nullptr, 10);
  c.field_.clear();
  c.value_.clear();
  return 0;
}

int ResponseChecker::on_headers_complete(llhttp_t* p) {
  ResponseChecker& c = self(p);
  const int status = p->status_code;
  if (status == 100 && c.seq_ < 0) return 0;  // 100 Continue, from the connection itself
  if (c.seq_ < 0) {
    CHECK_OR_TRAP(status >= 400);  // automatic responses are errors
    c.saw_automatic_ = true;
    ++c.finals_;
    return 0;
  }
  // In order: the exchange after the last one answered.
  CHECK_OR_TRAP(c.seq_ == c.last_final_ + 1);
  CHECK_OR_TRAP(static_cast<std::size_t>(c.seq_) < c.facts_.size());
  const RequestFacts& f = c.facts_[static_cast<std::size_t>(c.seq_)];
  if (status < 200 && status != 101) return 0;  // interim: the final one follows
  c.last_final_ = c.seq_;
  ++c.finals_;
  if (status == 101 || (f.connect && status < 300)) {
    c.tunnel_ = true;
    return 2;  // what follows is not HTTP
  }
  // RFC 9112 §6.3: no body after HEAD, 204 or 304, whatever the fields say.
  return f.head || status == 204 || status == 304 ? 1 : 0;
}

void ResponseChecker::feed(const char* data, std::size_t size) {
  // WIRESTATE_FUZZ_TRACE=1 shows every write, to follow a reproducer.
  static const bool trace = std::getenv("WIRESTATE_FUZZ_TRACE") != nullptr;
  if (trace) {
    std::fprintf(stderr, "--- write of %zu bytes:\n", size);
    std::fwrite(data, 1, size, stderr);
    std::fputc('\n', stderr);
  }
  if (tunnel_ || size == 0) return;
  const llhttp_errno_t rc = llhttp_execute(&parser_, data, size);
  if (rc == HPE_PAUSED_UPGRADE) return;
  if (rc != HPE_OK) {
    std::fprintf(stderr, "response checker: %s at offset %td of this write:\n",
                 llhttp_get_error_reason(&parser_), llhttp_get_error_pos(&parser_) - data);
    std::fwrite(data, 1, size, stderr);
    std::fputc('\n', stderr);
    __builtin_trap();
  }
}

}  // namespace wirestate::fuzz
