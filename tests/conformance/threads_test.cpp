// Concurrency (PKCS#11 3.1 §6.6.2 with CKF_OS_LOCKING_OK; issue 2 item 9): threads with
// their own sessions work at the same time and all succeed.
#include <atomic>
#include <chrono>
#include <thread>

#include "fixture.h"

namespace conformance {
namespace {

constexpr int kThreads = 8;

class ThreadsTest : public TokenTest {
 protected:
  // A labelled RSA-4096 pair, private key private, generated on its own thread in a user
  // session: long enough (half a second and more here) for another thread to act meanwhile.
  struct SlowGeneration {
    std::atomic<bool> started{false};
    std::atomic<bool> done{false};
    CK_RV rv = CKR_GENERAL_ERROR;
    std::thread thread;
  };

  // Starts `g` and returns once the generation is well under way.
  void StartSlowGeneration(SlowGeneration& g) {
    CK_SESSION_HANDLE s = UserSession();
    g.thread = std::thread([this, s, &g] {
      Template pt;
      pt.Ulong(CKA_MODULUS_BITS, 4096).Bool(CKA_VERIFY, true).Text(CKA_LABEL, "slow");
      Template kt;
      kt.Bool(CKA_SIGN, true).Bool(CKA_PRIVATE, true).Text(CKA_LABEL, "slow");
      CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
      CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
      g.started = true;
      g.rv =
          f_->C_GenerateKeyPair(s, &mech, pt.data(), pt.size(), kt.data(), kt.size(), &pub, &priv);
      g.done = true;
    });
    while (!g.started) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
};

// A slow key generation must not hold the slot: other sessions keep finding objects and
// reading their session state while it runs (each of those calls takes the slot's lock).
TEST_F(ThreadsTest, KeyGenerationDoesNotHoldUpOtherSessions) {
  CK_SESSION_HANDLE other = OpenRw();
  SlowGeneration generation;
  StartSlowGeneration(generation);
  int calls_during_generation = 0;
  while (!generation.done) {
    Template find;
    find.Ulong(CKA_CLASS, CKO_DATA);
    CK_SESSION_INFO info;
    if (f_->C_FindObjectsInit(other, find.data(), find.size()) != CKR_OK ||
        f_->C_FindObjectsFinal(other) != CKR_OK || f_->C_GetSessionInfo(other, &info) != CKR_OK) {
      ADD_FAILURE() << "slot call failed during generation";
      break;
    }
    if (!generation.done) ++calls_during_generation;
  }
  generation.thread.join();
  EXPECT_CKR_OK(generation.rv);
  // Held up, the first round would have waited for the whole generation.
  EXPECT_GE(calls_during_generation, 10);
}

// The login can change while a key is being generated (the generation does not hold the
// slot): a private key whose generation spans a C_Logout must not be left behind.
TEST_F(ThreadsTest, PrivateKeyGeneratedAcrossLogoutIsNotKept) {
  CK_SESSION_HANDLE other = OpenRw();
  SlowGeneration generation;
  StartSlowGeneration(generation);
  const bool logout_during_generation = !generation.done;
  EXPECT_CKR_OK(f_->C_Logout(other));
  generation.thread.join();
  ASSERT_TRUE(logout_during_generation) << "generation too fast for this test";
  EXPECT_EQ(generation.rv, static_cast<CK_RV>(CKR_USER_NOT_LOGGED_IN));
  ASSERT_CKR_OK(LoginUser(other));
  Template find;
  find.Text(CKA_LABEL, "slow");
  EXPECT_TRUE(Find(other, find).empty()) << "a half of the pair was kept";
}

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
        ++signatures;
      }
      if (f_->C_CloseSession(s) != CKR_OK) ++failures;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(signatures.load(), kThreads * 20);
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
