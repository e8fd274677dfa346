#include "common/striped_shared_mutex.h"

#include <atomic>

namespace p11 {

size_t StripedSharedMutex::ThreadStripe() {
  static std::atomic<size_t> next_stripe{0};
  thread_local const size_t stripe = next_stripe.fetch_add(1, std::memory_order_relaxed) % kStripes;
  return stripe;
}

}  // namespace p11
