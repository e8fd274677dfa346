// Slots and tokens (PKCS#11 3.1 §5.5: C_GetSlotList, C_GetSlotInfo, C_GetTokenInfo,
// C_GetMechanismList, C_GetMechanismInfo, C_InitToken; issue 2 item 4).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "fixture.h"

namespace conformance {
namespace {

using SlotTest = InitializedTest;

constexpr CK_SLOT_ID kBadSlot = 0x7fff1234UL;

bool IsBlankPadded(const std::string& field) { return field.find('\0') == std::string::npos; }

TEST_F(SlotTest, FreeSlotAlwaysPresent) {
  std::vector<CK_SLOT_ID> all = Slots(false);
  std::vector<CK_SLOT_ID> present = Slots(true);
  ASSERT_FALSE(all.empty());
  for (CK_SLOT_ID s : present) {
    EXPECT_NE(std::find(all.begin(), all.end(), s), all.end()) << "present slot not in full list";
  }
  CK_SLOT_ID free_slot = FreeSlot();
  ASSERT_NE(free_slot, CK_UNAVAILABLE_INFORMATION);
  CK_SLOT_INFO si = {};
  ASSERT_CKR_OK(f_->C_GetSlotInfo(free_slot, &si));
  EXPECT_TRUE(si.flags & CKF_TOKEN_PRESENT);
  EXPECT_TRUE(IsBlankPadded(FromFixed(si.slotDescription, 64)));
  EXPECT_TRUE(IsBlankPadded(FromFixed(si.manufacturerID, 32)));

  ASSERT_NE(InitToken("first"), CK_UNAVAILABLE_INFORMATION);
  CK_SLOT_ID next_free = FreeSlot();
  EXPECT_NE(next_free, CK_UNAVAILABLE_INFORMATION) << "no free slot after C_InitToken";
  ASSERT_NE(InitToken("second"), CK_UNAVAILABLE_INFORMATION);
  EXPECT_NE(FreeSlot(), CK_UNAVAILABLE_INFORMATION);
  EXPECT_NE(SlotByLabel("first"), SlotByLabel("second"));
}

TEST_F(SlotTest, SlotListBufferProtocol) {
  CK_ULONG count = 0;
  ASSERT_CKR_OK(f_->C_GetSlotList(CK_FALSE, nullptr, &count));
  ASSERT_GE(count, 1u);
  std::vector<CK_SLOT_ID> slots(count + 1, 0xdeadUL);
  CK_ULONG zero = 0;
  EXPECT_RV(CKR_BUFFER_TOO_SMALL, f_->C_GetSlotList(CK_FALSE, slots.data(), &zero));
  EXPECT_EQ(zero, count);
  CK_ULONG big = count + 1;
  EXPECT_CKR_OK(f_->C_GetSlotList(CK_FALSE, slots.data(), &big));
  EXPECT_EQ(big, count);
}

TEST_F(SlotTest, SlotIdsStableAcrossReinitialize) {
  CK_SLOT_ID slot = InitToken("stable");
  ASSERT_NE(slot, CK_UNAVAILABLE_INFORMATION);
  CK_TOKEN_INFO before = TokenInfo(slot);
  Reinitialize();
  EXPECT_EQ(SlotByLabel("stable"), slot);
  CK_TOKEN_INFO after = TokenInfo(slot);
  EXPECT_EQ(FromFixed(after.serialNumber, 16), FromFixed(before.serialNumber, 16));
}

TEST_F(SlotTest, SlotIdsStableAcrossProcesses) {
  CK_SLOT_ID slot = InitToken("shared");
  ASSERT_NE(slot, CK_UNAVAILABLE_INFORMATION);
  CK_FUNCTION_LIST* f = f_;
  int code = RunInChild([f, slot]() -> int {
    if (f->C_Initialize(nullptr) != CKR_OK) return 10;
    CK_TOKEN_INFO info = {};
    if (f->C_GetTokenInfo(slot, &info) != CKR_OK) return 11;
    if (FromFixed(info.label, 32) != Padded("shared", 32)) return 12;
    f->C_Finalize(nullptr);
    return 0;
  });
  EXPECT_EQ(code, 0);
}

TEST_F(SlotTest, InvalidSlot) {
  CK_SLOT_INFO si;
  CK_TOKEN_INFO ti;
  CK_ULONG count = 0;
  CK_MECHANISM_INFO mi;
  CK_SESSION_HANDLE s;
  EXPECT_RV(CKR_SLOT_ID_INVALID, f_->C_GetSlotInfo(kBadSlot, &si));
  EXPECT_RV(CKR_SLOT_ID_INVALID, f_->C_GetTokenInfo(kBadSlot, &ti));
  EXPECT_RV(CKR_SLOT_ID_INVALID, f_->C_GetMechanismList(kBadSlot, nullptr, &count));
  EXPECT_RV(CKR_SLOT_ID_INVALID, f_->C_GetMechanismInfo(kBadSlot, CKM_SHA256, &mi));
  EXPECT_RV(CKR_SLOT_ID_INVALID,
            f_->C_OpenSession(kBadSlot, CKF_SERIAL_SESSION, nullptr, nullptr, &s));
  EXPECT_RV(CKR_SLOT_ID_INVALID, f_->C_CloseAllSessions(kBadSlot));
  std::string label = Padded("x", 32);
  EXPECT_RV(CKR_SLOT_ID_INVALID,
            f_->C_InitToken(kBadSlot, Utf8(kSoPin), kSoPin.size(), Utf8(label)));
}

TEST_F(SlotTest, TokenInfoIsTruthful) {
  CK_SLOT_ID slot = InitToken(kTokenLabel);
  ASSERT_NE(slot, CK_UNAVAILABLE_INFORMATION);
  CK_TOKEN_INFO info = TokenInfo(slot);
  EXPECT_EQ(FromFixed(info.label, 32), Padded(kTokenLabel, 32));
  EXPECT_EQ(FromFixed(info.manufacturerID, 32), Padded("Arca", 32));
  std::string model = FromFixed(info.model, 16);
  EXPECT_TRUE(IsBlankPadded(model));
  EXPECT_NE(model, std::string(16, ' '));
  std::string serial = FromFixed(info.serialNumber, 16);
  EXPECT_TRUE(IsBlankPadded(serial));
  EXPECT_NE(serial, std::string(16, ' ')) << "serial number empty";
  EXPECT_TRUE(info.flags & CKF_TOKEN_INITIALIZED);
  EXPECT_TRUE(info.flags & CKF_LOGIN_REQUIRED);
  EXPECT_TRUE(info.flags & CKF_RNG);
  EXPECT_FALSE(info.flags & CKF_USER_PIN_INITIALIZED) << "no C_InitPIN yet";
  EXPECT_FALSE(info.flags & (CKF_USER_PIN_LOCKED | CKF_SO_PIN_LOCKED | CKF_USER_PIN_COUNT_LOW |
                             CKF_SO_PIN_COUNT_LOW | CKF_WRITE_PROTECTED));
  EXPECT_EQ(info.ulSessionCount, 0u);
  EXPECT_EQ(info.ulRwSessionCount, 0u);
  EXPECT_LE(info.ulMinPinLen, info.ulMaxPinLen);
  EXPECT_EQ(info.ulMinPinLen, 4u) << "config default min_length";

  // Session counts follow open sessions.
  CK_SESSION_HANDLE ro = Open(slot, false);
  CK_SESSION_HANDLE rw = Open(slot, true);
  info = TokenInfo(slot);
  EXPECT_EQ(info.ulSessionCount, 2u);
  EXPECT_EQ(info.ulRwSessionCount, 1u);
  EXPECT_CKR_OK(f_->C_CloseSession(ro));
  EXPECT_CKR_OK(f_->C_CloseSession(rw));
  info = TokenInfo(slot);
  EXPECT_EQ(info.ulSessionCount, 0u);
  EXPECT_EQ(info.ulRwSessionCount, 0u);

  // After C_InitPIN the user PIN is initialised.
  CK_SESSION_HANDLE so = Open(slot, true);
  ASSERT_CKR_OK(f_->C_Login(so, CKU_SO, Utf8(kSoPin), kSoPin.size()));
  ASSERT_CKR_OK(f_->C_InitPIN(so, Utf8(kUserPin), kUserPin.size()));
  EXPECT_TRUE(TokenInfo(slot).flags & CKF_USER_PIN_INITIALIZED);
}

TEST_F(SlotTest, SerialNumbersAreUnique) {
  CK_SLOT_ID a = InitToken("token a");
  CK_SLOT_ID b = InitToken("token b");
  ASSERT_NE(a, CK_UNAVAILABLE_INFORMATION);
  ASSERT_NE(b, CK_UNAVAILABLE_INFORMATION);
  EXPECT_NE(FromFixed(TokenInfo(a).serialNumber, 16), FromFixed(TokenInfo(b).serialNumber, 16));
}

TEST_F(SlotTest, InitTokenWrongSoPinAndOpenSession) {
  CK_SLOT_ID slot = InitToken("guarded");
  ASSERT_NE(slot, CK_UNAVAILABLE_INFORMATION);
  std::string label = Padded("guarded", 32);
  EXPECT_RV(CKR_PIN_INCORRECT, f_->C_InitToken(slot, Utf8("87654321"), 8, Utf8(label)));
  CK_SESSION_HANDLE s = Open(slot, false);
  EXPECT_RV(CKR_SESSION_EXISTS, f_->C_InitToken(slot, Utf8(kSoPin), kSoPin.size(), Utf8(label)));
  EXPECT_CKR_OK(f_->C_CloseSession(s));
  EXPECT_CKR_OK(f_->C_InitToken(slot, Utf8(kSoPin), kSoPin.size(), Utf8(label)));
}

TEST_F(SlotTest, InitTokenSoPinLengthRange) {
  CK_SLOT_ID free_slot = FreeSlot();
  ASSERT_NE(free_slot, CK_UNAVAILABLE_INFORMATION);
  std::string label = Padded("short pin", 32);
  EXPECT_RV(CKR_PIN_LEN_RANGE, f_->C_InitToken(free_slot, Utf8("12"), 2, Utf8(label)));
}

class TokenInitTest : public TokenTest {};

TEST_F(TokenInitTest, ReinitWipesObjectsAndKeepsSlot) {
  CK_SESSION_HANDLE s = UserSession();
  CreateData(s, "public token object", true, false);
  CreateData(s, "private token object", true, true);
  CK_TOKEN_INFO before = TokenInfo(slot_);
  ASSERT_CKR_OK(f_->C_CloseAllSessions(slot_));
  std::string label = Padded("renamed", 32);
  ASSERT_CKR_OK(f_->C_InitToken(slot_, Utf8(kSoPin), kSoPin.size(), Utf8(label)));
  EXPECT_EQ(SlotByLabel("renamed"), slot_);
  CK_TOKEN_INFO after = TokenInfo(slot_);
  EXPECT_EQ(FromFixed(after.label, 32), label);
  EXPECT_FALSE(after.flags & CKF_USER_PIN_INITIALIZED) << "re-init resets the user PIN";
  (void)before;
  s = OpenRw();
  // Only the token's own CKO_PROFILE objects may remain: every object made before is gone.
  Template all;
  Template profiles;
  profiles.Ulong(CKA_CLASS, CKO_PROFILE);
  EXPECT_EQ(Find(s, all).size(), Find(s, profiles).size()) << "objects survived C_InitToken";
  // The user PIN is gone with the old token.
  EXPECT_RV(CKR_USER_PIN_NOT_INITIALIZED, LoginUser(s));
  // Still no stale objects after a restart.
  Reinitialize();
  s = OpenRw();
  ASSERT_CKR_OK(LoginSo(s));
  ASSERT_CKR_OK(f_->C_InitPIN(s, Utf8(kUserPin), kUserPin.size()));
  ASSERT_CKR_OK(f_->C_Logout(s));
  ASSERT_CKR_OK(LoginUser(s));
  EXPECT_EQ(Find(s, all).size(), Find(s, profiles).size());
}

TEST_F(TokenInitTest, MechanismListProtocol) {
  CK_ULONG count = 0;
  ASSERT_CKR_OK(f_->C_GetMechanismList(slot_, nullptr, &count));
  ASSERT_GT(count, 1u);
  std::vector<CK_MECHANISM_TYPE> mechs(count);
  CK_ULONG small = count - 1;
  EXPECT_RV(CKR_BUFFER_TOO_SMALL, f_->C_GetMechanismList(slot_, mechs.data(), &small));
  EXPECT_EQ(small, count);
  ASSERT_CKR_OK(f_->C_GetMechanismList(slot_, mechs.data(), &count));
  std::set<CK_MECHANISM_TYPE> set(mechs.begin(), mechs.end());
  EXPECT_EQ(set.size(), mechs.size()) << "duplicates in the mechanism list";
  for (CK_MECHANISM_TYPE m : {CKM_SHA_1,
                              CKM_SHA224,
                              CKM_SHA256,
                              CKM_SHA384,
                              CKM_SHA512,
                              CKM_EC_KEY_PAIR_GEN,
                              CKM_ECDSA,
                              CKM_ECDSA_SHA1,
                              CKM_ECDSA_SHA224,
                              CKM_ECDSA_SHA256,
                              CKM_ECDSA_SHA384,
                              CKM_ECDSA_SHA512,
                              CKM_RSA_PKCS_KEY_PAIR_GEN,
                              CKM_RSA_PKCS,
                              CKM_SHA1_RSA_PKCS,
                              CKM_SHA256_RSA_PKCS,
                              CKM_SHA384_RSA_PKCS,
                              CKM_SHA512_RSA_PKCS,
                              CKM_RSA_PKCS_PSS,
                              CKM_SHA256_RSA_PKCS_PSS,
                              CKM_AES_KEY_GEN,
                              CKM_AES_ECB,
                              CKM_AES_CBC,
                              CKM_AES_CBC_PAD,
                              CKM_AES_GCM,
                              CKM_GENERIC_SECRET_KEY_GEN,
                              CKM_SHA256_HMAC,
                              CKM_SHA384_HMAC,
                              CKM_SHA512_HMAC}) {
    EXPECT_TRUE(set.count(m)) << "mechanism 0x" << std::hex << m << " not advertised";
  }
  // Every advertised mechanism has info.
  for (CK_MECHANISM_TYPE m : mechs) {
    CK_MECHANISM_INFO info = {};
    EXPECT_CKR_OK(f_->C_GetMechanismInfo(slot_, m, &info)) << "0x" << std::hex << m;
    EXPECT_LE(info.ulMinKeySize, info.ulMaxKeySize) << "0x" << std::hex << m;
    EXPECT_NE(info.flags & ~CKF_EXTENSION, 0u) << "0x" << std::hex << m << " has no flags";
  }
}

TEST_F(TokenInitTest, MechanismInfoIsTruthful) {
  CK_MECHANISM_INFO info = {};
  ASSERT_CKR_OK(f_->C_GetMechanismInfo(slot_, CKM_AES_KEY_GEN, &info));
  EXPECT_EQ(info.ulMinKeySize, 16u) << "AES sizes are in bytes";
  EXPECT_EQ(info.ulMaxKeySize, 32u);
  EXPECT_TRUE(info.flags & CKF_GENERATE);

  ASSERT_CKR_OK(f_->C_GetMechanismInfo(slot_, CKM_EC_KEY_PAIR_GEN, &info));
  EXPECT_EQ(info.ulMinKeySize, 256u) << "EC sizes are in bits";
  EXPECT_EQ(info.ulMaxKeySize, 521u);
  EXPECT_TRUE(info.flags & CKF_GENERATE_KEY_PAIR);
  EXPECT_TRUE(info.flags & CKF_EC_OID);

  ASSERT_CKR_OK(f_->C_GetMechanismInfo(slot_, CKM_RSA_PKCS_KEY_PAIR_GEN, &info));
  EXPECT_LE(info.ulMinKeySize, 2048u);
  EXPECT_GE(info.ulMinKeySize, 1024u);
  EXPECT_GE(info.ulMaxKeySize, 4096u);
  EXPECT_TRUE(info.flags & CKF_GENERATE_KEY_PAIR);

  ASSERT_CKR_OK(f_->C_GetMechanismInfo(slot_, CKM_RSA_PKCS, &info));
  EXPECT_EQ(info.flags & (CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT),
            CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT);

  ASSERT_CKR_OK(f_->C_GetMechanismInfo(slot_, CKM_ECDSA_SHA256, &info));
  EXPECT_EQ(info.flags & (CKF_SIGN | CKF_VERIFY), CKF_SIGN | CKF_VERIFY);
  EXPECT_FALSE(info.flags & (CKF_ENCRYPT | CKF_DECRYPT));

  ASSERT_CKR_OK(f_->C_GetMechanismInfo(slot_, CKM_SHA256, &info));
  EXPECT_TRUE(info.flags & CKF_DIGEST);

  ASSERT_CKR_OK(f_->C_GetMechanismInfo(slot_, CKM_AES_GCM, &info));
  EXPECT_EQ(info.flags & (CKF_ENCRYPT | CKF_DECRYPT), CKF_ENCRYPT | CKF_DECRYPT);

  ASSERT_CKR_OK(f_->C_GetMechanismInfo(slot_, CKM_SHA256_HMAC, &info));
  EXPECT_EQ(info.flags & (CKF_SIGN | CKF_VERIFY), CKF_SIGN | CKF_VERIFY);

  EXPECT_RV(CKR_MECHANISM_INVALID,
            f_->C_GetMechanismInfo(slot_, CKM_VENDOR_DEFINED | 0x1234UL, &info));
  EXPECT_RV(CKR_MECHANISM_INVALID, f_->C_GetMechanismInfo(slot_, CKM_MD2, &info));
}

// Wrong PINs with max_failures = 3.
class PinLockTest : public TokenTest {
 protected:
  std::string PinConfig() const override { return "max_failures = 3\n"; }
  CK_RV WrongUser(CK_SESSION_HANDLE s) { return f_->C_Login(s, CKU_USER, Utf8("9999"), 4); }
  CK_RV WrongSo(CK_SESSION_HANDLE s) { return f_->C_Login(s, CKU_SO, Utf8("00000000"), 8); }
};

TEST_F(PinLockTest, UserPinFlagsAndLock) {
  CK_SESSION_HANDLE s = OpenRw();
  constexpr CK_FLAGS kUserFlags =
      CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED;
  EXPECT_EQ(TokenInfo(slot_).flags & kUserFlags, 0u);
  EXPECT_RV(CKR_PIN_INCORRECT, WrongUser(s));
  CK_FLAGS flags = TokenInfo(slot_).flags;
  EXPECT_TRUE(flags & CKF_USER_PIN_COUNT_LOW);
  EXPECT_FALSE(flags & (CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED));
  // A correct login resets the counter.
  ASSERT_CKR_OK(LoginUser(s));
  ASSERT_CKR_OK(f_->C_Logout(s));
  EXPECT_EQ(TokenInfo(slot_).flags & kUserFlags, 0u);

  EXPECT_RV(CKR_PIN_INCORRECT, WrongUser(s));
  EXPECT_RV(CKR_PIN_INCORRECT, WrongUser(s));
  flags = TokenInfo(slot_).flags;
  EXPECT_TRUE(flags & CKF_USER_PIN_FINAL_TRY);
  EXPECT_FALSE(flags & CKF_USER_PIN_LOCKED);
  CK_RV rv = WrongUser(s);
  EXPECT_TRUE(rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED) << RvName(rv);
  flags = TokenInfo(slot_).flags;
  EXPECT_TRUE(flags & CKF_USER_PIN_LOCKED);
  EXPECT_FALSE(flags & CKF_SO_PIN_LOCKED);
  EXPECT_RV(CKR_PIN_LOCKED, LoginUser(s)) << "the right PIN must not unlock a locked PIN";

  // The lock is persistent: across C_Finalize / C_Initialize and in another process.
  Reinitialize();
  EXPECT_TRUE(TokenInfo(slot_).flags & CKF_USER_PIN_LOCKED);
  s = OpenRw();
  EXPECT_RV(CKR_PIN_LOCKED, LoginUser(s));
  CK_FUNCTION_LIST* f = f_;
  CK_SLOT_ID slot = slot_;
  int code = RunInChild([f, slot]() -> int {
    if (f->C_Initialize(nullptr) != CKR_OK) return 10;
    CK_TOKEN_INFO info = {};
    if (f->C_GetTokenInfo(slot, &info) != CKR_OK) return 11;
    if (!(info.flags & CKF_USER_PIN_LOCKED)) return 12;
    f->C_Finalize(nullptr);
    return 0;
  });
  EXPECT_EQ(code, 0);

  // The SO can still log in and reset the user PIN (C_InitPIN unlocks).
  s = OpenRw();
  ASSERT_CKR_OK(LoginSo(s));
  ASSERT_CKR_OK(f_->C_InitPIN(s, Utf8("5678"), 4));
  ASSERT_CKR_OK(f_->C_Logout(s));
  EXPECT_FALSE(TokenInfo(slot_).flags & CKF_USER_PIN_LOCKED);
  EXPECT_CKR_OK(f_->C_Login(s, CKU_USER, Utf8("5678"), 4));
}

// Processes guessing at the same time share one budget: each PIN check runs its key
// derivation outside the store's lock, but counts its failure against the counter as it
// stands when the verdict is applied.
TEST_F(PinLockTest, ParallelGuessesFromProcessesShareOneBudget) {
  constexpr int kGuessers = 6;
  int start[2];
  ASSERT_EQ(pipe(start), 0);
  fflush(nullptr);
  std::vector<pid_t> children;
  for (int i = 0; i < kGuessers; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      close(start[1]);
      char go;
      if (read(start[0], &go, 1) < 0) _exit(20);  // EOF: every guesser starts at once
      if (f_->C_Initialize(nullptr) != CKR_OK) _exit(21);
      CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
      if (f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &s) != CKR_OK) _exit(22);
      CK_RV rv = WrongUser(s);
      _exit(rv == CKR_PIN_INCORRECT ? 1 : rv == CKR_PIN_LOCKED ? 2 : 23);
    }
    ASSERT_GT(pid, 0);
    children.push_back(pid);
  }
  close(start[0]);
  close(start[1]);
  int incorrect = 0, locked = 0;
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    const int code = WEXITSTATUS(status);
    EXPECT_TRUE(code == 1 || code == 2) << "guesser exit " << code;
    incorrect += code == 1;
    locked += code == 2;
  }
  EXPECT_EQ(incorrect, 3) << "max_failures = 3 wrong guesses are counted, no more";
  EXPECT_EQ(locked, kGuessers - 3);
  CK_SESSION_HANDLE s = OpenRw();
  EXPECT_RV(CKR_PIN_LOCKED, LoginUser(s));
}

