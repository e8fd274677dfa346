// Concurrency (PKCS#11 3.1 §6.6.2 with CKF_OS_LOCKING_OK; issue 2 item 9): threads with
// their own sessions work at the same time and all succeed.
#include <openssl/evp.h>

#include <atomic>
#include <thread>

#include "fixture.h"

namespace conformance {
namespace {

constexpr int kThreads = 8;

class ThreadsTest : public TokenTest {};

TEST_F(ThreadsTest, ConcurrentSigning) {
  CK_SESSION_HANDLE main = UserSession();
  CK_OBJECT_HANDLE pub, priv;
  GenerateEc(main, kP256Params, &pub, &priv);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  Bytes spki = GetBytes(main, pub, CKA_PUBLIC_KEY_INFO);
  Template extra;
  extra.Bool(CKA_SIGN, true).Bool(CKA_VERIFY, true);
  CK_OBJECT_HANDLE hmac = CreateSecret(main, CKK_GENERIC_SECRET, Str("Jefe"), &extra);

  std::atomic<int> failures{0};
  std::atomic<int> signatures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      CK_SESSION_HANDLE s = 0;
      if (f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) {
        ++failures;
        return;
      }
      for (int i = 0; i < 20; ++i) {
        Bytes msg = Str("thread " + std::to_string(t) + " message " + std::to_string(i));
        CK_MECHANISM m = {CKM_ECDSA_SHA256, nullptr, 0};
        CK_BYTE sig[64];
        CK_ULONG len = sizeof sig;
        if (f_->C_SignInit(s, &m, priv) != CKR_OK ||
            f_->C_Sign(s, msg.data(), msg.size(), sig, &len) != CKR_OK) {
          ++failures;
          continue;
        }
        if (f_->C_VerifyInit(s, &m, pub) != CKR_OK ||
            f_->C_Verify(s, msg.data(), msg.size(), sig, len) != CKR_OK) {
          ++failures;
          continue;
        }
        if (!OpensslVerify(spki, "SHA256", msg, Bytes(sig, sig + len))) ++failures;
        CK_MECHANISM hm = {CKM_SHA256_HMAC, nullptr, 0};
        CK_BYTE mac[32];
        len = sizeof mac;
        if (f_->C_SignInit(s, &hm, hmac) != CKR_OK ||
            f_->C_Sign(s, msg.data(), msg.size(), mac, &len) != CKR_OK) {
          ++failures;
          continue;
        }
        // Threads in different lanes start from different HMAC prototypes: all give the MAC.
        unsigned char expected[32];
        size_t expected_len = 0;
        if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, "Jefe", 4, msg.data(),
                      msg.size(), expected, sizeof expected, &expected_len) == nullptr ||
            Bytes(mac, mac + len) != Bytes(expected, expected + expected_len)) {
          ++failures;
        }
        ++signatures;
      }
      if (f_->C_CloseSession(s) != CKR_OK) ++failures;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(signatures.load(), kThreads * 20);
}

// The module may do its cryptography in OpenSSL library contexts of its own, but the calling
// thread's default context is the application's business: after every call it is what it was
// before, whether the global default or one the application set for the thread.
TEST_F(ThreadsTest, CallsLeaveTheThreadsOpenSslContextAsTheyFoundIt) {
  CK_SESSION_HANDLE main = UserSession();
  CK_OBJECT_HANDLE pub, priv;
  GenerateEc(main, kP256Params, &pub, &priv);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  Bytes spki = GetBytes(main, pub, CKA_PUBLIC_KEY_INFO);
  OSSL_LIB_CTX* global = OSSL_LIB_CTX_get0_global_default();
  OSSL_LIB_CTX* own = OSSL_LIB_CTX_new();
  ASSERT_NE(own, nullptr);
  for (OSSL_LIB_CTX* chosen : {global, own}) {
    std::thread([&] {
      OSSL_LIB_CTX_set0_default(chosen);
      auto current = [] { return OSSL_LIB_CTX_set0_default(nullptr); };
      CK_SESSION_HANDLE s = 0;
      ASSERT_EQ(f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK);
      EXPECT_EQ(current(), chosen);
      Bytes msg = Str("context check");
      CK_MECHANISM m = {CKM_ECDSA_SHA256, nullptr, 0};
      CK_BYTE sig[64];
      CK_ULONG len = sizeof sig;
      ASSERT_EQ(f_->C_SignInit(s, &m, priv), CKR_OK);
      EXPECT_EQ(current(), chosen);
      ASSERT_EQ(f_->C_Sign(s, msg.data(), msg.size(), sig, &len), CKR_OK);
      EXPECT_EQ(current(), chosen);
      EXPECT_TRUE(OpensslVerify(spki, "SHA256", msg, Bytes(sig, sig + len)));
      // A failing call restores it too.
      EXPECT_EQ(f_->C_SignInit(s, &m, pub), CKR_KEY_FUNCTION_NOT_PERMITTED);
      EXPECT_EQ(current(), chosen);
      EXPECT_EQ(f_->C_CloseSession(s), CKR_OK);
      OSSL_LIB_CTX_set0_default(global);
    }).join();
  }
  OSSL_LIB_CTX_free(own);
}

