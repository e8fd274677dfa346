// ThreadSerial: a small number for the calling thread, 1 for the first thread that asks, 2 for
// the next, and so on — fixed for the thread's life. Per-thread state kept in a few slots
// (lock stripes, context pool lanes) picks its slot from it, so a handful of busy threads land
// on different slots; call ids are made from it.
#pragma once

#include <cstdint>

namespace p11 {

uint64_t ThreadSerial();

}  // namespace p11
