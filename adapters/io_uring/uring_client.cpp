#include "uring_client.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "uring_setup.hpp"

namespace wirestate::adapters {

UringClient::UringClient(int fd, const Config& config, const io_uring& ring)
    : ring_(ring), http_(config, clock_now()) {
  io_.fd = fd;
  failure_ = start_ring(ring_);
}

UringClient::~UringClient() {
  // What is in flight names this object's memory: cancel it and wait.
  uring_cancel_all(ring_, io_);
  for (int turn = 0; turn < 100 && io_.in_flight(); ++turn) {
    __kernel_timespec ts{0, 10'000'000};
    io_uring_cqe* cqe = nullptr;
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    reap(clock_now());
  }
  io_uring_queue_exit(&ring_);
  close(io_.fd);
}

void UringClient::service() {
  uring_arm_poll(ring_, io_);
  uring_read(ring_, http_, io_);
  bool close = false;  // the client reads on until the caller is done
  uring_write(ring_, http_, io_, close);
  if (http_.writes_abandoned()) uring_cancel_all(ring_, io_);
}

void UringClient::reap(Time now) {
  unsigned head, seen = 0;
  io_uring_cqe* cqe;
  io_uring_for_each_cqe(&ring_, head, cqe) {
    ++seen;
    int error = 0;
    switch (uring_op(cqe->user_data)) {
      case UringOp::poll: uring_polled(io_, *cqe); break;
      case UringOp::recv: error = uring_received(http_, io_, cqe->res, io_.asked, now); break;
      case UringOp::write: error = uring_written(http_, io_, cqe->res, now); break;
      default: break;
    }
    if (error && !failure_) failure_ = error;
  }
  io_uring_cq_advance(&ring_, seen);
}

bool UringClient::run_until(const std::function<bool()>& done, std::string& error) {
  for (;;) {
    if (!failure_) service();
    if (failure_) {
      error = std::string("socket failed: ") + std::strerror(failure_);
      return false;
    }
    if (done() || http_.is_closed()) return true;
    service();  // done() may have queued requests: they go out before the wait
    // One submission for the turn, which also waits: until a completion,
    // the connection's deadline, or a second.
    Time now = clock_now();
    auto wait = std::chrono::nanoseconds(std::chrono::seconds(1));
    if (auto t = http_.deadline()) wait = std::clamp(std::chrono::nanoseconds(*t - now), std::chrono::nanoseconds(0), wait);
    __kernel_timespec ts{wait.count() / 1'000'000'000, wait.count() % 1'000'000'000};
    io_uring_cqe* cqe = nullptr;
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    now = clock_now();
    reap(now);
    if (auto t = http_.deadline(); t && *t <= now) http_.on_deadline(now);
  }
}

}  // namespace wirestate::adapters
