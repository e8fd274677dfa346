// The timing loop shared by the simple cases: one operation per iteration, counted as items
// (ops/s) and, when the operation has a payload, as bytes (MB/s).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <functional>

#include "pkcs11/pkcs11.h"

namespace bench {

// `op(thread_index)` returns CKR_OK or the failing return value; it must be safe to call
// concurrently for distinct thread indexes (each thread owns its session or context).
inline std::function<void(benchmark::State&)> Loop(std::function<CK_RV(int)> op,
                                                   int64_t bytes_per_op = 0) {
  return [op = std::move(op), bytes_per_op](benchmark::State& state) {
    const int thread = state.thread_index();
    for (auto _ : state) {
      if (CK_RV rv = op(thread); rv != CKR_OK) {
        char message[64];
        std::snprintf(message, sizeof message, "operation failed: CK_RV 0x%lx",
                      static_cast<unsigned long>(rv));
        state.SkipWithError(message);
        break;
      }
    }
    state.SetItemsProcessed(state.iterations());
    if (bytes_per_op > 0) state.SetBytesProcessed(state.iterations() * bytes_per_op);
  };
}

}  // namespace bench
