// A call that waits, for a key generation, the store's write lock, the disk or a PIN's key
// derivation, must not hold up the token's other sessions (PKCS#11 3.1 §6.6.2 with
// CKF_OS_LOCKING_OK): they go on signing, reading and finding objects and opening sessions
// meanwhile. And what changed while it waited (the login) must still be honoured when it ends.
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "fixture.h"

namespace conformance {
namespace {

using namespace std::chrono_literals;

// The store's write lock, taken by a connection of its own as another process's arca-tool
// would while it imports a key, until Release() or the end of the scope.
class StoreWriteLock {
 public:
  explicit StoreWriteLock(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
      held_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
    }
  }
  ~StoreWriteLock() { Release(); }
  StoreWriteLock(const StoreWriteLock&) = delete;
  StoreWriteLock& operator=(const StoreWriteLock&) = delete;

  bool held() const { return held_; }
  void Release() {
    if (held_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    held_ = false;
    if (db_ != nullptr) sqlite3_close(db_);
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
  bool held_ = false;
};

class SlowCallTest : public TokenTest {
 protected:
  void SetUp() override {
    TokenTest::SetUp();
    if (HasFatalFailure()) return;
    user_ = UserSession();
    Template token;
    token.Bool(CKA_TOKEN, true).Text(CKA_LABEL, "steady");
    Template token_priv;
    // Not private, so that PublicWork finds it while the user is logged out.
    token_priv.Bool(CKA_TOKEN, true).Bool(CKA_PRIVATE, false).Text(CKA_LABEL, "steady");
    GenerateEc(user_, kP256Params, &pub_, &priv_, &token, &token_priv);
    ASSERT_NE(priv_, CK_INVALID_HANDLE);
    other_ = OpenRw();
    // Once, so that the key and the store's state are what the other session already knew.
    ASSERT_TRUE(OtherSessionWorks());
  }

  // One round of what another session does: sign with a token key, then PublicWork. False if
  // any call fails.
  bool OtherSessionWorks() {
    CK_MECHANISM ecdsa = {CKM_ECDSA_SHA256, nullptr, 0};
    Bytes signature;
    if (Sign(other_, &ecdsa, priv_, Str("steady work"), &signature) != CKR_OK) return false;
    return PublicWork();
  }

  // What needs no login: read an attribute and find objects (these take the token's lock),
  // read the session's state and open and close a session (these take the slot's).
  bool PublicWork() {
    CK_RV rv = CKR_OK;
    if (GetBytes(other_, pub_, CKA_LABEL, &rv) != Str("steady") || rv != CKR_OK) return false;
    Template find;
    find.Text(CKA_LABEL, "steady");
    if (Find(other_, find).size() != 2) return false;
    CK_SESSION_INFO info;
    if (f_->C_GetSessionInfo(other_, &info) != CKR_OK) return false;
    CK_SESSION_HANDLE extra = CK_INVALID_HANDLE;
    if (f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &extra) != CKR_OK) {
      return false;
    }
    return f_->C_CloseSession(extra) == CKR_OK;
  }

  // Runs `slow` on a thread of its own and rounds of `work` (OtherSessionWorks unless given)
  // on this one until `slow` returns; returns how many rounds ended while `slow` still ran.
  int RoundsDuring(const std::function<CK_RV()>& slow, CK_RV* slow_rv,
                   const std::function<bool()>& work = nullptr) {
    std::atomic<bool> started{false};
    std::atomic<bool> done{false};
    std::thread thread([&] {
      started = true;
      *slow_rv = slow();
      done = true;
    });
    while (!started) std::this_thread::yield();
    std::this_thread::sleep_for(20ms);
    int rounds = 0;
    while (!done) {
      if (!(work ? work() : OtherSessionWorks())) {
        ADD_FAILURE() << "another session's call failed during the slow one";
        break;
      }
      if (!done) ++rounds;
    }
    thread.join();
    return rounds;
  }

  // A labelled RSA-4096 pair, private key private, generated in `session`: half a second
  // and more here.
  CK_RV GenerateSlowPair(CK_SESSION_HANDLE session) {
    Template pt;
    pt.Ulong(CKA_MODULUS_BITS, 4096).Bool(CKA_VERIFY, true).Text(CKA_LABEL, "slow");
    Template kt;
    kt.Bool(CKA_SIGN, true).Bool(CKA_PRIVATE, true).Text(CKA_LABEL, "slow");
    CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
    return f_->C_GenerateKeyPair(session, &mech, pt.data(), pt.size(), kt.data(), kt.size(), &pub,
                                 &priv);
  }

  CK_RV CreateTokenData(CK_SESSION_HANDLE session, std::string_view label, bool priv = false) {
    Template data;
    data.Ulong(CKA_CLASS, CKO_DATA)
        .Bool(CKA_TOKEN, true)
        .Bool(CKA_PRIVATE, priv)
        .Text(CKA_LABEL, label)
        .Data(CKA_VALUE, Str("payload"));
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    return f_->C_CreateObject(session, data.data(), data.size(), &h);
  }

  // Runs `store` (which makes private objects labelled `label`) on a thread of its own and,
  // while it is under way, logs the user out from another session, then calls `finish` (to
  // end a wait the store is in). The store must fail as it would have after the logout, and
  // leave nothing behind.
  void ExpectNotKeptAcrossLogout(const std::function<CK_RV()>& store,
                                 const std::function<void()>& finish, std::string_view label) {
    CK_RV rv = CKR_GENERAL_ERROR;
    std::thread thread([&] { rv = store(); });
    std::this_thread::sleep_for(50ms);
    EXPECT_CKR_OK(f_->C_Logout(other_));
    finish();
    thread.join();
    EXPECT_EQ(rv, static_cast<CK_RV>(CKR_USER_NOT_LOGGED_IN));
    ASSERT_CKR_OK(LoginUser(other_));
    Template find;
    find.Text(CKA_LABEL, label);
    EXPECT_TRUE(Find(other_, find).empty()) << "a private object stored across the logout was kept";
  }

  CK_SESSION_HANDLE user_ = 0;
  CK_SESSION_HANDLE other_ = 0;
  CK_OBJECT_HANDLE pub_ = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE priv_ = CK_INVALID_HANDLE;
};

TEST_F(SlowCallTest, KeyGenerationDoesNotHoldUpOtherSessions) {
  CK_RV rv = CKR_GENERAL_ERROR;
  // Held up, the first round would have waited for the whole generation.
  EXPECT_GE(RoundsDuring([&] { return GenerateSlowPair(user_); }, &rv), 10);
  EXPECT_CKR_OK(rv);
}

// The login can change while a key is being generated (the generation does not hold the
// slot): a private key whose generation spans a C_Logout must not be left behind.
TEST_F(SlowCallTest, PrivateKeyGeneratedAcrossLogoutIsNotKept) {
  ExpectNotKeptAcrossLogout([&] { return GenerateSlowPair(user_); }, [] {}, "slow");
}

// Another process holds the store's write lock: this process's C_CreateObject of a token
// object waits for it (up to busy_timeout_ms), and its other sessions carry on meanwhile.
TEST_F(SlowCallTest, TokenObjectWriteWaitingForTheStoreDoesNotHoldUpOtherSessions) {
  StoreWriteLock lock(env_->store_path());
  ASSERT_TRUE(lock.held());
  std::atomic<bool> done{false};
  CK_RV rv = CKR_GENERAL_ERROR;
  std::thread writer([&] {
    rv = CreateTokenData(user_, "written");
    done = true;
  });
  std::this_thread::sleep_for(50ms);
  const bool write_waited = !done;
  const bool others_worked = OtherSessionWorks() && OtherSessionWorks();
  const bool write_still_waiting = !done;
  lock.Release();
  writer.join();
  EXPECT_TRUE(write_waited) << "the write did not wait for the store's lock";
  EXPECT_TRUE(others_worked);
  EXPECT_TRUE(write_still_waiting) << "the other session's calls waited for the write";
  EXPECT_CKR_OK(rv);
  Template find;
  find.Text(CKA_LABEL, "written");
  EXPECT_EQ(Find(other_, find).size(), 1u);
}

// The same for destroying a token object and changing its attributes.
TEST_F(SlowCallTest, TokenObjectChangesWaitingForTheStoreDoNotHoldUpOtherSessions) {
  ASSERT_CKR_OK(CreateTokenData(user_, "doomed"));
  Template find;
  find.Text(CKA_LABEL, "doomed");
  std::vector<CK_OBJECT_HANDLE> doomed = Find(user_, find);
  ASSERT_EQ(doomed.size(), 1u);
  for (bool destroy : {false, true}) {
    StoreWriteLock lock(env_->store_path());
    ASSERT_TRUE(lock.held());
    std::atomic<bool> done{false};
    CK_RV rv = CKR_GENERAL_ERROR;
    std::thread writer([&] {
      Template label;
      label.Text(CKA_APPLICATION, "changed");
      rv = destroy ? f_->C_DestroyObject(user_, doomed[0])
                   : f_->C_SetAttributeValue(user_, doomed[0], label.data(), label.size());
      done = true;
    });
    std::this_thread::sleep_for(50ms);
    const bool others_worked = OtherSessionWorks();
    const bool write_still_waiting = !done;
    lock.Release();
    writer.join();
    EXPECT_TRUE(others_worked);
    EXPECT_TRUE(write_still_waiting) << (destroy ? "destroy" : "set attribute");
    EXPECT_CKR_OK(rv);
  }
  EXPECT_TRUE(Find(other_, find).empty());
}

// A private token object whose write waited across another session's C_Logout is not kept,
// and the call fails as it would have after the logout.
TEST_F(SlowCallTest, PrivateObjectStoredAcrossLogoutIsNotKept) {
  StoreWriteLock lock(env_->store_path());
  ASSERT_TRUE(lock.held());
  ExpectNotKeptAcrossLogout([&] { return CreateTokenData(user_, "secret", true); },
                            [&] { lock.Release(); }, "secret");
}

// PINs that cost what a deployed token's do: each check derives a key for a tenth of a
// second or more.
class SlowPinTest : public SlowCallTest {
 protected:
  std::string PinConfig() const override { return "kdf_iterations = 400000\n"; }
};

TEST_F(SlowPinTest, PinChangeDoesNotHoldUpOtherSessions) {
  CK_RV rv = CKR_GENERAL_ERROR;
  auto change = [&] {
    return f_->C_SetPIN(user_, Utf8(kUserPin), kUserPin.size(), Utf8(kUserPin), kUserPin.size());
  };
  EXPECT_GE(RoundsDuring(change, &rv), 10);
  EXPECT_CKR_OK(rv);
}

TEST_F(SlowPinTest, LoginDoesNotHoldUpOtherSessions) {
  ASSERT_CKR_OK(f_->C_Logout(user_));
  CK_RV rv = CKR_GENERAL_ERROR;
  auto login = [&] { return LoginUser(user_); };
  EXPECT_GE(RoundsDuring(login, &rv, [&] { return PublicWork(); }), 10);
  EXPECT_CKR_OK(rv);
  CK_SESSION_INFO info;
  ASSERT_CKR_OK(f_->C_GetSessionInfo(other_, &info));
  EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RW_USER_FUNCTIONS));
}

