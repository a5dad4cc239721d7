#pragma once
// A message head (start line and field lines) kept as the bytes that
// arrived, then split into views once llhttp has accepted all of it.
//
// llhttp validates the syntax; this class only has to find the pieces. One
// copy per read and one pass over the finished head cost a fraction of
// collecting every method, target, name and value from llhttp's callbacks,
// and the pass that finds the line ends also checks them: llhttp 8 in
// strict mode accepts a bare LF ending the start line, the empty line or a
// leading empty line (not a field value), and obs-fold lines (RFC 9112 §2.2
// and §5.2).
//
// The bytes live in storage that keeps its capacity across messages, so the
// views stay valid until reset() whatever happens to the read buffer.
#include <string>
#include <string_view>
#include <vector>

#include "wire/field_builder.hpp"
#include "wirestate/error.hpp"
#include "wirestate/headers.hpp"

namespace wirestate::detail {

class ReceivedHead {
 public:
  enum class StartLine { request, status };
  struct Fault {
    Error error{};
    std::string_view reason;  // for Error::bad_request
    explicit operator bool() const noexcept { return error != Error{}; }
  };

  // Bytes a head may take as received beyond what `limits` count (line
  // ends, the separators, the version, whitespace around values): 4 per
  // field line and this much more. Only a head that never ends gets near it.
  static constexpr std::size_t slack_bytes = 256;

  // Inline: an out-of-line copy of the `limits` just built would reload
  // their narrow stores with one wide load, which stalls.
  void reset(const HeadLimits& limits) noexcept {
    limits_ = limits;
    cap_ = limits.max_line_bytes + limits.max_field_bytes + 4 * limits.max_field_count + slack_bytes;
    bytes_.clear();
    fields_.clear();
    // One by one: a chained assignment copies each view from the one just
    // stored, which stalls the same way.
    method_ = {};
    target_ = {};
    reason_ = {};
    version_ = {};
  }

  // The head's next bytes, in order. Past the cap the error names the limit
  // in reach: the request line while no line has ended, else the fields.
  Error append(const char* data, std::size_t size) noexcept;
  // After the last byte of the head: makes the views and checks every limit
  // and line end. Call once.
  Fault split(StartLine kind) noexcept;

  std::string_view method() const noexcept { return method_; }
  std::string_view target() const noexcept { return target_; }
  std::string_view reason() const noexcept { return reason_; }
  std::string_view version() const noexcept { return version_; }
  Headers headers() const noexcept { return {fields_.data(), fields_.size()}; }
  // The first token of what arrived so far (the method of a request head,
  // split or not).
  std::string_view method_so_far() const noexcept;
  // The second token, once a space ends it or the line (empty before).
  std::string_view target_so_far() const noexcept;

  // What arrived so far, before split().
  std::size_t size() const noexcept { return bytes_.size(); }
  std::string_view bytes() const noexcept { return bytes_; }
  // The start line has ended, and whether it has the two spaces that put
  // an HTTP-version after the target.
  bool start_line_ended() const noexcept;
  bool start_line_has_version() const noexcept;
  // Whether any line so far ends in a bare LF (or a field line starts
  // with whitespace).
  bool has_bare_lf() const noexcept;
  // Where the head ends (just past its empty line), or 0 if it has not;
  // the bytes before `from` were looked at before.
  std::size_t end_of_head(std::size_t from) const noexcept;
  // Drops what arrived past `size`.
  void truncate(std::size_t size) noexcept { bytes_.resize(size); }
  // Every HTAB in a run of whitespace that ends a line becomes an SP: the
  // same whitespace, outside every value (RFC 9110 §5.5), in the one form
  // llhttp takes after a Content-Length.
  void blank_trailing_tabs() noexcept;

 private:
  // The start line as far as it arrived, before split().
  std::string_view start_line_so_far() const noexcept;

  HeadLimits limits_{};
  std::size_t cap_ = 0;
  std::string bytes_;
  std::vector<Header> fields_;
  std::string_view method_, target_, reason_, version_;
};

}  // namespace wirestate::detail
