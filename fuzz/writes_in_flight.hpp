#pragma once
// Plays a completion adapter for either connection role: hands out up to
// Config::max_writes_in_flight writes, reports them in order, some short
// (after which the later ones come back with 0, as a cancelled link chain
// does). Every write's bytes are copied when it is handed out and compared
// when it is reported: memory that moved or was reused under a write in
// flight traps.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "wirestate/io.hpp"
#include "wirestate/time.hpp"

namespace wirestate::fuzz {

class WritesInFlight {
 public:
  // Takes writes until the connection yields or closes. Returns false once
  // it said close (which it may only say with nothing in flight).
  template <class Connection>
  bool take(Connection& conn, std::size_t limit) {
    while (flights_.size() < limit) {
      const WriteOp op = conn.next_write();
      if (op.kind == WriteOp::close) {
        CHECK_OR_TRAP(flights_.empty());
        return false;
      }
      if (op.kind == WriteOp::yield) break;
      Flight f{op.token, {}, {op.iovecs.begin(), op.iovecs.end()}};
      for (const IoVec& v : op.iovecs) {
        CHECK_OR_TRAP(v.len > 0);
        f.bytes.append(static_cast<const char*>(v.base), v.len);
      }
      flights_.push_back(std::move(f));
    }
    return true;
  }

  // Reports the oldest writes; `write` receives the bytes that went out.
  template <class Connection, class Sink>
  void report(Connection& conn, FuzzedDataProvider& in, Time now, std::size_t count, Sink&& write) {
    for (std::size_t i = 0; i < count && !flights_.empty(); ++i) {
      Flight f = std::move(flights_.front());
      flights_.pop_front();
      std::size_t offset = 0;
      for (const IoVec& v : f.iovecs) {  // still what was handed out
        CHECK_OR_TRAP(std::memcmp(v.base, f.bytes.data() + offset, v.len) == 0);
        offset += v.len;
      }
      std::size_t n = cancelled_ ? 0 : f.bytes.size();
      if (!cancelled_ && in.ConsumeBool()) n = in.ConsumeIntegralInRange<std::size_t>(0, f.bytes.size());
      write(f.bytes.data(), n);
      if (n < f.bytes.size()) cancelled_ = true;
      if (flights_.empty()) cancelled_ = false;
      conn.wrote(f.token, n, now);
    }
  }

  // The adapter gave up on the socket: nothing in flight is reported.
  void forget() {
    flights_.clear();
    cancelled_ = false;
  }
  bool empty() const { return flights_.empty(); }

 private:
  struct Flight {
    WriteToken token;
    std::string bytes;
    std::vector<IoVec> iovecs;
  };
  std::deque<Flight> flights_;
  bool cancelled_ = false;  // a short report came; the rest return 0
};

}  // namespace wirestate::fuzz
