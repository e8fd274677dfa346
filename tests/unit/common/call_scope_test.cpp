// CallScope: a fresh id per call, 0 outside calls, restored when a nested scope ends, and
// independent per thread — the software token relies on this to sync once per call.
#include "common/call_scope.h"

#include <gtest/gtest.h>

#include <thread>

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

}  // namespace
}  // namespace p11
