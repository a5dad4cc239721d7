#include <catch2/catch.hpp>
#include <vector>

#include "../../adapters/common/timer_heap.hpp"

using namespace wirestate;
using namespace wirestate::adapters;
using namespace std::chrono_literals;

namespace {
std::vector<int> fired;
void record(void* ctx) { fired.push_back(*static_cast<int*>(ctx)); }
}  // namespace

TEST_CASE("timers fire in time order, once, and not after being cancelled") {
  fired.clear();
  TimerHeap heap;
  int a = 1, b = 2, c = 3;
  const Time t0{};
  heap.start(t0 + 30ms, record, &c);
  TimerHeap::Id second = heap.start(t0 + 20ms, record, &b);
  heap.start(t0 + 10ms, record, &a);
  CHECK(*heap.next() == t0 + 10ms);
  heap.run_due(t0 + 5ms);
  CHECK(fired.empty());
  heap.cancel(second);
  CHECK_FALSE(second.valid());
  heap.run_due(t0 + 30ms);
  CHECK(fired == std::vector<int>{1, 3});
  heap.run_due(t0 + 60ms);
  CHECK(fired.size() == 2);
  CHECK(heap.pending() == 0);
}

TEST_CASE("a cancelled slot is reused without reviving its old timer") {
  fired.clear();
  TimerHeap heap;
  int a = 1, b = 2;
  const Time t0{};
  TimerHeap::Id first = heap.start(t0 + 10ms, record, &a);
  heap.cancel(first);
  heap.run_due(t0 + 10ms);  // the stale entry surfaces and frees its slot
  TimerHeap::Id again = heap.start(t0 + 20ms, record, &b);
  TimerHeap::Id stale = first;
  stale.slot = again.slot;  // an old id naming the reused slot
  stale.generation = again.generation - 1;
  heap.cancel(stale);
  heap.run_due(t0 + 20ms);
  CHECK(fired == std::vector<int>{2});
}
