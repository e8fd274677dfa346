// What only a removable hardware token has: its state lives in the device (flash, PIN
// counters) and survives the device's restart; unplugging it is reported as CKR_DEVICE_REMOVED
// / CKR_TOKEN_NOT_PRESENT and as a slot event, and so is plugging it back; it never releases
// key material. The emulator stands in for the device: SIGTERM / SIGKILL is an unplug.
#include <algorithm>
#include <atomic>
#include <future>

#include "device_fixture.h"
#include "fixture3.h"

namespace conformance {
namespace {

using std::chrono::milliseconds;

// Bound on anything that waits for the module to notice a device change: the configured
// request timeout (3 s) plus the slot event poll interval, with slack.
constexpr milliseconds kNoticeBound(5000);

class DeviceTokenTest : public DeviceTest {
 protected:
  bool TokenPresent() {
    CK_SLOT_INFO info = {};
    return f_->C_GetSlotInfo(slot_, &info) == CKR_OK && (info.flags & CKF_TOKEN_PRESENT);
  }
  // Non-blocking slot event; CK_UNAVAILABLE_INFORMATION for CKR_NO_EVENT.
  CK_SLOT_ID PollEvent() {
    CK_SLOT_ID slot = CK_UNAVAILABLE_INFORMATION;
    CK_RV rv = f_->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr);
    if (rv == CKR_NO_EVENT) return CK_UNAVAILABLE_INFORMATION;
    EXPECT_CKR_OK(rv) << "C_WaitForSlotEvent(CKF_DONT_BLOCK)";
    return slot;
  }
  // Waits (bounded) for the event of the device slot; false if none came.
  bool AwaitEvent() {
    return WaitUntil([&] { return PollEvent() == slot_; }, kNoticeBound);
  }
  void DrainEvents() {
    for (int i = 0; i < 16 && PollEvent() != CK_UNAVAILABLE_INFORMATION; ++i) {
    }
  }
  CK_OBJECT_HANDLE FindOne(CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls, std::string_view label) {
    Template t;
    t.Ulong(CKA_CLASS, cls).Text(CKA_LABEL, label);
    std::vector<CK_OBJECT_HANDLE> found = Find(s, t);
    EXPECT_EQ(found.size(), 1u) << label;
    return found.empty() ? CK_INVALID_HANDLE : found[0];
  }
};

TEST_F(DeviceTokenTest, AdvertisesTheFirmwareMechanisms) {
  struct Row {
    CK_MECHANISM_TYPE mech;
    CK_ULONG min, max;
    CK_FLAGS flags;
  };
  // The emulator reports every capability, so every firmware row is listed, done in hardware.
  const Row rows[] = {
      {CKM_EC_KEY_PAIR_GEN, 256, 384, CKF_GENERATE_KEY_PAIR},
      {CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, 2048, CKF_GENERATE_KEY_PAIR},
      {CKM_AES_KEY_GEN, 16, 32, CKF_GENERATE},
      {CKM_GENERIC_SECRET_KEY_GEN, 1, 64, CKF_GENERATE},
      {CKM_ECDSA, 256, 384, CKF_SIGN | CKF_VERIFY},
      {CKM_ECDSA_SHA256, 256, 384, CKF_SIGN | CKF_VERIFY},
      {CKM_SHA256_RSA_PKCS, 2048, 2048, CKF_SIGN | CKF_VERIFY},
      {CKM_SHA256_RSA_PKCS_PSS, 2048, 2048, CKF_SIGN | CKF_VERIFY},
      {CKM_SHA256_HMAC, 1, 64, CKF_SIGN | CKF_VERIFY},
      {CKM_AES_GCM, 16, 32, CKF_ENCRYPT | CKF_DECRYPT},
      {CKM_AES_CBC_PAD, 16, 32, CKF_ENCRYPT | CKF_DECRYPT},
      {CKM_ECDH1_DERIVE, 256, 384, CKF_DERIVE},
      {CKM_AES_KEY_WRAP_KWP, 16, 32, CKF_WRAP | CKF_UNWRAP},
  };
  for (const Row& row : rows) {
    CK_MECHANISM_INFO info = {};
    ASSERT_CKR_OK(f_->C_GetMechanismInfo(slot_, row.mech, &info)) << std::hex << row.mech;
    EXPECT_EQ(info.ulMinKeySize, row.min) << std::hex << row.mech;
    EXPECT_EQ(info.ulMaxKeySize, row.max) << std::hex << row.mech;
    EXPECT_EQ(info.flags & row.flags, row.flags) << std::hex << row.mech;
    EXPECT_TRUE(info.flags & CKF_HW) << std::hex << row.mech;
  }
  // A key size outside the device's range is refused, not silently changed.
  CK_SESSION_HANDLE s = UserSession();
  Template pt;
  pt.Ulong(CKA_MODULUS_BITS, 3072).Data(CKA_PUBLIC_EXPONENT, Bytes{1, 0, 1});
  Template kt;
  kt.Bool(CKA_SIGN, true);
  CK_MECHANISM gen = {CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  EXPECT_NE(Rv{CKR_OK}, Rv{f_->C_GenerateKeyPair(s, &gen, pt.data(), pt.size(), kt.data(),
                                                 kt.size(), &pub, &priv)});
}

TEST_F(DeviceTokenTest, StatePersistsAcrossEmulatorRestart) {
  CK_SESSION_HANDLE s = UserSession();
  Template pub_extra;
  pub_extra.Bool(CKA_TOKEN, true).Text(CKA_LABEL, "survivor");
  Template priv_extra;
  priv_extra.Bool(CKA_TOKEN, true).Text(CKA_LABEL, "survivor");
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  GenerateEc(s, kP256Params, &pub, &priv, &pub_extra, &priv_extra);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  Bytes spki = Spki(s, pub);
  CreateData(s, "ephemeral", /*token=*/false);
  ASSERT_CKR_OK(f_->C_CloseAllSessions(slot_));

  EXPECT_TRUE(emu_->Stop()) << "the emulator exits 0 on SIGTERM";
  ASSERT_TRUE(RestartEmulator());
  ASSERT_TRUE(WaitUntil([&] { return TokenPresent(); }, kNoticeBound));
  EXPECT_EQ(HwSlot(), slot_) << "the slot ID follows the device, not the connection";
  EXPECT_EQ(FromFixed(TokenInfo(slot_).label, 32), Padded(kTokenLabel, 32));
  s = UserSession();
  CK_OBJECT_HANDLE key = FindOne(s, CKO_PRIVATE_KEY, "survivor");
  ASSERT_NE(key, CK_INVALID_HANDLE);
  EXPECT_EQ(Spki(s, key), spki);
  Bytes data = Str("signed after a power cycle");
  CK_MECHANISM m = {CKM_ECDSA_SHA256, nullptr, 0};
  Bytes sig;
  ASSERT_CKR_OK(Sign(s, &m, key, data, &sig));
  EXPECT_TRUE(OpensslVerify(spki, "SHA256", data, sig));
  Template ephemeral;
  ephemeral.Text(CKA_LABEL, "ephemeral");
  EXPECT_TRUE(Find(s, ephemeral).empty()) << "session objects do not survive the device";
}

TEST_F(DeviceTokenTest, RemovalIsReportedAndArrivalToo) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  GenerateEc(s, kP256Params, &pub, &priv);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  DrainEvents();
  CK_MECHANISM m = {CKM_ECDSA_SHA256, nullptr, 0};
  ASSERT_CKR_OK(f_->C_SignInit(s, &m, priv));

  emu_->Kill();  // unplugged mid-operation
  Bytes data = Str("never signed");
  Bytes sig(64);
  CK_ULONG len = sig.size();
  auto start = std::chrono::steady_clock::now();
  CK_RV rv = f_->C_Sign(s, data.data(), data.size(), sig.data(), &len);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(rv == CKR_DEVICE_REMOVED || rv == CKR_DEVICE_ERROR) << RvName(rv);
  EXPECT_LT(took, kNoticeBound) << "a vanished device is a bounded failure, never a hang";

  EXPECT_TRUE(WaitUntil([&] { return !TokenPresent(); }, kNoticeBound))
      << "C_GetSlotInfo still reports CKF_TOKEN_PRESENT";
  CK_TOKEN_INFO info = {};
  EXPECT_RV(CKR_TOKEN_NOT_PRESENT, f_->C_GetTokenInfo(slot_, &info));
  std::vector<CK_SLOT_ID> all = Slots(false);
  EXPECT_NE(std::find(all.begin(), all.end(), slot_), all.end()) << "the slot itself remains";
  // The removal is one event, reported once.
  EXPECT_TRUE(AwaitEvent()) << "no slot event for the removal";
  EXPECT_EQ(PollEvent(), CK_UNAVAILABLE_INFORMATION) << "the removal was reported twice";

  ASSERT_TRUE(RestartEmulator());
  EXPECT_TRUE(AwaitEvent()) << "no slot event for the arrival";
  EXPECT_EQ(PollEvent(), CK_UNAVAILABLE_INFORMATION) << "the arrival was reported twice";
  EXPECT_TRUE(TokenPresent());
  EXPECT_EQ(FromFixed(TokenInfo(slot_).label, 32), Padded(kTokenLabel, 32));
  CK_SESSION_HANDLE again = UserSession();
  EXPECT_EQ(SessionInfo(again).state, CKS_RW_USER_FUNCTIONS);
}

// §5.5 C_GetSlotList: with tokenPresent CK_TRUE only slots holding a token are listed; §5.6
// C_OpenSession on a slot without a token is CKR_TOKEN_NOT_PRESENT (not
// CKR_TOKEN_NOT_RECOGNIZED: an absent device is not an uninitialised one).
TEST_F(DeviceTokenTest, UnpluggedSlotHasNoTokenToList) {
  emu_->Kill();
  ASSERT_TRUE(WaitUntil([&] { return !TokenPresent(); }, kNoticeBound));
  std::vector<CK_SLOT_ID> present = Slots(true);
  EXPECT_EQ(std::count(present.begin(), present.end(), slot_), 0)
      << "C_GetSlotList(CK_TRUE) lists a slot without a token";
  CK_SESSION_HANDLE none = CK_INVALID_HANDLE;
  EXPECT_RV(CKR_TOKEN_NOT_PRESENT,
            f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &none));
  ASSERT_TRUE(RestartEmulator());
  ASSERT_TRUE(WaitUntil([&] { return TokenPresent(); }, kNoticeBound));
  present = Slots(true);
  EXPECT_EQ(std::count(present.begin(), present.end(), slot_), 1);
}

