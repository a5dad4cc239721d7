// Backpressure both ways: a slow reader of the request body stops the reads;
// a slow peer stops the app's writes.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

TEST_CASE("an app that does not read the body stops input once the read buffer is full") {
  Config c = plain_config();
  c.read_buffer_bytes = 1024;
  c.max_body_bytes = 1 << 20;
  Runtime rt(c);
  Exchange ex;
  rt.app.request_fn = [&](Exchange& e) { ex = e; };
  rt.app.body_fn = [&](Exchange&, std::string_view) {};  // takes one piece, asks for no more
  const std::string head = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n";
  const std::string body(100000, 'b');
  const std::size_t taken = rt.feed(head + body);
  CHECK(taken < head.size() + 2 * c.read_buffer_bytes);
  CHECK(rt.conn.next_read() == ReadOp::yield);
  CHECK_FALSE(rt.read_closed);

  // Reading resumes as the app asks for more, and everything arrives.
  std::size_t offered = taken;
  for (int i = 0; i < 10000 && !rt.app.seen[0].body_complete; ++i) {
    CHECK_FALSE(ex.read_body());
    offered += rt.feed(std::string_view(head + body).substr(offered));
  }
  CHECK(rt.app.seen[0].body == body);
  CHECK(offered == head.size() + body.size());
}

TEST_CASE("writes past the high watermark ask the app to wait - on_writable follows the drain") {
  Config c = plain_config();
  c.write_high_watermark_bytes = 8192;
  c.write_low_watermark_bytes = 2048;
  Runtime rt(c);
  Exchange ex;
  int writable = 0;
  rt.app.request_fn = [&](Exchange& e) {
    ex = e;
    CHECK_FALSE(e.respond_streaming(200, {{"Content-Length", "100000"}}));
  };
  rt.app.writable_fn = [&](Exchange&) { ++writable; };
  // Do not drain: write straight into the connection.
  std::span<char> buf = rt.conn.read_buffer();
  const std::string get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  std::copy(get.begin(), get.end(), buf.begin());
  rt.conn.commit_read(get.size(), rt.now);
  REQUIRE_FALSE(ex.ended());
  const std::string piece(1000, 'p');
  int accepted = 0;
  WriteResult r;
  do {
    r = ex.write(piece);
    REQUIRE(r);
    ++accepted;
  } while (!r.wait && accepted < 100);
  CHECK(r.wait);
  CHECK(accepted == 9);  // 8192 of head + body passed after the ninth piece
  CHECK(writable == 0);
  // The peer takes a little: still above the low watermark, no callback.
  WriteOp op = rt.conn.next_write();
  REQUIRE(op.kind == WriteOp::write);
  rt.conn.wrote(4000, rt.now);
  CHECK(writable == 0);
  rt.pump();
  CHECK(writable == 1);
}

TEST_CASE("borrowed buffers go out without a copy and are released once written") {
  Runtime rt;
  static const std::string big(100000, 'B');
  int released = 0;
  Release release{[](void* ctx) { ++*static_cast<int*>(ctx); }, &released};
  rt.app.request_fn = [&](Exchange& e) {
    CHECK_FALSE(e.respond_streaming(200, {}));
    CHECK(e.write_borrowed(big, release));
    CHECK_FALSE(e.end());
  };
  std::span<char> buf = rt.conn.read_buffer();
  const std::string get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
  std::copy(get.begin(), get.end(), buf.begin());
  rt.conn.commit_read(get.size(), rt.now);
  WriteOp op = rt.conn.next_write();
  REQUIRE(op.kind == WriteOp::write);
  bool points_into_app_memory = false;
  for (const IoVec& v : op.iovecs) points_into_app_memory |= v.base == big.data();
  CHECK(points_into_app_memory);
  CHECK(released == 0);
  rt.conn.wrote(op.token, 0, rt.now);  // handed back unwritten: still not released
  CHECK(released == 0);
  rt.pump();
  CHECK(released == 1);
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n186a0\r\n" + big +
                                "\r\n0\r\n\r\n");
}

TEST_CASE("borrowed buffers of a HEAD response are released without being sent") {
  Runtime rt;
  static const std::string big(5000, 'B');
  int released = 0;
  Release release{[](void* ctx) { ++*static_cast<int*>(ctx); }, &released};
  rt.app.request_fn = [&](Exchange& e) {
    CHECK_FALSE(e.respond_streaming(200, {{"Content-Length", "5000"}}));
    CHECK(e.write_borrowed(big, release));
    CHECK_FALSE(e.end());
  };
  rt.feed("HEAD / HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(released == 1);
  CHECK(rt.take_output() == "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
}
