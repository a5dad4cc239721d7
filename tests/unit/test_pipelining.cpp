// Pipelining: many requests per read, responses strictly in order, a bound
// on how far parsing runs ahead.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

namespace {
std::string requests(int n, int first = 0) {
  std::string s;
  for (int i = first; i < first + n; ++i)
    s += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  return s;
}
std::string responses(int n, int first = 0) {
  std::string s;
  for (int i = first; i < first + n; ++i) s += ok_response("GET /" + std::to_string(i) + " ");
  return s;
}
}  // namespace

TEST_CASE("pipelined requests in one read get responses in order, batched in one write") {
  const std::string input = requests(10);
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    rt.feed(input, how);
    CHECK(rt.app.seen.size() == 10);
    CHECK(rt.take_output() == responses(10));
  });

  Runtime rt;
  std::span<char> buf = rt.conn.read_buffer();
  std::copy(input.begin(), input.end(), buf.begin());
  rt.conn.commit_read(input.size(), rt.now);
  WriteOp op = rt.conn.next_write();
  REQUIRE(op.kind == WriteOp::write);
  CHECK(op.iovecs.size() == 1);  // ten small responses, contiguous in one block
  CHECK(op.iovecs[0].len == responses(10).size());
}

TEST_CASE("responses finished out of order still go out in request order") {
  Runtime rt;
  std::vector<Exchange> held;
  rt.app.request_fn = [&](Exchange& e) { held.push_back(e); };
  rt.feed(requests(3));
  REQUIRE(held.size() == 3);
  CHECK_FALSE(held[2].respond(200, {{"Content-Type", "text/plain"}}, "GET /2 "));
  CHECK_FALSE(held[1].respond(200, {{"Content-Type", "text/plain"}}, "GET /1 "));
  rt.pump();
  CHECK(rt.output.empty());  // the first response holds the line
  CHECK_FALSE(held[0].respond(200, {{"Content-Type", "text/plain"}}, "GET /0 "));
  rt.pump();
  CHECK(rt.take_output() == responses(3));
}

TEST_CASE("parsing stops after max_pipelined_requests unanswered requests") {
  Config c = plain_config();
  c.max_pipelined_requests = 4;
  Runtime rt(c);
  std::vector<Exchange> held;
  rt.app.request_fn = [&](Exchange& e) { held.push_back(e); };
  rt.feed(requests(10));
  CHECK(held.size() == 4);
  // Answering one lets one more in.
  CHECK_FALSE(held[0].respond(200, {{"Content-Type", "text/plain"}}, "GET /0 "));
  rt.pump();
  CHECK(held.size() == 5);
  for (std::size_t i = 1; i < 10; ++i) {
    CHECK_FALSE(held[i].respond(200, {{"Content-Type", "text/plain"}}, "GET /" + std::to_string(i) + " "));
    rt.pump();
  }
  CHECK(held.size() == 10);
  CHECK(rt.take_output() == responses(10));
}

TEST_CASE("a pipelined request after a body is parsed only once the body is consumed") {
  const std::string input =
      "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
      "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
  for_each_split(input, [&](Runtime& rt, Feeding how) {
    rt.feed(input, how);
    REQUIRE(rt.app.seen.size() == 2);
    CHECK(rt.take_output() == ok_response("POST /a abc") + ok_response("GET /b "));
  });
}

TEST_CASE("with one request allowed in flight, each write's report lets the next one in, in the same call") {
  // No extra call may be needed to move on: after commit_read, writing
  // until next_write() has nothing must answer every request of the read.
  Config c = plain_config();
  c.max_pipelined_requests = 1;
  Runtime rt(c);
  const std::string input = requests(3);
  std::span<char> buf = rt.conn.read_buffer();
  std::copy(input.begin(), input.end(), buf.begin());
  rt.conn.commit_read(input.size(), rt.now);
  CHECK(rt.app.seen.size() == 1);
  std::string out;
  for (WriteOp op = rt.conn.next_write(); op.kind == WriteOp::write; op = rt.conn.next_write()) {
    std::size_t n = 0;
    for (const IoVec& v : op.iovecs) {
      out.append(static_cast<const char*>(v.base), v.len);
      n += v.len;
    }
    rt.conn.wrote(n, rt.now);
  }
  CHECK(rt.app.seen.size() == 3);
  CHECK(out == responses(3));
}
