#pragma once
// The in-memory runtime for the client role: plays the adapter, and through
// Recorder, the application. Server bytes are scripted by each test.
#include <functional>
#include <string>
#include <vector>

#include "runtime.hpp"
#include "wirestate/wirestate.hpp"

namespace wstest {

// What one request's handler saw. By default it reads every body to the end.
struct Recorder : ResponseHandler {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers, trailers;
  std::vector<int> informational;
  std::string body;
  bool body_complete = false, ended = false;
  std::error_code end_error;
  bool auto_read = true;
  std::function<void(ClientExchange&)> response_fn;

  void on_informational(ClientExchange&, int s, Headers) noexcept override { informational.push_back(s); }
  void on_response(ClientExchange& ex) noexcept override {
    status = ex.response().status;
    reason = ex.response().reason;
    for (const Header& h : ex.response().headers) headers.emplace_back(h.name, h.value);
    if (response_fn) response_fn(ex);
    if (auto_read) CHECK_FALSE(ex.read_body());
  }
  void on_body(ClientExchange& ex, std::string_view data) noexcept override {
    body.append(data);
    if (auto_read) CHECK_FALSE(ex.read_body());
  }
  void on_body_end(ClientExchange& ex) noexcept override {
    body_complete = true;
    for (const Header& h : ex.response().trailers) trailers.emplace_back(h.name, h.value);
  }
  void on_exchange_end(ClientExchange&, std::error_code ec) noexcept override {
    ended = true;
    end_error = ec;
  }
};

struct ClientRuntime {
  explicit ClientRuntime(Config c = plain_config()) : config(c), conn(config, now) {}

  // Server bytes, in reads cut as `how` says; writes are drained after each.
  void feed(std::string_view bytes, Feeding how = {}) {
    const std::size_t first = std::min(how.first, bytes.size());
    feed_chunked(bytes.substr(0, first), first);
    feed_chunked(bytes.substr(first), how.chunk);
  }
  void feed_chunked(std::string_view bytes, std::size_t chunk) {
    while (!bytes.empty()) {
      pump();
      if (conn.next_read() != ReadOp::read) break;
      std::span<char> buf = conn.read_buffer();
      const std::size_t n = std::min({buf.size(), chunk, bytes.size()});
      std::copy_n(bytes.data(), n, buf.data());
      bytes.remove_prefix(n);
      conn.commit_read(n, now);
    }
    pump();
  }
  void pump() {
    while (!write_closed) {
      const WriteOp op = conn.next_write();
      if (op.kind == WriteOp::close) write_closed = true;
      if (op.kind != WriteOp::write) break;
      std::size_t n = 0;
      for (const IoVec& v : op.iovecs) sent.append(static_cast<const char*>(v.base), v.len), n += v.len;
      conn.wrote(n, now);
    }
  }
  void eof() {
    conn.read_eof(now);
    pump();
  }
  void advance(Duration d) {
    now += d;
    if (auto t = conn.deadline(); t && *t <= now) conn.on_deadline(now);
    pump();
  }
  std::string take_sent() {
    std::string s;
    s.swap(sent);
    return s;
  }

  Config config;
  Time now{};
  ClientConnection conn;
  std::string sent;
  bool write_closed = false;
};

// Runs `check` on a fresh runtime for every way of cutting `input` into reads.
inline void for_each_client_split(std::string_view input,
                                  const std::function<void(ClientRuntime&, Feeding)>& check) {
  std::vector<Feeding> ways{{SIZE_MAX, SIZE_MAX}, {1, 1}};
  for (std::size_t split = 1; split < input.size(); ++split) ways.push_back({split, SIZE_MAX});
  for (const Feeding& how : ways) {
    ClientRuntime rt;
    INFO("first read " << how.first << " bytes, then " << how.chunk);
    check(rt, how);
  }
}

}  // namespace wstest
