// fuzz_chunked: wirestate's chunked framing, both ways.
//
// Compare: the fuzzer's bytes, as the body of a chunked request, go through
// wirestate's decoder and through llhttp's (strict); where both accept them,
// the body, the extension values and the trailers must agree. wirestate
// accepts more (BWS, quoted-pairs, several token values), so where only one
// accepts, nothing is asserted.
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

  void on_request(Exchange& ex) noexcept override {
    if (!respond_on_request) {
      CHECK_OR_TRAP(!ex.read_body());
      return;
    }
    CHECK_OR_TRAP(!ex.respond_streaming(200, {}));
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
      const WriteResult r = borrowed[i] ? ex.write_borrowed(pieces[i], {}) : ex.write(pieces[i]);
      CHECK_OR_TRAP(!r.error);
    }
    const Header trailers[] = {{"Checksum", "abc"}};
    CHECK_OR_TRAP(!ex.end(trailers));
  }
  void on_body(Exchange& ex, std::string_view data) noexcept override {
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
    CHECK_OR_TRAP(!ex.read_body());
  }
  void on_body_end(Exchange& ex) noexcept override {
    body_ended = true;
    for (const Header& h : ex.request().trailers) trailers_seen.append(h.name).append("=").append(h.value);
    if (!ex.response_started()) CHECK_OR_TRAP(!ex.respond(204, {}));
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

// One side's reading of a chunked request: the body, which extension
// values (non-empty, quotes removed, each followed by '|') each body byte
// came with, as runs, and the trailers as "name=value;".
struct Reading {
  std::string body, trailers;
  std::vector<std::pair<std::size_t, std::string>> extension_runs;  // (first body byte, values)
  bool complete = false;
  void piece(std::string_view data, const std::string& extensions) {
    if (data.empty()) return;
    if (extension_runs.empty() || extension_runs.back().second != extensions)
      extension_runs.emplace_back(body.size(), extensions);
    body.append(data);
  }
};

struct LlhttpReading : Reading {
  std::string name, value, pending_extensions, chunk_extensions;
  static LlhttpReading& of(llhttp_t* p) { return *static_cast<LlhttpReading*>(p->data); }
  static int on_body(llhttp_t* p, const char* at, std::size_t n) {
    of(p).piece({at, n}, of(p).chunk_extensions);
    return 0;
  }
  static int on_ext_value(llhttp_t* p, const char* at, std::size_t n) { return of(p).value.append(at, n), 0; }
  static int on_ext_value_complete(llhttp_t* p) {
    LlhttpReading& r = of(p);
    std::string_view v = r.value;
    if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
    if (!v.empty()) r.pending_extensions.append(v).append("|");
    r.value.clear();
    return 0;
  }
  static int on_chunk_header(llhttp_t* p) {
    LlhttpReading& r = of(p);
    r.chunk_extensions.swap(r.pending_extensions);
    r.pending_extensions.clear();
    return 0;
  }
  static int on_field(llhttp_t* p, const char* at, std::size_t n) { return of(p).name.append(at, n), 0; }
  static int on_field_value(llhttp_t* p, const char* at, std::size_t n) { return of(p).value.append(at, n), 0; }
  static int on_field_complete(llhttp_t* p) {
    LlhttpReading& r = of(p);
    while (!r.value.empty() && (r.value.back() == ' ' || r.value.back() == '\t')) r.value.pop_back();
    r.trailers += r.name + "=" + r.value + ";";
    r.name.clear();
    r.value.clear();
    return 0;
  }
  // Stops at the end of the message: what follows is not this body's.
  static int on_complete(llhttp_t* p) { return of(p).complete = true, HPE_PAUSED; }
};

// wirestate's reading of the same, through a server connection.
struct WirestateReading final : Handler, Reading {
  // Only the first request is compared: bytes after its body are another
  // request to wirestate, and llhttp stopped before them.
  void on_request(Exchange& ex) noexcept override {
    if (complete) ex.respond(204, {});
    else ex.read_body();
  }
  void on_body(Exchange& ex, std::string_view data) noexcept override {
    std::string extensions;
    for (const Header& h : ex.chunk_extensions())
      if (!h.value.empty()) extensions.append(h.value).append("|");
    piece(data, extensions);
    ex.read_body();
  }
  void on_body_end(Exchange& ex) noexcept override {
    complete = true;
    for (const Header& h : ex.request().trailers) trailers.append(h.name).append("=").append(h.value).append(";");
    ex.respond(204, {});
  }
};

void compare_decoders(const std::string& chunked_body, std::size_t read_size) {
  const std::string head = "POST / HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string wire = head + chunked_body;

  llhttp_settings_t s;
  llhttp_settings_init(&s);
  s.on_body = LlhttpReading::on_body;
  s.on_chunk_extension_value = LlhttpReading::on_ext_value;
  s.on_chunk_extension_value_complete = LlhttpReading::on_ext_value_complete;
  s.on_chunk_header = LlhttpReading::on_chunk_header;
  s.on_header_field = LlhttpReading::on_field;
  s.on_header_value = LlhttpReading::on_field_value;
  s.on_header_value_complete = LlhttpReading::on_field_complete;
  s.on_message_complete = LlhttpReading::on_complete;
  llhttp_t p;
  llhttp_init(&p, HTTP_REQUEST, &s);
  LlhttpReading theirs;
  p.data = &theirs;
  const llhttp_errno_t rc = llhttp_execute(&p, wire.data(), wire.size());
  if (rc != HPE_PAUSED || !theirs.complete) return;
  // Only what llhttp read as the trailers: its head's fields came first.
  const std::string head_fields = "Host=f;Transfer-Encoding=chunked;";
  if (theirs.trailers.rfind(head_fields, 0) != 0) return;
  theirs.trailers.erase(0, head_fields.size());

  WirestateReading ours;
  const Config config;  // the connection keeps a reference
  ServerConnection conn(config, ours, Time{});
  for (std::size_t at = 0; at < wire.size() && conn.next_read() == ReadOp::read;) {
    std::span<char> buf = conn.read_buffer();
    const std::size_t n = std::min({buf.size(), wire.size() - at, read_size});
    std::memcpy(buf.data(), wire.data() + at, n);
    at += n;
    conn.commit_read(n, Time{});
    drain(conn, Time{});
  }
  if (!ours.complete) return;
  static const bool trace = std::getenv("WIRESTATE_FUZZ_TRACE") != nullptr;
  if (trace)
    std::fprintf(stderr, "body %zu/%zu trailers [%s] [%s] runs %zu/%zu\n", ours.body.size(), theirs.body.size(),
                 ours.trailers.c_str(), theirs.trailers.c_str(), ours.extension_runs.size(),
                 theirs.extension_runs.size());
  CHECK_OR_TRAP(ours.body == theirs.body);
  CHECK_OR_TRAP(ours.trailers == theirs.trailers);
  CHECK_OR_TRAP(ours.extension_runs == theirs.extension_runs);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  {  // Compare.
    const std::size_t read_size = in.ConsumeIntegralInRange<std::size_t>(1, 64);
    compare_decoders(in.ConsumeRandomLengthString(2048), read_size);
  }
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
