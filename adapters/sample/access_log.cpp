#include "access_log.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>

namespace wirestate::sample {

AccessLog* AccessLog::open(const std::string& path) {
  if (path == "-") return new AccessLog(stdout, false);
  FILE* f = std::fopen(path.c_str(), "a");
  if (!f) {
    std::fprintf(stderr, "cannot open access log '%s': %s\n", path.c_str(), std::strerror(errno));
    return nullptr;
  }
  return new AccessLog(f, true);
}

AccessLog::AccessLog(FILE* file, bool owned) : file_(file), owned_(owned), writer_([this] { run(); }) {}

AccessLog::~AccessLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  writer_.join();
  if (owned_) std::fclose(file_);
}

namespace {

void append_quoted(std::string& line, std::string_view value) {
  line += '"';
  if (value.empty()) line += '-';
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
      line += escaped;
    } else {
      line += ch;
    }
  }
  line += '"';
}

template <class T>
void append_number(std::string& line, const std::optional<T>& n) {
  if (n) line += std::to_string(*n);
  else line += '-';
}

}  // namespace

void AccessLog::append(const AccessRecord& r) {
  std::string line;
  line.reserve(160);
  line.append(r.client.empty() ? "-" : r.client).append(" - - [");
  const std::size_t date_at = line.size();
  line.append("] ");
  if (r.method.empty()) {
    line += "\"-\"";
  } else {
    std::string request;
    request.append(r.method).append(" ").append(r.target).append(r.version_minor == 0 ? " HTTP/1.0" : " HTTP/1.1");
    append_quoted(line, request);
  }
  line.append(" ").append(std::to_string(r.status)).append(" ");
  append_number(line, r.body_bytes);
  line += ' ';
  append_quoted(line, r.referer);
  line += ' ';
  append_quoted(line, r.user_agent);
  line += ' ';
  append_number(line, r.micros);
  if (!r.error.empty()) {
    line += ' ';
    append_quoted(line, r.error);
  }
  line += '\n';

  std::lock_guard lock(mutex_);
  // The date changes once a second; it is formatted then, not per line.
  const std::time_t now = std::time(nullptr);
  if (now != date_second_) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::strftime(date_, sizeof date_, "%d/%b/%Y:%H:%M:%S +0000", &utc);
    date_second_ = now;
  }
  line.insert(date_at, date_);
  // Past 16 MiB unwritten the log is falling behind: drop rather than grow.
  if (pending_.size() < (16u << 20)) pending_.append(line);
}

void AccessLog::run() {
  std::string batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; });
    batch.swap(pending_);
    const bool stop = stopping_;
    lock.unlock();
    if (!batch.empty()) {
      std::fwrite(batch.data(), 1, batch.size(), file_);
      std::fflush(file_);
      batch.clear();
    }
    if (stop) return;
    lock.lock();
  }
}

}  // namespace wirestate::sample
