#pragma once
// A failed invariant in a fuzz target: trap, so libFuzzer keeps the input.
#define CHECK_OR_TRAP(cond)        \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)
