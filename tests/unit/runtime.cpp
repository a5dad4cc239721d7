#include "runtime.hpp"

#include <algorithm>
#include <cstring>

#include <catch2/catch.hpp>

namespace wstest {

void TestApp::respond_default(Exchange& ex) {
  const Request& r = ex.request();
  std::string body = std::string(r.method) + " " + std::string(r.target) + " " + of(ex).body;
  CHECK_FALSE(ex.respond(200, {{"Content-Type", "text/plain"}}, body));
}

void TestApp::on_request(Exchange& ex) noexcept {
  Seen& s = seen.emplace_back();
  REQUIRE_FALSE(ex.set_user_data(&s));
  const Request& r = ex.request();
  s.method = r.method;
  s.target = r.target;
  s.path = r.path;
  s.query = r.query;
  s.authority = r.authority;
  for (const Header& h : r.headers) s.headers.emplace_back(h.name, h.value);
  s.expects_continue = r.expects_continue;
  s.keep_alive = r.keep_alive;
  if (request_fn) return request_fn(ex);
  if (r.has_body()) CHECK_FALSE(ex.read_body());
  else respond_default(ex);
}

void TestApp::on_body(Exchange& ex, std::string_view data) noexcept {
  of(ex).body.append(data);
  if (body_fn) return body_fn(ex, data);
  CHECK_FALSE(ex.read_body());
}

void TestApp::on_body_end(Exchange& ex) noexcept {
  Seen& s = of(ex);
  s.body_complete = true;
  for (const Header& h : ex.request().trailers) s.trailers.emplace_back(h.name, h.value);
  if (body_end_fn) return body_end_fn(ex);
  if (!ex.response_started()) respond_default(ex);
}

void TestApp::on_writable(Exchange& ex) noexcept {
  if (writable_fn) writable_fn(ex);
}

void TestApp::on_exchange_end(Exchange& ex, std::error_code ec) noexcept {
  Seen& s = of(ex);
  s.ended = true;
  s.end_error = ec;
  if (end_fn) end_fn(ex, ec);
}

void TestApp::on_request_refused(const RefusedRequest& r) noexcept {
  refused.push_back({r.error, r.status, std::string(r.method), std::string(r.target), std::string(r.detail)});
}

void TestApp::on_error_response(const RefusedRequest& r, ErrorResponse& response) noexcept {
  if (error_response_fn) error_response_fn(r, response);
}

Config plain_config() {
  Config c;
  c.server_name = {};
  c.date = nullptr;
  return c;
}

Runtime::Runtime(Config c) : config(c), conn(config, app, now) {}

std::size_t Runtime::feed(std::string_view bytes, std::size_t chunk) {
  std::size_t taken = 0;
  while (taken < bytes.size()) {
    const ReadOp op = conn.next_read();
    if (op == ReadOp::close) read_closed = true;
    if (op != ReadOp::read) break;
    std::span<char> dst = conn.read_buffer();
    const std::size_t n = std::min({dst.size(), chunk, bytes.size() - taken});
    std::memcpy(dst.data(), bytes.data() + taken, n);
    taken += n;
    conn.commit_read(n, now);
    pump();
  }
  pump();
  if (conn.next_read() == ReadOp::close) read_closed = true;
  return taken;
}

std::size_t Runtime::feed(std::string_view bytes, Feeding how) {
  const std::size_t first = std::min(how.first, bytes.size());
  std::size_t taken = feed(bytes.substr(0, first), first);
  if (taken == first) taken += feed(bytes.substr(first), how.chunk);
  return taken;
}

void Runtime::pump() {
  while (!write_closed) {
    const WriteOp op = conn.next_write();
    if (op.kind == WriteOp::close) {
      write_closed = true;
      break;
    }
    if (op.kind == WriteOp::yield) break;
    std::size_t n = 0;
    for (const IoVec& v : op.iovecs) {
      const std::size_t take = std::min(v.len, max_write - n);
      output.append(static_cast<const char*>(v.base), take);
      n += take;
      if (n == max_write) break;
    }
    conn.wrote(n, now);
  }
}

void Runtime::eof() {
  conn.read_eof(now);
  pump();
  if (conn.next_read() == ReadOp::close) read_closed = true;
}

void Runtime::advance(Duration d) {
  now += d;
  if (auto t = conn.deadline(); t && *t <= now) conn.on_deadline(now);
  pump();
  if (conn.next_read() == ReadOp::close) read_closed = true;
}

std::string Runtime::take_output() {
  std::string out;
  out.swap(output);
  return out;
}

void for_each_split(std::string_view input,
                    const std::function<void(Runtime&, Feeding)>& feed_and_check,
                    const std::function<Config()>& make_config) {
  std::vector<Feeding> ways{{SIZE_MAX, SIZE_MAX}, {1, 1}};
  for (std::size_t split = 1; split < input.size(); ++split) ways.push_back({split, SIZE_MAX});
  for (const Feeding& how : ways) {
    Runtime rt(make_config());
    INFO("first read " << how.first << " bytes, then " << how.chunk);
    feed_and_check(rt, how);
  }
}

std::string ok_response(std::string_view body, bool close) {
  std::string r = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ";
  r += std::to_string(body.size());
  r += "\r\n";
  if (close) r += "Connection: close\r\n";
  r += "\r\n";
  r += body;
  return r;
}

void expect_rejected(const std::string& input, int status, std::string_view says,
                     const std::function<Config()>& make_config) {
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    rt.feed(input, how);
    const std::string out = rt.take_output();
    INFO(out);
    CHECK(out.starts_with("HTTP/1.1 " + std::to_string(status) + " "));
    CHECK(out.find("Connection: close\r\n") != std::string::npos);
    CHECK(out.find(says) != std::string::npos);
    // Exactly one response: nothing after the declared body.
    const auto cl_at = out.find("Content-Length: ");
    REQUIRE(cl_at != std::string::npos);
    const std::size_t body_size = std::stoul(out.substr(cl_at + 16));
    CHECK(out.size() == out.find("\r\n\r\n") + 4 + body_size);
    CHECK(rt.write_closed);
    CHECK(rt.read_closed);
    for (const Seen& s : rt.app.seen) CHECK(s.ended);
  }, make_config);
}

void expect_refused(const std::string& input, Error error, const std::function<Config()>& make_config) {
  expect_rejected(input, status_for(error), peer_reason(error), make_config);
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    rt.feed(input, how);
    INFO(rt.take_output());
    if (rt.app.seen.empty()) {
      REQUIRE(rt.app.refused.size() == 1);
      CHECK(rt.app.refused[0].error == error);
      CHECK(rt.app.refused[0].status == status_for(error));
    } else {
      CHECK(rt.app.refused.empty());
      CHECK(rt.app.seen.back().end_error == error);
    }
  }, make_config);
}

}  // namespace wstest
