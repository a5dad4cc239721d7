#pragma once
// The libuv binding: one uv_loop_t per thread, reads and writes as
// uv_steps.hpp has them, and one uv_timer_t per loop for the earliest entry
// of the timer heap. The SO_REUSEPORT listener is watched with a uv_poll_t
// and accepted from directly, each connection opened with uv_tcp_open: out
// of descriptors, libuv's own listener closes every queued connection
// without a word, where the other adapters answer 503. It moves bytes and time between libuv and
// wirestate::ServerConnection, and nothing else; the application is
// whatever Handler the factory makes.
#include <uv.h>

#include <atomic>
#include <memory>
#include <vector>

#include "../common/server_main.hpp"
#include "../common/loop_timers.hpp"
#include "uv_steps.hpp"
#include "wirestate/wirestate.hpp"

namespace wirestate::adapters {

class UvLoop final : public EventLoop {
 public:
  UvLoop(ServerShared& shared, int listen_fd, const AppFactory& make_app);
  ~UvLoop() override;
  void run() override;
  void stop() override;

 private:
  struct Connection;

  static void on_acceptable(uv_poll_t* poll, int status, int events);
  static void on_alloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_written(uv_write_t* req, int status);
  static void on_shutdown(uv_shutdown_t* req, int status);
  static void on_closed(uv_handle_t* handle);
  static void on_prepare(uv_prepare_t* prepare);
  static void on_timer(uv_timer_t* timer);
  static void on_async(uv_async_t* async);
  static void on_deadline(void* context);
  static void on_linger_timeout(void* context);
  static void on_grace_timeout(void* context);

  void accept_all();
  void admit(int fd);
  void service(Connection& c);
  void schedule(Connection& c);
  void serve_ready();
  void arm_deadline(Connection& c);
  void begin_linger(Connection& c);
  void close_connection(Connection& c);
  void begin_stop();
  void close_loop();

  ServerShared& shared_;
  LoopTimers timers_;  // the application's Timers too
  uv_loop_t loop_;
  int listen_fd_;
  uv_poll_t listener_;
  uv_prepare_t prepare_;  // before each wait: timers due, woken connections, the next timeout
  uv_timer_t timer_;      // the heap's earliest entry
  uv_async_t async_;      // stop() from another thread
  std::atomic<bool> stop_requested_{false};
  bool stopping_ = false;
  bool grace_over_ = false;
  bool loop_closing_ = false;
  int reserve_fd_ = -1;  // closed to accept one connection when out of fds
  FreeListPool buffers_;  // idle connections give their buffers back here
  // Shared by every connection of the loop (each co-owns it).
  std::shared_ptr<Config> config_ = std::make_shared<Config>();
  UvWriteRequests write_requests_;
  std::unique_ptr<Handler> app_;
  char discard_[16384];                    // what lingering connections read, unread
  std::vector<Connection*> ready_;        // woken by their application
  std::vector<Connection*> connections_;  // every open one, for stop()
};

}  // namespace wirestate::adapters
