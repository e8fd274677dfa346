// StripedSharedMutex: a reader-writer lock for state that nearly every call reads and almost
// nothing writes (the library's module pointer, the session table).
//
// A std::shared_mutex is one cache line that every reader writes (its reader count), so two
// threads making independent calls pass that line back and forth between their cores on
// every lock and unlock. Here each thread reads through one of several stripes, each a
// shared_mutex on its own cache line; a writer takes every stripe, in order. Readers on
// different stripes never touch the same line; a writer pays once per stripe, which suits
// locks written only by C_Initialize, C_Finalize, C_OpenSession and C_CloseSession.
//
// Meets the standard SharedMutex requirements, so std::shared_lock and std::unique_lock work.
// A thread must unlock_shared on the thread that locked (its stripe is per thread).
#pragma once

#include <array>
#include <cstddef>
#include <shared_mutex>

namespace p11 {

class StripedSharedMutex {
 public:
  void lock_shared() { stripes_[ThreadStripe()].mu.lock_shared(); }
  bool try_lock_shared() { return stripes_[ThreadStripe()].mu.try_lock_shared(); }
  void unlock_shared() { stripes_[ThreadStripe()].mu.unlock_shared(); }

  void lock() {
    for (Stripe& stripe : stripes_) stripe.mu.lock();
  }
  bool try_lock() {
    for (size_t i = 0; i < kStripes; ++i) {
      if (!stripes_[i].mu.try_lock()) {
        while (i > 0) stripes_[--i].mu.unlock();
        return false;
      }
    }
    return true;
  }
  void unlock() {
    for (size_t i = kStripes; i > 0; --i) stripes_[i - 1].mu.unlock();
  }

  // Which stripe the calling thread reads through: threads get them round robin in the order
  // they first lock any StripedSharedMutex, so a handful of busy threads land on distinct ones.
  static size_t ThreadStripe();

 private:
  static constexpr size_t kStripes = 16;
  // A stripe fills its cache lines alone: two stripes never share one.
  struct alignas(64) Stripe {
    std::shared_mutex mu;
  };
  std::array<Stripe, kStripes> stripes_;
};

}  // namespace p11
