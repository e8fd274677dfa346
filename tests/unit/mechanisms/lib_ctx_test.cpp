// The module's own OpenSSL library contexts (mechanisms/ossl/lib_ctx.h): when they may be used,
// and that a call's scope gives the thread back the context it had.
#include "mechanisms/ossl/lib_ctx.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <thread>
#include <vector>

namespace {

OSSL_LIB_CTX* ThreadDefault() { return OSSL_LIB_CTX_set0_default(nullptr); }

// A context as an application might have set one up: the named providers loaded.
struct AppContext {
  explicit AppContext(std::initializer_list<const char*> names) {
    for (const char* name : names) {
      providers.push_back(OSSL_PROVIDER_load(ctx, name));
      EXPECT_NE(providers.back(), nullptr) << name;
    }
  }
  ~AppContext() {
    for (OSSL_PROVIDER* provider : providers) OSSL_PROVIDER_unload(provider);
    OSSL_LIB_CTX_free(ctx);
  }
  OSSL_LIB_CTX* ctx = OSSL_LIB_CTX_new();
  std::vector<OSSL_PROVIDER*> providers;
};

// The provider that serves SHA-256 to the thread's current default context.
const OSSL_PROVIDER* Sha256Provider() {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EXPECT_NE(md, nullptr);
  const OSSL_PROVIDER* provider = md != nullptr ? EVP_MD_get0_provider(md) : nullptr;
  EVP_MD_free(md);
  return provider;
}

class PrivateContextsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(ossl::ChoosePrivateContexts(true)); }
  void TearDown() override { ossl::ChoosePrivateContexts(false); }
};

TEST(AllowsPrivateContextsTest, OnlyOpenSslsOwnProvidersWithoutFips) {
  EXPECT_TRUE(ossl::AllowsPrivateContexts(AppContext({"default"}).ctx));
  EXPECT_TRUE(ossl::AllowsPrivateContexts(AppContext({"default", "base", "legacy"}).ctx));
  // Any other provider may be what the application wants its cryptography done by.
  EXPECT_FALSE(ossl::AllowsPrivateContexts(AppContext({"default", "null"}).ctx));
  AppContext fips({"default"});
  ASSERT_EQ(EVP_default_properties_enable_fips(fips.ctx, 1), 1);
  EXPECT_FALSE(ossl::AllowsPrivateContexts(fips.ctx));
}

TEST_F(PrivateContextsTest, ScopeUsesAnotherContextAndRestoresTheApplications) {
  OSSL_LIB_CTX* application = ThreadDefault();
  ASSERT_EQ(application, OSSL_LIB_CTX_get0_global_default());
  const OSSL_PROVIDER* application_sha256 = Sha256Provider();
  {
    ossl::PrivateContextScope scope;
    OSSL_LIB_CTX* own = ThreadDefault();
    EXPECT_NE(own, application);
    // Cryptography in the scope is served by a provider instance of the module's context.
    const OSSL_PROVIDER* sha256 = Sha256Provider();
    ASSERT_NE(sha256, nullptr);
    EXPECT_NE(sha256, application_sha256);
    EXPECT_STREQ(OSSL_PROVIDER_get0_name(sha256), "default");
    {
      ossl::PrivateContextScope nested;
      EXPECT_EQ(ThreadDefault(), own);
    }
    EXPECT_EQ(ThreadDefault(), own);
  }
  EXPECT_EQ(ThreadDefault(), application);
}

TEST_F(PrivateContextsTest, ThreadOnAContextOfTheApplicationsKeepsIt) {
  AppContext chosen({"default"});
  std::thread([&] {
    OSSL_LIB_CTX_set0_default(chosen.ctx);
    {
      ossl::PrivateContextScope scope;
      EXPECT_EQ(ThreadDefault(), chosen.ctx);
    }
    EXPECT_EQ(ThreadDefault(), chosen.ctx);
    OSSL_LIB_CTX_set0_default(OSSL_LIB_CTX_get0_global_default());
  }).join();
}

TEST_F(PrivateContextsTest, ConsecutiveThreadsGetDifferentContexts) {
  OSSL_LIB_CTX* first = nullptr;
  OSSL_LIB_CTX* second = nullptr;
  auto record = [](OSSL_LIB_CTX** out) {
    ossl::PrivateContextScope scope;
    *out = ThreadDefault();
  };
  std::thread(record, &first).join();
  std::thread(record, &second).join();
  EXPECT_NE(first, OSSL_LIB_CTX_get0_global_default());
  EXPECT_NE(second, OSSL_LIB_CTX_get0_global_default());
  EXPECT_NE(first, second);
}

TEST_F(PrivateContextsTest, ConfigurationCanKeepCryptographyInTheApplicationsContext) {
  EXPECT_FALSE(ossl::ChoosePrivateContexts(false));
  ossl::PrivateContextScope scope;
  EXPECT_EQ(ThreadDefault(), OSSL_LIB_CTX_get0_global_default());
}

// A key made in one context signs in another: OpenSSL carries it over.
TEST_F(PrivateContextsTest, KeyMadeInOneThreadsContextSignsInAnothers) {
  EVP_PKEY* key = nullptr;
  std::thread([&] {
    ossl::PrivateContextScope scope;
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  }).join();
  ASSERT_NE(key, nullptr);
  std::thread([&] {
    ossl::PrivateContextScope scope;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
    ASSERT_NE(ctx, nullptr);
    unsigned char hash[32] = {1, 2, 3};
    unsigned char sig[80];
    size_t len = sizeof sig;
    EXPECT_EQ(EVP_PKEY_sign_init(ctx), 1);
    EXPECT_EQ(EVP_PKEY_sign(ctx, sig, &len, hash, sizeof hash), 1);
    EXPECT_EQ(EVP_PKEY_verify_init(ctx), 1);
    EXPECT_EQ(EVP_PKEY_verify(ctx, sig, len, hash, sizeof hash), 1);
    EVP_PKEY_CTX_free(ctx);
  }).join();
  EVP_PKEY_free(key);
}

}  // namespace
