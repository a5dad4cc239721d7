#pragma once
// What the shared library exports. It is built with hidden visibility, so a
// symbol is public only where a public header marks it: the classes and
// functions of include/wirestate/, never wirestate::detail.
#include "wirestate/cxx20.hpp"

#define WIRESTATE_API __attribute__((visibility("default")))
// A member of an exported class that only the library itself calls.
#define WIRESTATE_INTERNAL __attribute__((visibility("hidden")))