TEST_F(DeviceTokenTest, BlockingWaitReturnsWhenTheDeviceComesBack) {
  DrainEvents();
  EXPECT_TRUE(emu_->Stop());
  ASSERT_TRUE(AwaitEvent()) << "no slot event for the removal";
  DrainEvents();
  std::atomic<bool> returned{false};
  auto waiter = std::async(std::launch::async, [&] {
    CK_SLOT_ID slot = CK_UNAVAILABLE_INFORMATION;
    CK_RV rv = f_->C_WaitForSlotEvent(0, &slot, nullptr);
    returned = true;
    return std::make_pair(rv, slot);
  });
  // With nothing happening the call blocks.
  EXPECT_EQ(waiter.wait_for(milliseconds(600)), std::future_status::timeout);
  EXPECT_FALSE(returned);
  ASSERT_TRUE(RestartEmulator());
  bool done = waiter.wait_for(kNoticeBound) == std::future_status::ready;
  EXPECT_TRUE(done) << "C_WaitForSlotEvent did not return after the device came back";
  if (!done) {
    // C_Finalize ends a blocking wait (§5.5), so the thread can be joined.
    f_->C_Finalize(nullptr);
    waiter.wait();
    return;
  }
  auto [rv, slot] = waiter.get();
  EXPECT_RV(CKR_OK, rv);
  EXPECT_EQ(slot, slot_);
  EXPECT_TRUE(TokenPresent());
}