// Login state is per token (§5.6): of two sessions logging in at once, one does and the
// other finds the user already logged in.
TEST_F(SlowPinTest, TwoLoginsAtOnceLetOneIn) {
  ASSERT_CKR_OK(f_->C_Logout(user_));
  CK_RV first = CKR_GENERAL_ERROR;
  std::thread thread([&] { first = LoginUser(user_); });
  CK_RV second = LoginUser(other_);
  thread.join();
  std::vector<CK_RV> results = {first, second};
  std::sort(results.begin(), results.end());
  EXPECT_EQ(results, (std::vector<CK_RV>{CKR_OK, CKR_USER_ALREADY_LOGGED_IN}));
}

// An SO login is refused while a read-only session exists (§5.6 C_Login), and a read-only
// session refused while the SO is logged in: one opened while the SO's PIN is being checked
// keeps the SO out, and the open does not wait for the check.
TEST_F(SlowPinTest, ReadOnlySessionOpenedDuringSoLoginKeepsTheSoOut) {
  ASSERT_CKR_OK(f_->C_Logout(user_));
  CK_RV so_rv = CKR_GENERAL_ERROR;
  std::atomic<bool> started{false};
  std::atomic<bool> done{false};
  std::thread thread([&] {
    started = true;
    so_rv = LoginSo(user_);
    done = true;
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);
  CK_SESSION_HANDLE read_only = CK_INVALID_HANDLE;
  EXPECT_CKR_OK(f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &read_only));
  EXPECT_FALSE(done) << "opening the session waited for the SO's PIN check";
  thread.join();
  EXPECT_EQ(so_rv, static_cast<CK_RV>(CKR_SESSION_READ_ONLY_EXISTS));
  CK_SESSION_INFO info;
  ASSERT_CKR_OK(f_->C_GetSessionInfo(user_, &info));
  EXPECT_EQ(info.state, static_cast<CK_STATE>(CKS_RW_PUBLIC_SESSION));
  EXPECT_CKR_OK(f_->C_CloseSession(read_only));
}

// CKU_CONTEXT_SPECIFIC re-authentication for a key with CKA_ALWAYS_AUTHENTICATE.
TEST_F(SlowPinTest, ContextLoginDoesNotHoldUpOtherSessions) {
  Template always;
  always.Bool(CKA_ALWAYS_AUTHENTICATE, true);
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  GenerateEc(user_, kP256Params, &pub, &priv, nullptr, &always);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  CK_MECHANISM ecdsa = {CKM_ECDSA, nullptr, 0};
  ASSERT_CKR_OK(f_->C_SignInit(user_, &ecdsa, priv));
  CK_RV rv = CKR_GENERAL_ERROR;
  auto login = [&] {
    return f_->C_Login(user_, CKU_CONTEXT_SPECIFIC, Utf8(kUserPin), kUserPin.size());
  };
  EXPECT_GE(RoundsDuring(login, &rv), 10);
  EXPECT_CKR_OK(rv);
  Bytes hash(32, 0x5a);
  CK_BYTE signature[64];
  CK_ULONG len = sizeof signature;
  EXPECT_CKR_OK(f_->C_Sign(user_, hash.data(), hash.size(), signature, &len));
}

}  // namespace
}  // namespace conformance
