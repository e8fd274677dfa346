// CallScope: a fresh id per call, 0 outside calls, restored when a nested scope ends, and
// independent per thread — the software token relies on this to sync once per call.
#include "common/call_scope.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace p11 {
namespace {

TEST(CallScopeTest, ZeroOutsideACallAndFreshInside) {
  EXPECT_EQ(CurrentCallId(), 0u);
  uint64_t first = 0;
  {
    CallScope scope;
    first = CurrentCallId();
    EXPECT_NE(first, 0u);
    {
      CallScope nested;
      EXPECT_NE(CurrentCallId(), first);
    }
    EXPECT_EQ(CurrentCallId(), first);
  }
  EXPECT_EQ(CurrentCallId(), 0u);
  CallScope next;
  EXPECT_NE(CurrentCallId(), first) << "a later call never reuses an id";
}

TEST(CallScopeTest, EachThreadHasItsOwnCall) {
  CallScope scope;
  uint64_t mine = CurrentCallId();
  uint64_t other_outside = 1, other_inside = 0;
  std::thread t([&] {
    other_outside = CurrentCallId();
    CallScope theirs;
    other_inside = CurrentCallId();
  });
  t.join();
  EXPECT_EQ(other_outside, 0u);
  EXPECT_NE(other_inside, 0u);
  EXPECT_NE(other_inside, mine);
  EXPECT_EQ(CurrentCallId(), mine);
}

// Ids are made per thread without a shared counter; they must still never collide.
TEST(CallScopeTest, IdsAreUniqueAcrossThreads) {
  constexpr int kThreads = 8;
  constexpr int kCalls = 2000;
  std::vector<std::vector<uint64_t>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&ids, t] {
      for (int i = 0; i < kCalls; ++i) {
        CallScope scope;
        ids[t].push_back(CurrentCallId());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<uint64_t> all;
  for (const auto& per_thread : ids) all.insert(per_thread.begin(), per_thread.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kCalls));
  EXPECT_EQ(all.count(0), 0u);
}

}  // namespace
}  // namespace p11
