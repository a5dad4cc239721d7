// fuzz_chunked: round trips through wirestate's chunked framing.
//
// Encode: the fuzzer's pieces are written to a streamed response (copied or
// borrowed, with trailers); llhttp's response parser must read back exactly
// the pieces' bytes. Decode: the same pieces, framed as a chunked request
// (with extensions) and delivered in fuzzer-chosen read sizes, must reach the
// application as exactly those bytes.
#include <fuzzer/FuzzedDataProvider.h>
#include <llhttp.h>

#include <cstring>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "wirestate/wirestate.hpp"

using namespace wirestate;


namespace {

struct Collect final : Handler {
  std::vector<std::string> pieces;  // to send
  std::vector<bool> borrowed;
  std::string received;
  bool body_ended = false;
  bool respond_on_request = true;
  std::string trailers_seen;

  void on_request(Exchange& ex) override {
    if (!respond_on_request) return ex.read_body();
    ex.respond_streaming(200, {});
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      if (borrowed[i]) ex.write_borrowed(pieces[i], {});
      else ex.write(pieces[i]);
    }
    const Header trailers[] = {{"Checksum", "abc"}};
    ex.end(trailers);
  }
  void on_body(Exchange& ex, std::string_view data) override {
    received.append(data);
    ex.read_body();
  }
  void on_body_end(Exchange& ex) override {
    body_ended = true;
    for (const Header& h : ex.request().trailers) trailers_seen.append(h.name).append("=").append(h.value);
    ex.respond(204, {});
  }
};

std::string drain(ServerConnection& conn, Time now) {
  std::string out;
  for (int i = 0; i < 100000; ++i) {
    const WriteOp op = conn.next_write();
    if (op.kind != WriteOp::write) break;
    std::size_t n = 0;
    for (const IoVec& v : op.iovecs) out.append(static_cast<const char*>(v.base), v.len), n += v.len;
    conn.wrote(n, now);
  }
  return out;
}

struct BodyReader {
  std::string body;
  bool complete = false;
  static int on_body(llhttp_t* p, const char* at, std::size_t n) {
    static_cast<BodyReader*>(p->data)->body.append(at, n);
    return 0;
  }
  static int on_complete(llhttp_t* p) {
    static_cast<BodyReader*>(p->data)->complete = true;
    return 0;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Collect app;
  std::string all;
  const int count = in.ConsumeIntegralInRange<int>(0, 20);
  for (int i = 0; i < count; ++i) {
    app.pieces.push_back(in.ConsumeRandomLengthString(5000));
    app.borrowed.push_back(in.ConsumeBool());
    all += app.pieces.back();
  }
  Config config;
  config.output_block_bytes = in.ConsumeIntegralInRange<std::size_t>(16, 4096);
  config.read_buffer_bytes = in.ConsumeIntegralInRange<std::size_t>(16, 4096);
  config.max_body_bytes = UINT64_MAX;
  FreeListPool pool;
  if (in.ConsumeBool()) config.buffers = &pool;
  Time now{};

  {  // Encode.
    ServerConnection conn(config, app, now);
    const std::string_view get = "GET / HTTP/1.1\r\nHost: f\r\n\r\n";
    std::memcpy(conn.read_buffer().data(), get.data(), std::min(get.size(), conn.read_buffer().size()));
    if (get.size() <= config.read_buffer_bytes) {
      conn.commit_read(get.size(), now);
      const std::string out = drain(conn, now);
      llhttp_settings_t s;
      llhttp_settings_init(&s);
      s.on_body = BodyReader::on_body;
      s.on_message_complete = BodyReader::on_complete;
      llhttp_t p;
      llhttp_init(&p, HTTP_RESPONSE, &s);
      BodyReader reader;
      p.data = &reader;
      CHECK_OR_TRAP(llhttp_execute(&p, out.data(), out.size()) == HPE_OK);
      CHECK_OR_TRAP(reader.complete);
      CHECK_OR_TRAP(reader.body == all);
    }
  }

  {  // Decode.
    std::string request = "POST / HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n";
    char size_text[32];
    for (const std::string& piece : app.pieces) {
      if (piece.empty()) continue;  // an empty chunk would end the body
      std::snprintf(size_text, sizeof size_text, "%zx", piece.size());
      request += size_text;
      if (piece.size() % 3 == 0) request += ";ext=1";
      request += "\r\n" + piece + "\r\n";
    }
    request += "0\r\nChecksum: abc\r\n\r\n";
    app.respond_on_request = false;
    ServerConnection conn(config, app, now);
    std::size_t at = 0;
    for (int guard = 0; at < request.size() && guard < 1000000; ++guard) {
      if (conn.next_read() != ReadOp::read) break;
      std::span<char> buf = conn.read_buffer();
      const std::size_t n = std::min({buf.size(), request.size() - at,
                                      in.ConsumeIntegralInRange<std::size_t>(1, 4096)});
      std::memcpy(buf.data(), request.data() + at, n);
      at += n;
      conn.commit_read(n, now);
      drain(conn, now);
    }
    CHECK_OR_TRAP(at == request.size());
    CHECK_OR_TRAP(app.body_ended);
    CHECK_OR_TRAP(app.received == all);
    CHECK_OR_TRAP(app.trailers_seen == "Checksum=abc");
  }
  return 0;
}
