// Lanes: a few slots for per-thread OpenSSL state, a thread using the slot of its ThreadSerial.
// Two threads then touch different slots, and so different cache lines and different
// reference counts: the library context a call runs in (lib_ctx.h), the free contexts of a
// key (pkey_ctx_pool.h), and the prototypes that operations copy (PerLane below).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>

#include "common/thread_serial.h"
#include "mechanisms/ossl/unique_ptr.h"

namespace ossl {

inline constexpr size_t kLanes = 4;

inline size_t ThisThreadsLane() { return p11::ThreadSerial() % kLanes; }

// One OpenSSL object per lane, each made by the first call of that lane's threads, in the
// library context that call runs in. An object copied by every operation (an HMAC context
// with its digest set, say) takes a reference on its algorithm with each copy and drops it
// when the copy is freed; one object shared by all threads makes their cores pass that
// count back and forth on every operation.
template <class T>
class PerLane {
 public:
  PerLane() = default;
  PerLane(const PerLane&) = delete;
  PerLane& operator=(const PerLane&) = delete;
  ~PerLane() {
    for (auto& slot : slots_) Deleter<T>()(slot.load(std::memory_order_acquire));
  }

  // The calling thread's lane's object, made by `make` (returning UniquePtr<T>, null on
  // failure) the first time; null when that fails.
  template <class Make>
  const T* Get(Make&& make) const {
    std::atomic<T*>& slot = slots_[ThisThreadsLane()];
    T* current = slot.load(std::memory_order_acquire);
    if (current != nullptr) return current;
    UniquePtr<T> made = make();
    if (made == nullptr) return nullptr;
    if (slot.compare_exchange_strong(current, made.get(), std::memory_order_acq_rel)) {
      return made.release();
    }
    return current;  // another thread of the lane made one meanwhile; ours is freed
  }

 private:
  mutable std::array<std::atomic<T*>, kLanes> slots_{};
};

}  // namespace ossl
