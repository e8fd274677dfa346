// Per-lane OpenSSL objects (mechanisms/ossl/lanes.h).
#include "mechanisms/ossl/lanes.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace {

ossl::UniquePtr<BIGNUM> MakeNumber(std::atomic<int>& made) {
  ++made;
  return ossl::Own(BN_new());
}

TEST(PerLaneTest, EachLaneMakesItsOwnOnceAndKeepsIt) {
  ossl::PerLane<BIGNUM> per_lane;
  std::atomic<int> made{0};
  const BIGNUM* mine = per_lane.Get([&] { return MakeNumber(made); });
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(per_lane.Get([&] { return MakeNumber(made); }), mine);
  EXPECT_EQ(made.load(), 1);

  // Threads made one after another have consecutive serial numbers, so kLanes of them cover
  // every lane: each lane's object is its own, and this thread's lane still has its first.
  std::set<const BIGNUM*> seen;
  for (size_t i = 0; i < ossl::kLanes; ++i) {
    std::thread([&] { seen.insert(per_lane.Get([&] { return MakeNumber(made); })); }).join();
  }
  EXPECT_EQ(seen.size(), ossl::kLanes);
  EXPECT_EQ(seen.count(mine), 1u);
  EXPECT_EQ(made.load(), static_cast<int>(ossl::kLanes));
}

TEST(PerLaneTest, FailureToMakeIsNotRemembered) {
  ossl::PerLane<BIGNUM> per_lane;
  EXPECT_EQ(per_lane.Get([] { return ossl::UniquePtr<BIGNUM>(); }), nullptr);
  std::atomic<int> made{0};
  EXPECT_NE(per_lane.Get([&] { return MakeNumber(made); }), nullptr);
  EXPECT_EQ(made.load(), 1);
}

TEST(PerLaneTest, ThreadsOfOneLaneRacingToMakeShareOneObject) {
  ossl::PerLane<BIGNUM> per_lane;
  std::atomic<int> made{0};
  std::vector<const BIGNUM*> got(4 * ossl::kLanes);
  std::vector<size_t> lanes(got.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      lanes[i] = ossl::ThisThreadsLane();
      got[i] = per_lane.Get([&] { return MakeNumber(made); });
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t i = 0; i < got.size(); ++i) {
    for (size_t j = 0; j < got.size(); ++j) {
      EXPECT_EQ(lanes[i] == lanes[j], got[i] == got[j]) << i << " " << j;
    }
  }
}

}  // namespace
