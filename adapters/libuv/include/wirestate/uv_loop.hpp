#pragma once
// wirestate on libuv: serves HTTP/1.1 on a uv_loop_t the embedder owns and
// runs, beside the embedder's own handles, timers and servers.
//
// The loop's handles (a poll on the listener, a prepare, a timer, an async
// for stop(), one tcp per connection) live on that uv_loop_t; stop() drains
// the connections, then closes every one of them, and the embedder's loop
// runs on. Everything but stop() happens on the thread that runs the
// uv_loop_t. docs/adapters.md has the whole guide.
#include "wirestate/cxx20.hpp"

#include <memory>
#include <system_error>

#include "wirestate/loop.hpp"

struct uv_loop_s;

namespace wirestate {

class UvLoop {
 public:
  // Attaches to `loop` (a uv_loop_t*), which must outlive the handles: run
  // it until finished(). Null, with `error` set, if libuv refuses a handle.
  [[nodiscard]] static std::unique_ptr<UvLoop> create(uv_loop_s* loop, LoopOptions options, std::error_code& error);
  // Once finished(), frees everything. Before that, closes every
  // connection and handle at once; the memory goes when their close
  // callbacks have run, in the embedder's next turns of the uv_loop_t.
  ~UvLoop();
  UvLoop(const UvLoop&) = delete;
  UvLoop& operator=(const UvLoop&) = delete;

  // As EpollLoop's (epoll_loop.hpp): a listening non-blocking socket,
  // accepted from directly, and sockets accepted elsewhere.
  [[nodiscard]] std::error_code serve(int listen_fd);
  void adopt(int fd);

  // Graceful stop, callable from any thread: stop accepting, finish what is
  // in flight within LoopOptions::grace, then close every handle.
  void stop() noexcept;
  // Stopped, and every handle closed.
  [[nodiscard]] bool finished() const noexcept;

  [[nodiscard]] LoopCounters counters() const;
  [[nodiscard]] Timers& timers() noexcept;

  struct Impl;

 private:
  explicit UvLoop(Impl* impl);
  Impl* impl_;  // frees itself when abandoned unfinished (see ~UvLoop)
};

}  // namespace wirestate
