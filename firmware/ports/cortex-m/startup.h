// Startup for the MPS2 test boards (Cortex-M4 on AN386, Cortex-M7 on AN500): the vector
// table, the reset handler (copies .data, zeroes .bss, paints the stack, runs the static
// constructors, calls main) and the few C++ runtime hooks a no-exceptions, no-heap image
// needs. The stack is painted with a pattern at reset so that StackPeak() can tell how deep
// it has ever reached: the only stack figure a test run can measure rather than guess.
#pragma once

#include <cstddef>

namespace hsm::cortex_m {

size_t StackReserve();  // bytes the linker script reserves for the main stack
size_t StackPeak();     // deepest use since reset, in bytes (the whole reserve: overflowed)

}  // namespace hsm::cortex_m
