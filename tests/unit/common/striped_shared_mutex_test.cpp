// StripedSharedMutex: readers on different threads hold it together, a writer excludes every
// reader whichever stripe it reads through, and a blocked reader proceeds once the writer is
// done.
#include "common/striped_shared_mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

namespace p11 {
namespace {

// How many of `threads` new threads, more than there are stripes, get a shared lock at once.
int ReadersThatGetIn(StripedSharedMutex& mu, int threads) {
  std::vector<std::thread> readers;
  std::atomic<int> entered{0};
  for (int i = 0; i < threads; ++i) {
    readers.emplace_back([&] {
      if (mu.try_lock_shared()) {
        entered.fetch_add(1);
        mu.unlock_shared();
      }
    });
  }
  for (std::thread& t : readers) t.join();
  return entered.load();
}

TEST(StripedSharedMutexTest, ThreadsReadTogether) {
  StripedSharedMutex mu;
  std::shared_lock mine(mu);
  EXPECT_EQ(ReadersThatGetIn(mu, 20), 20);
  bool writer_entered = true;
  std::thread([&] {
    writer_entered = mu.try_lock();
    if (writer_entered) mu.unlock();
  }).join();
  EXPECT_FALSE(writer_entered) << "a writer cannot enter while this thread reads";
}

TEST(StripedSharedMutexTest, AWriterExcludesReadersOnEveryStripe) {
  StripedSharedMutex mu;
  std::unique_lock writer(mu);
  EXPECT_EQ(ReadersThatGetIn(mu, 20), 0);
}

TEST(StripedSharedMutexTest, AWaitingReaderEntersWhenTheWriterLeaves) {
  StripedSharedMutex mu;
  std::unique_lock writer(mu);
  std::atomic<bool> inside{false};
  std::future<void> reader = std::async(std::launch::async, [&] {
    std::shared_lock lock(mu);
    inside = true;
  });
  EXPECT_EQ(reader.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  EXPECT_FALSE(inside.load());
  writer.unlock();
  ASSERT_EQ(reader.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(inside.load());
  EXPECT_TRUE(mu.try_lock()) << "the reader has left";
  mu.unlock();
}

TEST(StripedSharedMutexTest, AFailedTryLockLeavesNothingHeld) {
  StripedSharedMutex mu;
  std::promise<void> reading, done;
  std::thread reader([&] {
    std::shared_lock lock(mu);
    reading.set_value();
    done.get_future().wait();
  });
  reading.get_future().wait();
  EXPECT_FALSE(mu.try_lock());
  // Stripes taken before the one that failed were released: this thread can still read.
  EXPECT_TRUE(mu.try_lock_shared());
  mu.unlock_shared();
  done.set_value();
  reader.join();
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
}

// Writers store a pair in two steps; a reader that ever saw them differ would have read while
// a writer was half-way. Two reader threads and two writer threads contend for a while.
TEST(StripedSharedMutexTest, ReadersNeverSeeAWriterHalfWay) {
  StripedSharedMutex mu;
  uint64_t first = 0, second = 0;
  std::atomic<bool> torn{false};
  std::atomic<uint64_t> reads{0};
  auto writer = [&] {
    for (int i = 0; i < 20000; ++i) {
      std::unique_lock lock(mu);
      ++first;
      std::atomic_signal_fence(std::memory_order_seq_cst);
      ++second;
    }
  };
  auto reader = [&] {
    for (int i = 0; i < 50000; ++i) {
      std::shared_lock lock(mu);
      if (first != second) torn = true;
      reads.fetch_add(1, std::memory_order_relaxed);
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(writer);
  threads.emplace_back(reader);
  threads.emplace_back(writer);
  threads.emplace_back(reader);
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(torn.load());
  EXPECT_EQ(first, 40000u);
  EXPECT_EQ(second, 40000u);
  EXPECT_EQ(reads.load(), 100000u);
}

}  // namespace
}  // namespace p11
