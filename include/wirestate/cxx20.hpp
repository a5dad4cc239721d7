#pragma once
// Every public header includes this first: below C++20 (std::span, concepts,
// designated initializers) a program gets one sentence instead of dozens of
// errors from the headers that follow.
#if __cplusplus < 202002L
#error "wirestate needs C++20: compile with -std=c++20 or later"
// A missing include is fatal where #error is not: compilation stops here.
#include <wirestate-needs-cxx20>
#endif