TEST_F(ThreadsTest, ConcurrentOpenClose) {
  CK_ULONG before = TokenInfo(slot_).ulSessionCount;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        CK_SESSION_HANDLE s = 0;
        CK_FLAGS flags = CKF_SERIAL_SESSION | ((t + i) % 2 ? CKF_RW_SESSION : 0);
        if (f_->C_OpenSession(slot_, flags, nullptr, nullptr, &s) != CKR_OK) {
          ++failures;
          continue;
        }
        CK_SESSION_INFO info;
        if (f_->C_GetSessionInfo(s, &info) != CKR_OK || info.slotID != slot_) ++failures;
        CK_BYTE buf[16];
        if (f_->C_GenerateRandom(s, buf, sizeof buf) != CKR_OK) ++failures;
        if (f_->C_CloseSession(s) != CKR_OK) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(TokenInfo(slot_).ulSessionCount, before);
}

TEST_F(ThreadsTest, ConcurrentTokenObjectCreation) {
  CK_SESSION_HANDLE main = UserSession();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  constexpr int kWriters = 4;
  constexpr int kEach = 10;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      CK_SESSION_HANDLE s = 0;
      if (f_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s) !=
          CKR_OK) {
        ++failures;
        return;
      }
      for (int i = 0; i < kEach; ++i) {
        Template tmpl;
        tmpl.Ulong(CKA_CLASS, CKO_DATA)
            .Bool(CKA_TOKEN, true)
            .Bool(CKA_PRIVATE, (i % 2) != 0)
            .Text(CKA_LABEL, "t" + std::to_string(t) + "-" + std::to_string(i));
        CK_OBJECT_HANDLE h = 0;
        if (f_->C_CreateObject(s, tmpl.data(), tmpl.size(), &h) != CKR_OK) ++failures;
      }
      f_->C_CloseSession(s);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  Template find;
  find.Ulong(CKA_CLASS, CKO_DATA);
  EXPECT_EQ(Find(main, find).size(), static_cast<size_t>(kWriters * kEach));
  Reinitialize();
  main = UserSession();
  EXPECT_EQ(Find(main, find).size(), static_cast<size_t>(kWriters * kEach)) << "lost writes";
}

TEST_F(ThreadsTest, ConcurrentDigestsAreIndependent) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      CK_SESSION_HANDLE s = 0;
      if (f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) {
        ++failures;
        return;
      }
      Bytes msg = Str(std::string(100 + t, static_cast<char>('a' + t)));
      Bytes expected = OpensslDigest("SHA256", msg);
      for (int i = 0; i < 50; ++i) {
        CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
        if (f_->C_DigestInit(s, &m) != CKR_OK) {
          ++failures;
          continue;
        }
        f_->C_DigestUpdate(s, msg.data(), 50);
        f_->C_DigestUpdate(s, msg.data() + 50, msg.size() - 50);
        CK_BYTE out[32];
        CK_ULONG len = sizeof out;
        if (f_->C_DigestFinal(s, out, &len) != CKR_OK || Bytes(out, out + len) != expected) {
          ++failures;
        }
      }
      f_->C_CloseSession(s);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace conformance
