// Slots, tokens, login and objects on both backends (PKCS#11 3.1 §5.4–§5.7): what an
// application sees of a software token and of a firmware token must follow the same rules.
#include <algorithm>

#include "device_fixture.h"

namespace conformance {
namespace {

class BackendTokenTest : public BackendTest {};

bool IsBlank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' '; });
}

TEST_P(BackendTokenTest, SlotInfoFlags) {
  CK_SLOT_INFO info = {};
  ASSERT_CKR_OK(f_->C_GetSlotInfo(slot_, &info));
  EXPECT_TRUE(info.flags & CKF_TOKEN_PRESENT);
  if (is_device()) {
    // A firmware device is a hardware slot the user can unplug.
    EXPECT_TRUE(info.flags & CKF_HW_SLOT);
    EXPECT_TRUE(info.flags & CKF_REMOVABLE_DEVICE);
    EXPECT_EQ(slot_, ExpectedDeviceSlotId(kEmulatorSerial))
        << "device slot IDs follow from the serial number, so they are stable across processes";
  } else {
    EXPECT_FALSE(info.flags & CKF_HW_SLOT) << "the software token is not a hardware slot";
  }
  std::vector<CK_SLOT_ID> present = Slots(true);
  EXPECT_NE(std::find(present.begin(), present.end(), slot_), present.end())
      << "C_GetSlotList(CK_TRUE) must list a slot with a token present";
}

TEST_P(BackendTokenTest, TokenInfoAfterSetup) {
  CK_TOKEN_INFO info = TokenInfo(slot_);
  EXPECT_EQ(FromFixed(info.label, 32), Padded(kTokenLabel, 32));
  EXPECT_TRUE(info.flags & CKF_TOKEN_INITIALIZED);
  EXPECT_TRUE(info.flags & CKF_USER_PIN_INITIALIZED);
  EXPECT_FALSE(info.flags & CKF_USER_PIN_LOCKED);
  std::string serial = FromFixed(info.serialNumber, 16);
  EXPECT_FALSE(IsBlank(serial)) << "a token has a serial number";
  if (is_device()) {
    EXPECT_EQ(serial, Padded(kEmulatorSerial, 16)) << "the device's serial number";
  }
  EXPECT_LE(info.ulMinPinLen, kUserPin.size());
  EXPECT_GE(info.ulMaxPinLen, kSoPin.size());
  EXPECT_LE(info.ulMinPinLen, info.ulMaxPinLen);
}

TEST_P(BackendTokenTest, WrongPinIsIncorrectAndSetsCountLow) {
  CK_SESSION_HANDLE s = OpenRw();
  const std::string wrong = "99999999";
  EXPECT_RV(CKR_PIN_INCORRECT, f_->C_Login(s, CKU_USER, Utf8(wrong), wrong.size()));
  // §3.2 CK_TOKEN_INFO: COUNT_LOW is set once a wrong user PIN has been entered since the last
  // successful authentication.
  EXPECT_TRUE(TokenInfo(slot_).flags & CKF_USER_PIN_COUNT_LOW);
  EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f_->C_Logout(s));
  ASSERT_CKR_OK(LoginUser(s));
  EXPECT_FALSE(TokenInfo(slot_).flags & CKF_USER_PIN_COUNT_LOW)
      << "a successful login resets the failure counter";
}

TEST_P(BackendTokenTest, LoginLogoutRules) {
  CK_SESSION_HANDLE rw = OpenRw();
  CK_SESSION_HANDLE ro = OpenRo();
  EXPECT_EQ(SessionInfo(rw).state, CKS_RW_PUBLIC_SESSION);
  EXPECT_EQ(SessionInfo(ro).state, CKS_RO_PUBLIC_SESSION);
  // The SO cannot log in while a read-only session exists (§5.6 C_Login).
  EXPECT_RV(CKR_SESSION_READ_ONLY_EXISTS, LoginSo(rw));
  ASSERT_CKR_OK(LoginUser(rw));
  // Login state is per application: every session sees it.
  EXPECT_EQ(SessionInfo(rw).state, CKS_RW_USER_FUNCTIONS);
  EXPECT_EQ(SessionInfo(ro).state, CKS_RO_USER_FUNCTIONS);
  EXPECT_RV(CKR_USER_ALREADY_LOGGED_IN, LoginUser(ro));
  EXPECT_RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN, LoginSo(rw));
  ASSERT_CKR_OK(f_->C_Logout(ro));
  EXPECT_EQ(SessionInfo(rw).state, CKS_RW_PUBLIC_SESSION);
  EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f_->C_Logout(rw));
}

