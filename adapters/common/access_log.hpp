#pragma once
// An access log that never writes from an event loop: loops append lines to a
// shared buffer; a thread of its own writes them out every 200 ms and at stop.
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace wirestate::adapters {

class AccessLog {
 public:
  // "-" is stdout. Returns null and prints why if the file cannot be opened.
  static AccessLog* open(const std::string& path);
  ~AccessLog();
  void append(std::string_view line);

 private:
  explicit AccessLog(FILE* file, bool owned);
  void run();

  FILE* file_;
  bool owned_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace wirestate::adapters
