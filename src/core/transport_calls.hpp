#pragma once
// BasicConnection's calls, written once over the role's core. Each role's
// connection file includes this and instantiates it for its core, so the
// role's steps inline into the calls that run them.
#include <algorithm>
#include <cassert>

#include "wirestate/basic_connection.hpp"
#include "wirestate/counters.hpp"

namespace wirestate {

template <class Role>
BasicConnection<Role>::BasicConnection(std::unique_ptr<Core> core) noexcept : core_(std::move(core)) {}

template <class Role>
BasicConnection<Role>::~BasicConnection() = default;

template <class Role>
ReadOp BasicConnection<Role>::next_read() noexcept {
  Core& c = *core_;
  if (c.flags.dirty) c.run();
  if (!c.reading()) return ReadOp::close;
  if (c.input.full(!c.body_pending.empty())) return ReadOp::yield;
  return ReadOp::read;
}

template <class Role>
std::span<char> BasicConnection<Role>::read_buffer() noexcept {
  Core& c = *core_;
  c.flags.read_lent = true;
  return c.input.free_space(!c.body_pending.empty());
}

template <class Role>
void BasicConnection<Role>::commit_read(std::size_t n, Time now) noexcept {
  Core& c = *core_;
  assert(now >= c.now);
  c.now = now;
  c.flags.read_lent = false;
  if (!c.reading()) return c.release_if_idle();
  c.clock_rates();  // these bytes count in a window that waited for them
  c.input.commit(n);
  if (c.config.counters) c.config.counters->bytes_in += n;
  c.run();
  c.clock_rates();
}

template <class Role>
void BasicConnection<Role>::read_eof(Time now) noexcept {
  Core& c = *core_;
  c.now = std::max(c.now, now);
  c.flags.read_lent = false;
  c.input_ended();
  c.clock_rates();
}

template <class Role>
WriteOp BasicConnection<Role>::next_write() noexcept {
  Core& c = *core_;
  if (c.flags.dirty) c.run();
  return c.build_write();
}

template <class Role>
void BasicConnection<Role>::wrote(WriteToken token, std::size_t n, Time now) noexcept {
  Core& c = *core_;
  assert(now >= c.now);
  c.now = now;
  c.clock_rates();
  c.report_written(token, n);
  if (c.config.counters) c.config.counters->bytes_out += n;
  if (c.flags.dirty || c.write_opens_work()) c.run();
  c.clock_rates();
}

template <class Role>
void BasicConnection<Role>::wrote(std::size_t n, Time now) noexcept {
  wrote(core_->lent.oldest_write(), n, now);
}

template <class Role>
void BasicConnection<Role>::write_failed(Time now) noexcept {
  Core& c = *core_;
  c.now = std::max(c.now, now);
  c.fail_transport(Error::write_failed);
  c.lent.forget_writes(c.arena);
  c.run();
  c.clock_rates();
}

template <class Role>
std::optional<Time> BasicConnection<Role>::deadline() const noexcept {
  return core_->deadlines().earliest();
}

template <class Role>
void BasicConnection<Role>::on_deadline(Time now) noexcept {
  Core& c = *core_;
  assert(now >= c.now);
  c.now = now;
  c.deadlines().run_due(now, [&c](auto timer) { return c.fire(timer); });
  c.run();
  c.clock_rates();
}

template <class Role>
void BasicConnection<Role>::set_waker(Waker* waker) noexcept {
  core_->waker = waker;
}

template <class Role>
bool BasicConnection<Role>::is_closed() const noexcept {
  return !core_->writing() && core_->lent.nothing_in_flight();
}

template <class Role>
bool BasicConnection<Role>::writes_abandoned() const noexcept {
  return !core_->writing() && !core_->lent.nothing_in_flight();
}

}  // namespace wirestate