TEST_F(DeviceTokenTest, PinLockoutIsHeldByTheDevice) {
  CK_SESSION_HANDLE s = OpenRw();
  const std::string wrong = "00000000";
  // Wrong PINs until the token says the next one locks, then that one.
  int failures = 0;
  while (!(TokenInfo(slot_).flags & CKF_USER_PIN_FINAL_TRY) && failures < 50) {
    ASSERT_RV(CKR_PIN_INCORRECT, f_->C_Login(s, CKU_USER, Utf8(wrong), wrong.size()));
    ++failures;
    EXPECT_TRUE(TokenInfo(slot_).flags & CKF_USER_PIN_COUNT_LOW);
  }
  ASSERT_TRUE(TokenInfo(slot_).flags & CKF_USER_PIN_FINAL_TRY) << "never reached the final try";
  CK_RV rv = f_->C_Login(s, CKU_USER, Utf8(wrong), wrong.size());
  EXPECT_TRUE(rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED) << RvName(rv);
  EXPECT_TRUE(TokenInfo(slot_).flags & CKF_USER_PIN_LOCKED);
  EXPECT_RV(CKR_PIN_LOCKED, LoginUser(s)) << "the right PIN no longer opens a locked token";

  // The counter lives in the device: neither a module restart nor a device restart resets it.
  ASSERT_CKR_OK(f_->C_CloseAllSessions(slot_));
  EXPECT_TRUE(emu_->Stop());
  ASSERT_TRUE(RestartEmulator());
  Reinitialize();
  ASSERT_TRUE(WaitUntil([&] { return TokenPresent(); }, kNoticeBound));
  EXPECT_TRUE(TokenInfo(slot_).flags & CKF_USER_PIN_LOCKED);
  s = OpenRw();
  EXPECT_RV(CKR_PIN_LOCKED, LoginUser(s));
  // The SO's C_InitPIN sets a new PIN and unlocks it (§5.6 C_InitPIN).
  ASSERT_CKR_OK(LoginSo(s));
  ASSERT_CKR_OK(f_->C_InitPIN(s, Utf8(kUserPin), kUserPin.size()));
  ASSERT_CKR_OK(f_->C_Logout(s));
  EXPECT_FALSE(TokenInfo(slot_).flags & CKF_USER_PIN_LOCKED);
  EXPECT_CKR_OK(LoginUser(s));
}

