#pragma once
// An access log that never writes from an event loop: loops append lines to a
// shared buffer; a thread of its own writes them out every 200 ms and at stop.
//
// Each line is the Combined Log Format, then the response time in
// microseconds, then, for a response that failed or that the library sent on
// its own, the error in quotes:
//   127.0.0.1 - - [07/Dec/2026:10:00:00 +0000] "GET /plaintext HTTP/1.1" 200 13 "-" "curl/7.88.1" 41
//   127.0.0.1 - - [07/Dec/2026:10:00:01 +0000] "GET / HTTP/1.1" 400 - "-" "-" - "Host is not ..."
// A field not known is "-"; quotes, backslashes and control characters in
// quoted fields are written as \xHH.
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace wirestate::sample {

// One response, as the access log writes it.
struct AccessRecord {
  std::string_view client = "-";
  std::string_view method, target;  // empty: no request line was read
  int version_minor = 1;
  int status = 0;
  std::optional<std::uint64_t> body_bytes;
  std::string_view referer, user_agent;
  std::optional<std::int64_t> micros;
  std::string_view error;  // empty: none
};

class AccessLog {
 public:
  // "-" is stdout. Returns null and prints why if the file cannot be opened.
  static AccessLog* open(const std::string& path);
  ~AccessLog();
  void append(const AccessRecord& record);

 private:
  explicit AccessLog(FILE* file, bool owned);
  void run();

  FILE* file_;
  bool owned_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;
  bool stopping_ = false;
  std::time_t date_second_ = 0;  // the second date_ shows
  char date_[32] = {};
  std::thread writer_;
};

}  // namespace wirestate::sample
