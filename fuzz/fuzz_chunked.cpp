// fuzz_chunked: round trips through wirestate's chunked framing.
//
// Encode: the fuzzer's pieces are written to a streamed response (copied,
// borrowed, or as a chunk with an extension whose value the fuzzer picks,
// with trailers); llhttp's response parser must read back exactly the
// pieces' bytes and every extension value that was accepted. Decode: the
// same pieces, framed as a chunked request (with those extensions, quoted)
// and delivered in fuzzer-chosen read sizes, must reach the application as
// exactly those bytes, each piece with its chunk's extension.
#include <fuzzer/FuzzedDataProvider.h>
#include <llhttp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
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
  std::vector<std::string> extension;  // a value for piece i's chunk, or ""
  std::string extensions_sent;         // values accepted, each followed by '|'
  // Decoding: where each chunk ends in the body, and its extension value.
  std::vector<std::pair<std::size_t, std::string>> chunks;
  std::string received;
  bool body_ended = false;
  bool respond_on_request = true;
  std::string trailers_seen;

  void on_request(Exchange& ex) override {
    if (!respond_on_request) return ex.read_body();
    ex.respond_streaming(200, {});
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      if (!extension[i].empty() && !pieces[i].empty()) {
        const Header ext[] = {{"x", extension[i]}};
        const WriteResult r = ex.write_chunk(pieces[i], ext);
        if (!r.error) {
          extensions_sent += extension[i] + "|";
          continue;
        }
        CHECK_OR_TRAP(r.error == Error::invalid_chunk_extension || r.error == Error::chunk_extension_too_large);
      }
      if (borrowed[i]) ex.write_borrowed(pieces[i], {});
      else ex.write(pieces[i]);
    }
    const Header trailers[] = {{"Checksum", "abc"}};
    ex.end(trailers);
  }
  void on_body(Exchange& ex, std::string_view data) override {
    // Each piece lies within one chunk and sees that chunk's extension.
    const std::size_t at = received.size();
    std::size_t i = 0;
    while (i < chunks.size() && chunks[i].first <= at) ++i;
    CHECK_OR_TRAP(i < chunks.size() && at + data.size() <= chunks[i].first);
    const Headers ext = ex.chunk_extensions();
    static const bool trace = std::getenv("WIRESTATE_FUZZ_TRACE") != nullptr;
    if (trace) std::fprintf(stderr, "piece at %zu size %zu chunk %zu: got %zu ext [%.*s] want [%s]\n", at, data.size(), i, ext.size(), ext.empty() ? 0 : int(ext[0].value.size()), ext.empty() ? "" : ext[0].value.data(), chunks[i].second.c_str());
    CHECK_OR_TRAP((ext.empty() ? std::string_view() : ext[0].value) == chunks[i].second);
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
  std::string extensions;  // values, quotes removed, each followed by '|'
  bool complete = false;
  std::string value;
  static int on_extension_value(llhttp_t* p, const char* at, std::size_t n) {
    static_cast<BodyReader*>(p->data)->value.append(at, n);
    return 0;
  }
  static int on_extension_value_complete(llhttp_t* p) {
    BodyReader& r = *static_cast<BodyReader*>(p->data);
    std::string_view v = r.value;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    r.extensions.append(v).append("|");
    r.value.clear();
    return 0;
  }
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
    app.extension.push_back(in.ConsumeBool() ? in.ConsumeRandomLengthString(40) : std::string());
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
      s.on_chunk_extension_value = BodyReader::on_extension_value;
      s.on_chunk_extension_value_complete = BodyReader::on_extension_value_complete;
      llhttp_t p;
      llhttp_init(&p, HTTP_RESPONSE, &s);
      BodyReader reader;
      p.data = &reader;
      CHECK_OR_TRAP(llhttp_execute(&p, out.data(), out.size()) == HPE_OK);
      CHECK_OR_TRAP(reader.complete);
      CHECK_OR_TRAP(reader.body == all);
      CHECK_OR_TRAP(reader.extensions == app.extensions_sent);
    }
  }

  {  // Decode.
    std::string request = "POST / HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n";
    char size_text[32];
    std::size_t end = 0;
    for (std::size_t i = 0; i < app.pieces.size(); ++i) {
      const std::string& piece = app.pieces[i];
      if (piece.empty()) continue;  // an empty chunk would end the body
      std::snprintf(size_text, sizeof size_text, "%zx", piece.size());
      request += size_text;
      // The values the encoder accepted are the ones a parser must take.
      const std::string& v = app.extension[i];
      const bool quotable = !v.empty() && v.find_first_of("\"\\\x7f") == std::string::npos &&
                            std::none_of(v.begin(), v.end(), [](char c) {
                              return static_cast<unsigned char>(c) < 0x20 && c != '\t';
                            });
      if (quotable && v.size() + 1 <= config.max_chunk_extension_bytes) request += ";x=\"" + v + "\"";
      end += piece.size();
      app.chunks.emplace_back(end, quotable ? v : std::string());
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
