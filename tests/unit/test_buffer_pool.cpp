// Lent buffers: with a BufferPool, an idle connection gives its read buffer,
// output blocks and iovec array back.
#include <catch2/catch.hpp>

#include "runtime.hpp"

using namespace wstest;

namespace {

// Counts what is out of the pool at any moment.
class CountingPool final : public BufferPool {
 public:
  char* acquire(std::size_t bytes) noexcept override {
    lent += bytes;
    ++acquisitions;
    return inner.acquire(bytes);
  }
  void release(char* buffer, std::size_t bytes) noexcept override {
    lent -= bytes;
    inner.release(buffer, bytes);
  }
  FreeListPool inner;
  std::size_t lent = 0, acquisitions = 0;
};

}  // namespace

TEST_CASE("an idle server connection holds no buffer from its pool") {
  CountingPool pool;
  Config config = plain_config();
  config.buffers = &pool;
  Runtime rt(config);
  CHECK(pool.lent == 0);  // nothing until bytes arrive
  rt.feed("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  CHECK(rt.take_output() == ok_response("GET /a "));
  CHECK(pool.lent == 0);  // answered and written: everything went back

  // A head cut between reads is in the exchange's storage already: between
  // the reads the connection holds its parser (from the thread's pool of
  // parsers), not the read buffer.
  rt.feed("GET /b HTTP/1.1\r\nHo");
  CHECK(pool.lent == 0);
  rt.feed("st: h\r\n\r\n");
  CHECK(rt.take_output() == ok_response("GET /b "));
  CHECK(pool.lent == 0);

  // A response still queued keeps its block and the iovecs.
  Exchange held;
  rt.app.request_fn = [&](Exchange& e) {
    held = e;
    CHECK_FALSE(e.respond(200, {}, "late"));
  };
  std::span<char> buf = rt.conn.read_buffer();
  const std::string get = "GET /c HTTP/1.1\r\nHost: h\r\n\r\n";
  std::copy(get.begin(), get.end(), buf.begin());
  rt.conn.commit_read(get.size(), rt.now);
  const WriteOp op = rt.conn.next_write();
  REQUIRE(op.kind == WriteOp::write);
  CHECK(pool.lent >= config.output_block_bytes);
  rt.conn.wrote(op.token, 0, rt.now);  // handed back unwritten
  CHECK(pool.lent >= config.output_block_bytes);
  rt.pump();
  CHECK(pool.lent == 0);
}

TEST_CASE("an idle client connection holds no buffer from its pool") {
  CountingPool pool;
  Config config = plain_config();
  config.buffers = &pool;
  Time now{};
  ClientConnection conn(config, now);
  struct Reader : ResponseHandler {
    std::string body;
    void on_response(ClientExchange& ex) noexcept override { CHECK_FALSE(ex.read_body()); }
    void on_body(ClientExchange& ex, std::string_view d) noexcept override {
      body.append(d);
      CHECK_FALSE(ex.read_body());
    }
  } reader;
  CHECK_FALSE(conn.send(reader, "GET", "/", {{"Host", "h"}}).error);
  for (WriteOp op = conn.next_write(); op.kind == WriteOp::write; op = conn.next_write()) {
    std::size_t n = 0;
    for (const IoVec& v : op.iovecs) n += v.len;
    conn.wrote(n, now);
  }
  const std::string_view reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  std::span<char> buf = conn.read_buffer();
  std::copy(reply.begin(), reply.end(), buf.begin());
  conn.commit_read(reply.size(), now);
  CHECK(reader.body == "ok");
  CHECK(conn.is_idle());
  CHECK(pool.lent == 0);
}

TEST_CASE("a read buffer handed out stays lent until the adapter takes it back") {
  // A completion loop (io_uring) keeps a read in flight into read_buffer()
  // while it drives the write side and the timers: the connection must not
  // give that memory to its pool meanwhile.
  CountingPool pool;
  Config config = plain_config();
  config.buffers = &pool;
  Runtime rt(config);
  rt.feed("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  rt.take_output();
  REQUIRE(pool.lent == 0);
  const std::span<char> buf = rt.conn.read_buffer();  // a recv is submitted into it
  CHECK(pool.lent == config.read_buffer_bytes);
  CHECK(rt.conn.next_write().kind == WriteOp::yield);
  rt.now += 1s;
  rt.conn.on_deadline(rt.now);
  CHECK(pool.lent == config.read_buffer_bytes);
  SECTION("the read completes with nothing") {
    rt.conn.commit_read(0, rt.now);
    CHECK(pool.lent == 0);
  }
  SECTION("the read completes with a request") {
    const std::string get = "GET /b HTTP/1.1\r\nHost: h\r\n\r\n";
    std::copy(get.begin(), get.end(), buf.begin());
    rt.conn.commit_read(get.size(), rt.now);
    rt.pump();
    CHECK(rt.take_output() == ok_response("GET /b "));
    CHECK(pool.lent == 0);
  }
}

TEST_CASE("FreeListPool hands back what it was given, by size, up to its cap") {
  FreeListPool pool(3 * 4096);
  char* a = pool.acquire(4096);
  char* b = pool.acquire(4096);
  char* small = pool.acquire(512);
  REQUIRE(a != b);
  REQUIRE(pool.free_bytes() == 0);

  pool.release(a, 4096);
  pool.release(small, 512);
  CHECK(pool.free_bytes() == 4096 + 512);
  // Each size has its own list; the last buffer given back comes out first.
  CHECK(pool.acquire(512) == small);
  CHECK(pool.acquire(4096) == a);
  CHECK(pool.free_bytes() == 0);

  // A size this pool never handed out (from another FreeListPool, which
  // allocates the same way) is kept too.
  FreeListPool other;
  char* odd = other.acquire(1000);
  pool.release(odd, 1000);
  CHECK(pool.free_bytes() == 1000);
  CHECK(pool.acquire(1000) == odd);

  // Past the cap, a released buffer is freed, not kept.
  pool.release(a, 4096);
  pool.release(b, 4096);
  pool.release(odd, 1000);  // 9,192 of 12,288
  char* c = pool.acquire(4096);  // b, the last one given back
  CHECK(c == b);
  char* d = pool.acquire(4096);
  CHECK(d == a);
  char* e = pool.acquire(4096);  // the list is empty: a new one
  CHECK(pool.free_bytes() == 1000);
  pool.release(c, 4096);
  pool.release(d, 4096);
  CHECK(pool.free_bytes() == 1000 + 2 * 4096);
  pool.release(e, 4096);  // would make 13,288: freed
  CHECK(pool.free_bytes() == 1000 + 2 * 4096);
  pool.release(small, 512);
  CHECK(pool.free_bytes() == 1000 + 2 * 4096 + 512);
}
