#pragma once
// Counts calls to the global operator new in the benchmark binary, so each
// case can report heap allocations per request next to its speed.
#include <cstddef>

namespace wirestate::bench {
std::size_t allocations();
}
