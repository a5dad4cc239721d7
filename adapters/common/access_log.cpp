#include "access_log.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>

namespace wirestate::adapters {

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

void AccessLog::append(std::string_view line) {
  std::lock_guard lock(mutex_);
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

}  // namespace wirestate::adapters