TEST_F(PinLockTest, SoPinFlagsAndLock) {
  CK_SESSION_HANDLE s = OpenRw();
  EXPECT_RV(CKR_PIN_INCORRECT, WrongSo(s));
  EXPECT_TRUE(TokenInfo(slot_).flags & CKF_SO_PIN_COUNT_LOW);
  EXPECT_RV(CKR_PIN_INCORRECT, WrongSo(s));
  EXPECT_TRUE(TokenInfo(slot_).flags & CKF_SO_PIN_FINAL_TRY);
  CK_RV rv = WrongSo(s);
  EXPECT_TRUE(rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED) << RvName(rv);
  CK_FLAGS flags = TokenInfo(slot_).flags;
  EXPECT_TRUE(flags & CKF_SO_PIN_LOCKED);
  EXPECT_FALSE(flags & CKF_USER_PIN_LOCKED);
  EXPECT_RV(CKR_PIN_LOCKED, LoginSo(s));
  // The user is not affected.
  EXPECT_CKR_OK(LoginUser(s));
  ASSERT_CKR_OK(f_->C_CloseAllSessions(slot_));
  // A locked SO PIN cannot re-initialise the token.
  std::string label = Padded("hijack", 32);
  rv = f_->C_InitToken(slot_, Utf8(kSoPin), kSoPin.size(), Utf8(label));
  EXPECT_RV(CKR_PIN_LOCKED, rv);
  Reinitialize();
  EXPECT_TRUE(TokenInfo(slot_).flags & CKF_SO_PIN_LOCKED);
  EXPECT_EQ(SlotByLabel(kTokenLabel), slot_);
}

}  // namespace
}  // namespace conformance
