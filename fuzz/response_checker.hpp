#pragma once
// Reads what a server connection wrote back with llhttp's response parser,
// independently of wirestate's own code, and traps on anything that is not a
// well-formed sequence of HTTP/1.1 responses in request order.
//
// Responses made by the fuzzed application carry `X-Seq: n`, n being the
// order in which their requests reached it; interim responses carry the seq
// of the exchange they precede. Automatic error responses carry none and must
// be the last thing on the connection.
#include <llhttp.h>

#include <cstdint>
#include <string>
#include <vector>

namespace wirestate::fuzz {

struct RequestFacts {
  bool head = false;
  bool connect = false;
};

class ResponseChecker {
 public:
  // `facts` is indexed by seq; the caller keeps it up to date.
  explicit ResponseChecker(const std::vector<RequestFacts>& facts);
  void feed(const char* data, std::size_t size);
  std::size_t final_responses() const { return finals_; }
  // The connection now carries another protocol (101, or 2xx to CONNECT).
  bool tunnelled() const { return tunnel_; }

 private:
  static int on_header_field(llhttp_t* p, const char* at, std::size_t n);
  static int on_header_value(llhttp_t* p, const char* at, std::size_t n);
  static int on_header_value_complete(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_message_begin(llhttp_t* p);

  const std::vector<RequestFacts>& facts_;
  llhttp_settings_t settings_{};
  llhttp_t parser_{};
  std::string field_, value_;
  long seq_ = -1;          // X-Seq of the response being parsed
  long last_final_ = -1;   // X-Seq of the last final response
  bool saw_automatic_ = false;
  bool tunnel_ = false;
  std::size_t finals_ = 0;
};

}  // namespace wirestate::fuzz
