#pragma once
// The reference the cycles are measured against.
#include <benchmark/benchmark.h>
#include <llhttp.h>

#include <cstdint>
#include <string_view>

namespace wirestate::bench {

// llhttp alone, with empty callbacks, over `input` (`per_input` messages):
// the floor a cycle is measured against.
inline void llhttp_floor(benchmark::State& state, llhttp_type_t type, std::string_view input, int per_input) {
  llhttp_settings_t settings;
  llhttp_settings_init(&settings);
  llhttp_t parser;
  llhttp_init(&parser, type, &settings);
  std::size_t messages = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(llhttp_execute(&parser, input.data(), input.size()));
    messages += static_cast<std::size_t>(per_input);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
}

}  // namespace wirestate::bench
