#pragma once
// The references the cycles are measured against: llhttp alone over the same
// bytes, as the issue defines the floor (every callback registered, each
// returning at once), and bare llhttp with no callback at all, which skips
// even the calls.
#include <benchmark/benchmark.h>
#include <llhttp.h>

#include <cstdint>
#include <string_view>

namespace wirestate::bench {

inline int empty_event(llhttp_t*) { return 0; }
inline int empty_data(llhttp_t*, const char*, std::size_t) { return 0; }

// Every callback llhttp offers, each doing nothing.
inline llhttp_settings_t empty_callbacks() {
  llhttp_settings_t s;
  llhttp_settings_init(&s);
  s.on_message_begin = s.on_headers_complete = s.on_message_complete = empty_event;
  s.on_url_complete = s.on_status_complete = s.on_method_complete = s.on_version_complete = empty_event;
  s.on_header_field_complete = s.on_header_value_complete = empty_event;
  s.on_chunk_extension_name_complete = s.on_chunk_extension_value_complete = empty_event;
  s.on_chunk_header = s.on_chunk_complete = s.on_reset = empty_event;
  s.on_url = s.on_status = s.on_method = s.on_version = empty_data;
  s.on_header_field = s.on_header_value = s.on_body = empty_data;
  s.on_chunk_extension_name = s.on_chunk_extension_value = empty_data;
  return s;
}

// llhttp over `input` (`per_input` messages), with `settings`.
inline void llhttp_floor(benchmark::State& state, llhttp_type_t type, std::string_view input, int per_input,
                         const llhttp_settings_t& settings) {
  llhttp_t parser;
  llhttp_init(&parser, type, &settings);
  std::size_t messages = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(llhttp_execute(&parser, input.data(), input.size()));
    messages += static_cast<std::size_t>(per_input);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(messages));
}

// The floor: empty callbacks.
inline void llhttp_floor(benchmark::State& state, llhttp_type_t type, std::string_view input, int per_input) {
  static const llhttp_settings_t settings = empty_callbacks();
  llhttp_floor(state, type, input, per_input, settings);
}

// Bare llhttp: no callbacks.
inline void llhttp_bare(benchmark::State& state, llhttp_type_t type, std::string_view input, int per_input) {
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    return s;
  }();
  llhttp_floor(state, type, input, per_input, settings);
}

}  // namespace wirestate::bench