// The firmware token never releases key material (DESIGN.md, "Key material of a sensitive key
// never leaves the device"). Asked for a non-sensitive, extractable AES key it may refuse the
// template or make the key; if it makes it, reading CKA_VALUE must not produce bytes, and the
// key must still work (so the refusal is of disclosure, not of the key).
TEST_F(DeviceTokenTest, NonSensitiveAesKeyValueIsNeverReleased) {
  CK_SESSION_HANDLE s = UserSession();
  Template t;
  t.Ulong(CKA_VALUE_LEN, 16)
      .Bool(CKA_SENSITIVE, false)
      .Bool(CKA_EXTRACTABLE, true)
      .Bool(CKA_ENCRYPT, true)
      .Bool(CKA_DECRYPT, true)
      .Bool(CKA_TOKEN, false);
  CK_MECHANISM gen = {CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  CK_RV rv = f_->C_GenerateKey(s, &gen, t.data(), t.size(), &key);
  if (rv != CKR_OK) {
    // A refusal must name the template, not fail the device.
    EXPECT_TRUE(rv == CKR_TEMPLATE_INCONSISTENT || rv == CKR_ATTRIBUTE_VALUE_INVALID) << RvName(rv);
    return;
  }
  CK_RV read_rv = CKR_OK;
  Bytes value = GetBytes(s, key, CKA_VALUE, &read_rv);
  EXPECT_TRUE(value.empty()) << "the device released key material: " << ToHex(value);
  EXPECT_NE(Rv{read_rv}, Rv{CKR_OK});
  // Then the token must not claim the value is readable.
  CK_RV sens_rv = CKR_OK;
  bool sensitive = GetBool(s, key, CKA_SENSITIVE, &sens_rv);
  bool extractable = GetBool(s, key, CKA_EXTRACTABLE, &sens_rv);
  // The device holds every key as sensitive and says so.
  EXPECT_TRUE(sensitive);
  EXPECT_EQ(Rv{read_rv}, Rv{CKR_ATTRIBUTE_SENSITIVE});
  RecordProperty("sensitive", sensitive ? "true" : "false");
  RecordProperty("extractable", extractable ? "true" : "false");
  RecordProperty("read_rv", RvName(read_rv));
  Bytes iv(16, 0);
  CK_MECHANISM cbc = {CKM_AES_CBC_PAD, iv.data(), static_cast<CK_ULONG>(iv.size())};
  Bytes ct;
  EXPECT_CKR_OK(Encrypt(s, &cbc, key, Str("still usable"), &ct));
}

}  // namespace
}  // namespace conformance
