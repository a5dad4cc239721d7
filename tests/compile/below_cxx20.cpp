// Compiled with -std=c++17 by the test header.below_cxx20: it must stop at
// wirestate's one-sentence #error, before any header that needs C++20.
#include <wirestate/wirestate.hpp>
