// StripedSharedMutex: a reader-writer lock for state that nearly every call reads and few
// calls write (the library's module pointer, the session table).
//
// A std::shared_mutex keeps its reader count in one cache line that every reader writes, so
// two threads making independent calls pass that line between their cores on every lock and
// unlock. Here each thread counts itself in one of several stripes, each on its own cache
// line, and checks a writer flag that only writers store to, so readers on different stripes
// share no line they write. A writer raises the flag, then waits until every stripe is empty;
// a reader that finds the flag raised steps back out and waits for it to drop (writers go
// first). Waiting is std::atomic::wait, so a blocked thread sleeps rather than spins.
//
// Meets the standard SharedMutex requirements, so std::shared_lock and std::unique_lock work.
// Not recursive; a thread must unlock_shared on the thread that locked (stripes are per
// thread).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace p11 {

class StripedSharedMutex {
 public:
  void lock_shared();
  bool try_lock_shared();
  void unlock_shared() { Leave(stripes_[ThreadStripe()]); }

  void lock();
  bool try_lock();
  void unlock();

 private:
  // Which stripe the calling thread counts in (from its ThreadSerial).
  static size_t ThreadStripe();

  static constexpr size_t kStripes = 16;
  // A stripe fills its cache line alone: two stripes never share one.
  struct alignas(64) Stripe {
    std::atomic<uint32_t> readers{0};
  };

  // Counts the caller in; false (counted out again) when a writer holds or awaits the lock.
  bool TryEnter(Stripe& stripe);
  void Leave(Stripe& stripe);
  bool StripesEmpty() const;

  std::array<Stripe, kStripes> stripes_;
  // 1 while a writer holds the lock or waits for the readers to leave. Only writers store it,
  // so readers keep it in their caches.
  alignas(64) std::atomic<uint32_t> writing_{0};
  std::mutex writers_;  // one writer at a time
};

}  // namespace p11
