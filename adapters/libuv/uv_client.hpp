#pragma once
// The libuv binding of the client role: one uv_tcp_t, one ClientConnection
// and a loop of its own, with the server loop's steps (uv_steps.hpp).
#include <uv.h>

#include "../common/client_loop.hpp"
#include "uv_steps.hpp"

namespace wirestate::adapters {

class UvClient final : public ClientLoop {
 public:
  // `fd`: a connected socket (connect_socket), owned from here.
  UvClient(int fd, const Config& config);
  ~UvClient() override;

  ClientConnection& http() override { return http_; }
  bool run_until(const std::function<bool()>& done, std::string& error) override;

 private:
  static void on_alloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_written(uv_write_t* req, int status);
  void service();

  uv_loop_t loop_;
  UvSocket io_;
  uv_timer_t timer_;  // ends a wait at the connection's deadline
  UvWriteRequests requests_;
  ClientConnection http_;
  int failure_ = 0;  // libuv error of a failed socket
};

}  // namespace wirestate::adapters
