#include "common/striped_shared_mutex.h"

#include "common/thread_serial.h"

namespace p11 {

// Every access below is sequentially consistent: a reader stores its count and then loads the
// flag, a writer stores the flag and then loads the counts, and with both orders kept at
// least one of them sees the other.

size_t StripedSharedMutex::ThreadStripe() { return ThreadSerial() % kStripes; }

bool StripedSharedMutex::TryEnter(Stripe& stripe) {
  stripe.readers.fetch_add(1);
  if (writing_.load() == 0) return true;
  Leave(stripe);
  return false;
}

void StripedSharedMutex::Leave(Stripe& stripe) {
  stripe.readers.fetch_sub(1);
  // A writer waiting for this stripe to empty sleeps on its count.
  if (writing_.load() != 0) stripe.readers.notify_all();
}

bool StripedSharedMutex::StripesEmpty() const {
  for (const Stripe& stripe : stripes_) {
    if (stripe.readers.load() != 0) return false;
  }
  return true;
}

void StripedSharedMutex::lock_shared() {
  Stripe& stripe = stripes_[ThreadStripe()];
  while (!TryEnter(stripe)) writing_.wait(1);
}

bool StripedSharedMutex::try_lock_shared() { return TryEnter(stripes_[ThreadStripe()]); }

void StripedSharedMutex::lock() {
  writers_.lock();
  writing_.store(1);
  for (Stripe& stripe : stripes_) {
    for (uint32_t readers = stripe.readers.load(); readers != 0; readers = stripe.readers.load()) {
      stripe.readers.wait(readers);
    }
  }
}

bool StripedSharedMutex::try_lock() {
  if (!writers_.try_lock()) return false;
  writing_.store(1);
  if (StripesEmpty()) return true;
  unlock();
  return false;
}

void StripedSharedMutex::unlock() {
  writing_.store(0);
  writing_.notify_all();
  writers_.unlock();
}

}  // namespace p11
