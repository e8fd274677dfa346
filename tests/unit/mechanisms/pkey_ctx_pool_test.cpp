// PkeyCtxPool: a context comes back only for the kind it was given for, each is handed out
// once, the pool holds a bounded number, and threads do not take each other's contexts.
// KeyContextPools: one pair of pools per key, made once however many threads ask first, and
// never carried over to another key.
#include "mechanisms/ossl/pkey_ctx_pool.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace ossl {
namespace {

UniquePtr<EVP_PKEY_CTX> NewContext() {
  return UniquePtr<EVP_PKEY_CTX>(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
}

TEST(PkeyCtxPoolTest, EmptyPoolHasNothing) {
  SignatureContextPool pool;
  EXPECT_EQ(pool.Take({true, 0}), nullptr);
}

TEST(PkeyCtxPoolTest, GivesBackOnlyForTheSameKindAndOnlyOnce) {
  SignatureContextPool pool;
  UniquePtr<EVP_PKEY_CTX> ctx = NewContext();
  ASSERT_NE(ctx, nullptr);
  EVP_PKEY_CTX* raw = ctx.get();
  pool.Give({true, 0}, std::move(ctx));
  EXPECT_EQ(pool.Take({false, 0}), nullptr) << "a signing context is no verification context";
  EXPECT_EQ(pool.Take({true, 1}), nullptr) << "nor one with another padding";
  UniquePtr<EVP_PKEY_CTX> taken = pool.Take({true, 0});
  EXPECT_EQ(taken.get(), raw);
  EXPECT_EQ(pool.Take({true, 0}), nullptr);
}

TEST(PkeyCtxPoolTest, KeepsABoundedNumber) {
  PkeyCtxPool<int> pool;
  for (int i = 0; i < 20; ++i) pool.Give(7, NewContext());
  std::vector<UniquePtr<EVP_PKEY_CTX>> taken;
  while (UniquePtr<EVP_PKEY_CTX> ctx = pool.Take(7)) taken.push_back(std::move(ctx));
  EXPECT_GE(taken.size(), 1u);
  EXPECT_LE(taken.size(), 4u);
}

TEST(PkeyCtxPoolTest, HoldsDigestContextsByDigest) {
  DigestContextPool pool;
  UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_MD_CTX* raw = ctx.get();
  pool.Give({true, 0, EVP_sha256()}, std::move(ctx));
  EXPECT_EQ(pool.Take({true, 0, EVP_sha384()}), nullptr);
  EXPECT_EQ(pool.Take({true, 0, nullptr}), nullptr);
  EXPECT_EQ(pool.Take({true, 0, EVP_sha256()}).get(), raw);
}

// Each thread has its own lane; what one thread gave back serves that thread again.
TEST(PkeyCtxPoolTest, EachThreadGetsBackWhatItGave) {
  SignatureContextPool pool;
  constexpr int kThreads = 4;
  std::vector<bool> own_back(kThreads, false);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&pool, &own_back, t] {
      for (int round = 0; round < 200; ++round) {
        UniquePtr<EVP_PKEY_CTX> ctx = pool.Take({true, 0});
        if (!ctx) ctx = NewContext();
        EVP_PKEY_CTX* raw = ctx.get();
        pool.Give({true, 0}, std::move(ctx));
        UniquePtr<EVP_PKEY_CTX> again = pool.Take({true, 0});
        if (again.get() != raw) return;
        pool.Give({true, 0}, std::move(again));
      }
      own_back[t] = true;
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_TRUE(own_back[t]) << "thread " << t;
}

TEST(KeyContextPoolsTest, ThreadsAskingFirstTogetherGetOnePool) {
  KeyContextPools contexts;
  constexpr int kThreads = 8;
  std::vector<SignatureContextPool*> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&contexts, &seen, t] { seen[t] = &contexts.signature(); });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(seen[t], seen[0]) << "thread " << t;
  EXPECT_EQ(&contexts.signature(), seen[0]);
}

TEST(KeyContextPoolsTest, ContextsStayWithTheKeyTheyWereMadeFor) {
  KeyContextPools old_key;
  old_key.signature().Give({true, 0}, NewContext());
  old_key.digest().Give({true, 0, EVP_sha256()}, UniquePtr<EVP_MD_CTX>(EVP_MD_CTX_new()));

  KeyContextPools moved_to(std::move(old_key));
  EXPECT_EQ(moved_to.signature().Take({true, 0}), nullptr);
  EXPECT_EQ(moved_to.digest().Take({true, 0, EVP_sha256()}), nullptr);

  KeyContextPools reassigned;
  reassigned.signature().Give({true, 0}, NewContext());
  reassigned = KeyContextPools();
  EXPECT_EQ(reassigned.signature().Take({true, 0}), nullptr)
      << "a context over the key it held before must not serve the key it holds now";
}

}  // namespace
}  // namespace ossl
