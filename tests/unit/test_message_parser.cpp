// The llhttp wrapper on its own. Each input is copied so that it ends right
// before a PROT_NONE page: a read past the end crashes the test.
#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "wire/message_parser.hpp"

using namespace wirestate;
using namespace wirestate::detail;

namespace {

class GuardedCopy {
 public:
  explicit GuardedCopy(std::string_view s) {
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    pages_ = (s.size() + page - 1) / page + 1;
    base_ = static_cast<char*>(mmap(nullptr, pages_ * page, PROT_READ | PROT_WRITE,
                                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    REQUIRE(base_ != MAP_FAILED);
    REQUIRE(mprotect(base_ + (pages_ - 1) * page, page, PROT_NONE) == 0);
    data_ = base_ + (pages_ - 1) * page - s.size();
    std::memcpy(data_, s.data(), s.size());
    size_ = s.size();
    page_ = page;
  }
  ~GuardedCopy() { munmap(base_, pages_ * page_); }
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  char* base_ = nullptr;
  char* data_ = nullptr;
  std::size_t size_ = 0, pages_ = 0, page_ = 0;
};

struct Parsed {
  std::vector<MessageParser::Event> events;
  std::string body;
  Error error{};
};

// Parses `input` in pieces of `chunk` bytes, each piece in its own guarded copy.
Parsed parse_all(std::string_view input, std::size_t chunk, ReceivedHead& head, FieldBuilder& trailers) {
  MessageParser parser(MessageParser::Role::request);
  head.reset({8192, 16384, 100});
  trailers.reset({0, 16384, 100});
  FieldBuilder extensions;
  parser.set_builders(&head, &trailers, &extensions);
  Parsed out;
  for (std::size_t at = 0; at < input.size();) {
    const std::size_t n = std::min(chunk, input.size() - at);
    GuardedCopy copy(input.substr(at, n));
    std::size_t used = 0;
    // As a connection does: a paused parser is asked again, input or not
    // (an event may be queued behind the one just reported).
    while (used < n || parser.paused()) {
      auto step = parser.parse(copy.data() + used, n - used);
      used += step.consumed;
      if (step.event == MessageParser::Event::need_more) break;
      out.events.push_back(step.event);
      if (step.event == MessageParser::Event::body) out.body.append(step.body);
      if (step.event == MessageParser::Event::error) {
        out.error = parser.error();
        return out;
      }
    }
    at += n;
  }
  return out;
}

// Parses `input`, one well-formed message, in pieces of every size from 1
// byte to all of it, and hands each result to `check`.
template <class Check>
void at_every_read_size(std::string_view input, Check check) {
  for (std::size_t chunk = 1; chunk <= input.size(); ++chunk) {
    INFO("chunk " << chunk);
    ReceivedHead head;
    FieldBuilder trailers;
    const Parsed p = parse_all(input, chunk, head, trailers);
    REQUIRE(p.error == Error{});
    check(p, head, trailers);
  }
}

}  // namespace

TEST_CASE("parser: a chunked request with trailers, at every read size, never reads past its input") {
  const std::string input =
      "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\nChecksum: abc\r\n\r\n";
  at_every_read_size(input, [](const Parsed& p, const ReceivedHead& head, const FieldBuilder& trailers) {
    CHECK(p.body == "hello world");
    CHECK(p.events.front() == MessageParser::Event::head);
    CHECK(p.events.back() == MessageParser::Event::message_end);
    CHECK(head.method() == "POST");
    CHECK(head.target() == "/up");
    REQUIRE(head.headers().size() == 2);
    CHECK(head.headers()[1].value == "chunked");
    REQUIRE(trailers.headers().size() == 1);
    CHECK(trailers.headers()[0].name == "Checksum");
    CHECK(trailers.headers()[0].value == "abc");
  });
}

TEST_CASE("parser: a body of known length is reported whole or in pieces, then its end, at every read size") {
  // The span that completes the body comes with the message's end queued
  // behind it; a span cut short by the read comes alone.
  using Event = MessageParser::Event;
  const std::string input = "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world";
  at_every_read_size(input, [](const Parsed& p, const ReceivedHead&, const FieldBuilder&) {
    CHECK(p.body == "hello world");
    REQUIRE(p.events.size() >= 3);
    CHECK(p.events.front() == Event::head);
    CHECK(p.events.back() == Event::message_end);
    for (std::size_t i = 1; i + 1 < p.events.size(); ++i) CHECK(p.events[i] == Event::body);
  });
  ReceivedHead head;
  FieldBuilder trailers;
  const Parsed whole = parse_all(input, input.size(), head, trailers);
  CHECK(whole.events == std::vector<Event>{Event::head, Event::body, Event::message_end});
}

TEST_CASE("parser: malformed input stops with an error, never past its input") {
  const char* inputs[] = {
      "GET / HTTP/1.1\r\nHost: h\r\nBad Header: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
  };
  for (const char* in : inputs) {
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::strlen(in)}) {
      INFO(in << " chunk " << chunk);
      ReceivedHead head;
    FieldBuilder trailers;
      Parsed p = parse_all(in, chunk, head, trailers);
      CHECK(p.error != Error{});
    }
  }
}

TEST_CASE("parser: a Content-Length past 64 bits is refused at every read size, never reading past the input") {
  // llhttp may report the overflow with its position at the end of the
  // read; the check for an HTAB there must not look one byte further.
  const std::string digits = "53333333333333333333333333";
  for (const std::string& input : {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: " + digits + "\r\n\r\n",
                                   "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: " + digits}) {
    for (std::size_t chunk = 1; chunk <= input.size(); ++chunk) {
      INFO("chunk " << chunk);
      ReceivedHead head;
      FieldBuilder trailers;
      const Parsed p = parse_all(input, chunk, head, trailers);
      if (input.back() == '\n') CHECK(p.error == Error::invalid_content_length);
      else CHECK((p.error == Error::invalid_content_length || p.error == Error{}));
    }
  }
}