TEST_P(BackendTokenTest, CloseAllSessionsLogsOut) {
  CK_SESSION_HANDLE s = UserSession();
  ASSERT_CKR_OK(f_->C_CloseAllSessions(slot_));
  EXPECT_RV(CKR_SESSION_HANDLE_INVALID, f_->C_Logout(s));
  CK_SESSION_HANDLE again = OpenRw();
  EXPECT_EQ(SessionInfo(again).state, CKS_RW_PUBLIC_SESSION)
      << "closing the last session logs the user out (§5.6 C_CloseSession)";
}

TEST_P(BackendTokenTest, MechanismListAndInfoAgree) {
  CK_ULONG count = 0;
  ASSERT_CKR_OK(f_->C_GetMechanismList(slot_, nullptr, &count));
  ASSERT_GT(count, 1u);
  std::vector<CK_MECHANISM_TYPE> mechs(count);
  CK_ULONG small = count - 1;
  EXPECT_RV(CKR_BUFFER_TOO_SMALL, f_->C_GetMechanismList(slot_, mechs.data(), &small));
  EXPECT_EQ(small, count) << "CKR_BUFFER_TOO_SMALL reports the needed count";
  ASSERT_CKR_OK(f_->C_GetMechanismList(slot_, mechs.data(), &count));
  ASSERT_EQ(count, mechs.size());
  std::vector<CK_MECHANISM_TYPE> sorted = mechs;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end()) << "duplicates";
  for (CK_MECHANISM_TYPE mech : mechs) {
    CK_MECHANISM_INFO info = {};
    ASSERT_CKR_OK(f_->C_GetMechanismInfo(slot_, mech, &info)) << "mechanism 0x" << std::hex << mech;
    EXPECT_LE(info.ulMinKeySize, info.ulMaxKeySize) << "mechanism 0x" << std::hex << mech;
    EXPECT_NE(info.flags & ~CKF_HW, 0u) << "mechanism 0x" << std::hex << mech << " does nothing";
    // Digests are computed by the host for both tokens; everything else on a firmware token
    // is done by the device, and says so.
    bool host_digest = (info.flags & ~CKF_HW) == CKF_DIGEST;
    if (is_device() && !host_digest) {
      EXPECT_TRUE(info.flags & CKF_HW) << "device mechanism 0x" << std::hex << mech;
    }
    if (!is_device()) {
      EXPECT_FALSE(info.flags & CKF_HW) << "mechanism 0x" << std::hex << mech;
    }
  }
  CK_MECHANISM_INFO info = {};
  const CK_MECHANISM_TYPE kUnlisted = CKM_VENDOR_DEFINED | 0x0ABCDEF0;
  EXPECT_RV(CKR_MECHANISM_INVALID, f_->C_GetMechanismInfo(slot_, kUnlisted, &info));
}

TEST_P(BackendTokenTest, CreateFindReadDestroyDataObject) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE obj = CreateData(s, "backend data", /*token=*/true);
  ASSERT_NE(obj, CK_INVALID_HANDLE);
  CreateData(s, "another label", /*token=*/true);
  Template by_label;
  by_label.Text(CKA_LABEL, "backend data");
  std::vector<CK_OBJECT_HANDLE> found = Find(s, by_label);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], obj);
  EXPECT_EQ(GetBytes(s, obj, CKA_VALUE), Str("data object value"));
  EXPECT_EQ(GetBytes(s, obj, CKA_APPLICATION), Str("conformance"));
  EXPECT_EQ(GetUlong(s, obj, CKA_CLASS), CKO_DATA);
  EXPECT_TRUE(GetBool(s, obj, CKA_TOKEN));
  ASSERT_CKR_OK(f_->C_DestroyObject(s, obj));
  EXPECT_TRUE(Find(s, by_label).empty());
  CK_RV rv = CKR_OK;
  GetBytes(s, obj, CKA_VALUE, &rv);
  EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, rv);
}

