#include "uv_client.hpp"

#include <algorithm>
#include <chrono>

namespace wirestate::adapters {

UvClient::UvClient(int fd, const Config& config) : http_(config, clock_now()) {
  uv_loop_init(&loop_);
  uv_tcp_init(&loop_, &io_.tcp);
  io_.tcp.data = this;
  failure_ = uv_tcp_open(&io_.tcp, fd);
  uv_timer_init(&loop_, &timer_);
}

UvClient::~UvClient() {
  // A write in flight completes (cancelled) before the close callbacks.
  if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&io_.tcp)))
    uv_close(reinterpret_cast<uv_handle_t*>(&io_.tcp), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

void UvClient::on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
  UvClient& c = *static_cast<UvClient*>(handle->data);
  uv_lend(c.http_, c.io_, buf);
}

void UvClient::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  UvClient& c = *static_cast<UvClient*>(stream->data);
  if (const int error = uv_received(c.http_, c.io_, nread, clock_now()); error && !c.failure_) c.failure_ = error;
}

void UvClient::on_written(uv_write_t* req, int status) {
  UvClient& c = *static_cast<UvClient*>(req->data);
  if (const int error = uv_written(c.http_, c.io_, c.requests_, req, status, clock_now()); error && !c.failure_)
    c.failure_ = error;
}

void UvClient::service() {
  auto* handle = reinterpret_cast<uv_handle_t*>(&io_.tcp);
  if (uv_is_closing(handle)) return;
  bool close = false;  // the client reads on until the caller is done
  if (const int error = uv_write_step(http_, io_, requests_, &UvClient::on_written, clock_now(), close); error)
    failure_ = error;
  // Failed with a write in flight: closing the handle cancels it, and its
  // report lets the connection close.
  if (http_.writes_abandoned()) return uv_close(handle, nullptr);
  uv_read_step(http_, io_, &UvClient::on_alloc, &UvClient::on_read);
}

bool UvClient::run_until(const std::function<bool()>& done, std::string& error) {
  for (;;) {
    if (!failure_) service();
    if (failure_) {
      error = std::string("socket failed: ") + uv_strerror(failure_);
      return false;
    }
    if (done() || http_.is_closed()) return true;
    service();  // done() may have queued requests: they go out before the wait
    Time now = clock_now();
    auto wait = std::chrono::milliseconds(1000);
    if (auto t = http_.deadline())
      wait = std::clamp(std::chrono::ceil<std::chrono::milliseconds>(*t - now), std::chrono::milliseconds(0), wait);
    uv_timer_start(&timer_, [](uv_timer_t*) {}, static_cast<std::uint64_t>(wait.count()), 0);
    uv_run(&loop_, UV_RUN_ONCE);
    now = clock_now();
    if (auto t = http_.deadline(); t && *t <= now) http_.on_deadline(now);
  }
}

}  // namespace wirestate::adapters
