#pragma once
// BasicConnection's calls, written once over the role's core. Each role's
// connection file includes this and instantiates it for its core, so the
// role's steps inline into the calls that run them.
#include <algorithm>
#include <cassert>

#include "wirestate/basic_connection.hpp"

namespace wirestate {

template <class Core>
BasicConnection<Core>::BasicConnection(std::unique_ptr<Core> core) noexcept : core_(std::move(core)) {}

template <class Core>
BasicConnection<Core>::~BasicConnection() = default;

template <class Core>
ReadOp BasicConnection<Core>::next_read() noexcept {
  Core& c = *core_;
  if (c.dirty) c.run();
  if (!c.reading()) return ReadOp::close;
  if (c.input.full(!c.body_pending.empty())) return ReadOp::yield;
  return ReadOp::read;
}

template <class Core>
std::span<char> BasicConnection<Core>::read_buffer() noexcept {
  Core& c = *core_;
  c.read_lent = true;
  return c.input.free_space(!c.body_pending.empty());
}

template <class Core>
void BasicConnection<Core>::commit_read(std::size_t n, Time now) noexcept {
  Core& c = *core_;
  assert(now >= c.now);
  c.now = now;
  c.read_lent = false;
  if (!c.reading()) return c.release_if_idle();
  c.clock_rates();  // these bytes count in a window that waited for them
  c.input.commit(n);
  c.run();
  c.clock_rates();
}

template <class Core>
void BasicConnection<Core>::read_eof(Time now) noexcept {
  Core& c = *core_;
  c.now = std::max(c.now, now);
  c.read_lent = false;
  c.input_ended();
  c.clock_rates();
}

template <class Core>
WriteOp BasicConnection<Core>::next_write() noexcept {
  Core& c = *core_;
  if (c.dirty) c.run();
  return c.build_write();
}

template <class Core>
void BasicConnection<Core>::wrote(WriteToken token, std::size_t n, Time now) noexcept {
  Core& c = *core_;
  assert(now >= c.now);
  c.now = now;
  c.clock_rates();
  c.report_written(token, n);
  if (c.dirty || c.write_opens_work()) c.run();
  c.clock_rates();
}

template <class Core>
void BasicConnection<Core>::wrote(std::size_t n, Time now) noexcept {
  wrote(core_->lent.oldest_write(), n, now);
}

template <class Core>
void BasicConnection<Core>::write_failed(Time now) noexcept {
  Core& c = *core_;
  c.now = std::max(c.now, now);
  c.fail_transport(Error::write_failed);
  c.lent.forget_writes(c.arena);
  c.run();
  c.clock_rates();
}

template <class Core>
std::optional<Time> BasicConnection<Core>::deadline() const noexcept {
  return core_->deadlines().earliest();
}

template <class Core>
void BasicConnection<Core>::on_deadline(Time now) noexcept {
  Core& c = *core_;
  assert(now >= c.now);
  c.now = now;
  c.deadlines().run_due(now, [&c](auto timer) { return c.fire(timer); });
  c.run();
  c.clock_rates();
}

template <class Core>
void BasicConnection<Core>::set_waker(Waker* waker) noexcept {
  core_->waker = waker;
}

template <class Core>
bool BasicConnection<Core>::is_closed() const noexcept {
  return !core_->writing() && core_->lent.nothing_in_flight();
}

template <class Core>
bool BasicConnection<Core>::writes_abandoned() const noexcept {
  return !core_->writing() && !core_->lent.nothing_in_flight();
}

}  // namespace wirestate