TEST_P(BackendTokenTest, SessionObjectsEndWithTheirSession) {
  CK_SESSION_HANDLE keeper = OpenRo();  // keeps the application's login alive
  CK_SESSION_HANDLE s = UserSession();
  CreateData(s, "session object", /*token=*/false);
  CreateData(s, "token object", /*token=*/true);
  Template session_label;
  session_label.Text(CKA_LABEL, "session object");
  // A session object is visible to every session of the application while it lives.
  EXPECT_EQ(Find(keeper, session_label).size(), 1u);
  ASSERT_CKR_OK(f_->C_CloseSession(s));
  EXPECT_TRUE(Find(keeper, session_label).empty()) << "destroyed with the session that made it";
  Template token_label;
  token_label.Text(CKA_LABEL, "token object");
  EXPECT_EQ(Find(keeper, token_label).size(), 1u);
}

TEST_P(BackendTokenTest, ReadOnlySessionCannotCreateTokenObjects) {
  CK_SESSION_HANDLE ro = OpenRo();
  ASSERT_CKR_OK(LoginUser(ro));
  Template t;
  t.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_TOKEN, true).Text(CKA_LABEL, "ro");
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  EXPECT_RV(CKR_SESSION_READ_ONLY, f_->C_CreateObject(ro, t.data(), t.size(), &h));
}

TEST_P(BackendTokenTest, PrivateObjectsNeedLogin) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE priv = CreateData(s, "private", /*token=*/true, /*priv=*/true);
  CK_OBJECT_HANDLE pub = CreateData(s, "public", /*token=*/true, /*priv=*/false);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  ASSERT_CKR_OK(f_->C_Logout(s));
  Template data;
  data.Ulong(CKA_CLASS, CKO_DATA);
  std::vector<CK_OBJECT_HANDLE> found = Find(s, data);
  EXPECT_NE(std::find(found.begin(), found.end(), pub), found.end());
  for (CK_OBJECT_HANDLE h : found) {
    EXPECT_FALSE(GetBool(s, h, CKA_PRIVATE)) << "a private object found while logged out";
  }
  Template private_label;
  private_label.Text(CKA_LABEL, "private");
  EXPECT_TRUE(Find(s, private_label).empty());
  // Public objects still need no login; a public session cannot make private ones.
  Template t;
  t.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_PRIVATE, true).Text(CKA_LABEL, "p2");
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f_->C_CreateObject(s, t.data(), t.size(), &h));
  ASSERT_CKR_OK(LoginUser(s));
  EXPECT_EQ(Find(s, private_label).size(), 1u);
}

TEST_P(BackendTokenTest, TokenObjectsPersistAcrossFinalize) {
  CK_SESSION_HANDLE s = UserSession();
  CreateData(s, "persistent data", /*token=*/true);
  CreateData(s, "volatile data", /*token=*/false);
  Template pub_extra;
  pub_extra.Bool(CKA_TOKEN, true).Text(CKA_LABEL, "persistent key");
  Template priv_extra;
  priv_extra.Bool(CKA_TOKEN, true).Text(CKA_LABEL, "persistent key");
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  GenerateEc(s, kP256Params, &pub, &priv, &pub_extra, &priv_extra);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  Bytes spki = Spki(s, pub);

  Reinitialize();
  if (HasFatalFailure()) return;
  CK_SLOT_INFO slot_info = {};
  ASSERT_CKR_OK(f_->C_GetSlotInfo(slot_, &slot_info)) << "the slot ID is stable";
  s = UserSession();
  Template data_label;
  data_label.Text(CKA_LABEL, "persistent data");
  EXPECT_EQ(Find(s, data_label).size(), 1u);
  Template gone_label;
  gone_label.Text(CKA_LABEL, "volatile data");
  EXPECT_TRUE(Find(s, gone_label).empty());
  Template key_label;
  key_label.Ulong(CKA_CLASS, CKO_PRIVATE_KEY).Text(CKA_LABEL, "persistent key");
  std::vector<CK_OBJECT_HANDLE> keys = Find(s, key_label);
  ASSERT_EQ(keys.size(), 1u);
  Bytes data = Str("signed after C_Initialize");
  CK_MECHANISM m = {CKM_ECDSA_SHA256, nullptr, 0};
  Bytes sig;
  ASSERT_CKR_OK(Sign(s, &m, keys[0], data, &sig));
  EXPECT_TRUE(OpensslVerify(spki, "SHA256", data, sig));
}

INSTANTIATE_TEST_SUITE_P(Backend, BackendTokenTest,
                         ::testing::Values(Backend::kSoft, Backend::kDevice), BackendName);

}  // namespace
}  // namespace conformance
