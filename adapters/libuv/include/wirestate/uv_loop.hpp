#pragma once
// wirestate on libuv: serves HTTP/1.1 on a uv_loop_t the embedder owns and
// runs, beside the embedder's own handles, timers and servers.
//
// Its handles (a poll on the listener, a prepare, a timer, an async for
// stop(), a tcp per connection) live on that uv_loop_t; stop() drains the
// connections, then closes every one of them (finished() then holds), and
// the embedder's loop runs on. Destroyed before that, it closes them at
// once, and its memory goes when their close callbacks have run in the
// loop's next turns. What it offers is Loop's (loop.hpp);
// docs/adapters.md has the whole guide.
#include "wirestate/loop.hpp"

#include <memory>

struct uv_loop_s;

namespace wirestate {

class UvLoop final : public Loop {
 public:
  // Attaches to `loop` (a uv_loop_t*), which must run until finished().
  // Null, with `error` set, if libuv refuses a handle.
  [[nodiscard]] static std::unique_ptr<UvLoop> create(uv_loop_s* loop, LoopOptions options, std::error_code& error);

 private:
  using Loop::Loop;
};

}  // namespace wirestate
