#pragma once
// What every loop of wirestate's offers once made (EpollLoop::create,
// UringLoop::create, UvLoop::create): serve a listener or adopt accepted
// sockets, stop gracefully, report its counters. Everything but stop()
// happens on the thread that drives the loop.
#include "wirestate/cxx20.hpp"

#include <cstdint>
#include <string_view>
#include <system_error>

#include "wirestate/loop_options.hpp"

namespace wirestate {

namespace adapters {
class LoopBackend;
}

class Loop {
 public:
  // Closes every connection at once (stop() first to let them finish).
  virtual ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Serve a listening, non-blocking socket (listen_tcp makes one), owned
  // from here and closed at stop(). One per loop: a second is refused with
  // EBUSY, and any after stop() with ECANCELED.
  [[nodiscard]] std::error_code serve(int listen_fd);
  // Serve a socket accepted elsewhere, owned from here; admitted as an
  // accepted one is (the budget; the 503 once stopping). The second form
  // serves it with a handler of its own, which must outlive the
  // connection, instead of the loop's.
  void adopt(int fd);
  void adopt(int fd, Handler& handler);

  // The client role: a connection to address:port (numeric), non-blocking;
  // `session` hears of it (on_open at once, on_closed at its end) and
  // must outlive it. An error only for an address that is not numeric, or
  // a socket the kernel refuses; a refused connect comes to on_closed.
  [[nodiscard]] std::error_code connect(std::string_view address, std::uint16_t port, ClientSession& session);
  // A socket connected (or still connecting) elsewhere, owned from here.
  void adopt_client(int fd, ClientSession& session);
  // Close the session's connection once no request is in flight.
  void close_when_idle(ClientSession& session);

  // Graceful stop, callable from any thread: stop accepting, finish what is
  // in flight within LoopOptions::grace (client connections close once
  // idle), then finish.
  void stop() noexcept;
  // Stopped, and every connection gone (LoopOptions::on_finished has run).
  [[nodiscard]] bool finished() const noexcept;

  [[nodiscard]] LoopCounters counters() const;
  // The loop's timers, as its handler was given them.
  [[nodiscard]] Timers& timers() noexcept;

 protected:
  explicit Loop(adapters::LoopBackend& backend) : backend_(backend) {}
  adapters::LoopBackend& backend_;  // released (not deleted) by the destructor
};

// A loop with a wait of its own (epoll, io_uring): run it on a thread of its
// own with run(), or drive it from a loop of yours: poll fd() for
// readability beside your own descriptors, sleep at most timeout(), and
// call run_once(0) when it is readable or the time is up.
class PolledLoop : public Loop {
 public:
  // Serves until stop() and every connection finished (or the grace
  // period passed).
  void run();
  // One turn: waits at most `max_wait` for events, handles them and what is
  // due. False once finished.
  bool run_once(Duration max_wait);
  // The descriptor a driving loop polls for readability (-1 if the kernel
  // would not give one).
  [[nodiscard]] int fd();
  // The longest a driving loop may sleep before calling run_once (0: now).
  [[nodiscard]] Duration timeout() const noexcept;

 protected:
  using Loop::Loop;
};

}  // namespace wirestate
