// Sessions and login (PKCS#11 3.1 §5.6 session management, §5.5 C_InitPIN / C_SetPIN,
// §5.6 C_Login / C_Logout, §6.7 session states; issue 2 items 4 and 5).
#include <string>

#include "fixture.h"

namespace conformance {
namespace {

using SessionTest = TokenTest;

TEST_F(SessionTest, ParallelSessionsNotSupported) {
  CK_SESSION_HANDLE s = 0;
  EXPECT_RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED, f_->C_OpenSession(slot_, 0, nullptr, nullptr, &s));
  EXPECT_RV(CKR_SESSION_PARALLEL_NOT_SUPPORTED,
            f_->C_OpenSession(slot_, CKF_RW_SESSION, nullptr, nullptr, &s));
}

TEST_F(SessionTest, FiveSessionStates) {
  CK_SESSION_HANDLE ro = OpenRo();
  CK_SESSION_HANDLE rw = OpenRw();
  CK_SESSION_INFO info = SessionInfo(ro);
  EXPECT_EQ(info.slotID, slot_);
  EXPECT_EQ(info.state, CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(info.flags, CKF_SERIAL_SESSION);
  info = SessionInfo(rw);
  EXPECT_EQ(info.state, CKS_RW_PUBLIC_SESSION);
  EXPECT_EQ(info.flags, CKF_SERIAL_SESSION | CKF_RW_SESSION);

  // User login applies to every session of the application on that token.
  ASSERT_CKR_OK(LoginUser(ro));
  EXPECT_EQ(SessionInfo(ro).state, CKS_RO_USER_FUNCTIONS);
  EXPECT_EQ(SessionInfo(rw).state, CKS_RW_USER_FUNCTIONS);
  CK_SESSION_HANDLE later = OpenRo();
  EXPECT_EQ(SessionInfo(later).state, CKS_RO_USER_FUNCTIONS);
  ASSERT_CKR_OK(f_->C_Logout(rw));
  EXPECT_EQ(SessionInfo(ro).state, CKS_RO_PUBLIC_SESSION);
  EXPECT_EQ(SessionInfo(rw).state, CKS_RW_PUBLIC_SESSION);

  // SO needs every session read-write.
  EXPECT_RV(CKR_SESSION_READ_ONLY_EXISTS, LoginSo(rw));
  ASSERT_CKR_OK(f_->C_CloseSession(ro));
  ASSERT_CKR_OK(f_->C_CloseSession(later));
  ASSERT_CKR_OK(LoginSo(rw));
  EXPECT_EQ(SessionInfo(rw).state, CKS_RW_SO_FUNCTIONS);
  CK_SESSION_HANDLE s = 0;
  EXPECT_RV(CKR_SESSION_READ_WRITE_SO_EXISTS,
            f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &s));
  CK_SESSION_HANDLE rw2 = OpenRw();
  EXPECT_EQ(SessionInfo(rw2).state, CKS_RW_SO_FUNCTIONS);
}

TEST_F(SessionTest, LoginRules) {
  CK_SESSION_HANDLE s = OpenRw();
  EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f_->C_Logout(s));
  EXPECT_RV(CKR_USER_TYPE_INVALID, f_->C_Login(s, 7, Utf8(kUserPin), kUserPin.size()));
  EXPECT_RV(CKR_PIN_INCORRECT, f_->C_Login(s, CKU_USER, Utf8("4321"), 4));
  ASSERT_CKR_OK(LoginUser(s));
  EXPECT_RV(CKR_USER_ALREADY_LOGGED_IN, LoginUser(s));
  EXPECT_RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN, LoginSo(s));
  ASSERT_CKR_OK(f_->C_Logout(s));
  EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f_->C_Logout(s));
  ASSERT_CKR_OK(LoginSo(s));
  EXPECT_RV(CKR_USER_ALREADY_LOGGED_IN, LoginSo(s));
  EXPECT_RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN, LoginUser(s));
  ASSERT_CKR_OK(f_->C_Logout(s));
}

TEST_F(SessionTest, ContextSpecificWithoutOperation) {
  CK_SESSION_HANDLE s = UserSession();
  CK_RV rv = f_->C_Login(s, CKU_CONTEXT_SPECIFIC, Utf8(kUserPin), kUserPin.size());
  EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, rv);
}

TEST_F(SessionTest, SessionHandleInvalid) {
  CK_SESSION_HANDLE s = OpenRo();
  ASSERT_CKR_OK(f_->C_CloseSession(s));
  CK_SESSION_INFO info;
  EXPECT_RV(CKR_SESSION_HANDLE_INVALID, f_->C_GetSessionInfo(s, &info));
  EXPECT_RV(CKR_SESSION_HANDLE_INVALID, f_->C_CloseSession(s));
  EXPECT_RV(CKR_SESSION_HANDLE_INVALID, LoginUser(s));
  EXPECT_RV(CKR_SESSION_HANDLE_INVALID, f_->C_GetSessionInfo(CK_INVALID_HANDLE, &info));
  EXPECT_RV(CKR_SESSION_HANDLE_INVALID, f_->C_GetSessionInfo(0x7abcdefUL, &info));
  CK_BYTE buf[4];
  EXPECT_RV(CKR_SESSION_HANDLE_INVALID, f_->C_GenerateRandom(0x7abcdefUL, buf, 4));
  CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
  EXPECT_RV(CKR_SESSION_HANDLE_INVALID, f_->C_DigestInit(0x7abcdefUL, &m));
}

TEST_F(SessionTest, CloseAllSessionsLogsOut) {
  CK_SESSION_HANDLE a = UserSession();
  CK_SESSION_HANDLE b = OpenRo();
  EXPECT_EQ(SessionInfo(b).state, CKS_RO_USER_FUNCTIONS);
  ASSERT_CKR_OK(f_->C_CloseAllSessions(slot_));
  CK_SESSION_INFO info;
  EXPECT_RV(CKR_SESSION_HANDLE_INVALID, f_->C_GetSessionInfo(a, &info));
  EXPECT_RV(CKR_SESSION_HANDLE_INVALID, f_->C_GetSessionInfo(b, &info));
  EXPECT_EQ(TokenInfo(slot_).ulSessionCount, 0u);
  CK_SESSION_HANDLE c = OpenRo();
  EXPECT_EQ(SessionInfo(c).state, CKS_RO_PUBLIC_SESSION);
}

TEST_F(SessionTest, ClosingLastSessionLogsOut) {
  CK_SESSION_HANDLE a = UserSession();
  ASSERT_CKR_OK(f_->C_CloseSession(a));
  CK_SESSION_HANDLE b = OpenRw();
  EXPECT_EQ(SessionInfo(b).state, CKS_RW_PUBLIC_SESSION);
}

TEST_F(SessionTest, UserPinNotInitialized) {
  std::string label = Padded("no user pin", 32);
  CK_SLOT_ID slot = InitToken("no user pin");
  ASSERT_NE(slot, CK_UNAVAILABLE_INFORMATION);
  CK_SESSION_HANDLE s = Open(slot, true);
  EXPECT_RV(CKR_USER_PIN_NOT_INITIALIZED,
            f_->C_Login(s, CKU_USER, Utf8(kUserPin), kUserPin.size()));
  // The SO can log in on such a token.
  EXPECT_CKR_OK(f_->C_Login(s, CKU_SO, Utf8(kSoPin), kSoPin.size()));
}

TEST_F(SessionTest, InitPinRules) {
  CK_SESSION_HANDLE s = OpenRw();
  EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f_->C_InitPIN(s, Utf8("5678"), 4));
  ASSERT_CKR_OK(LoginUser(s));
  EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f_->C_InitPIN(s, Utf8("5678"), 4));
  ASSERT_CKR_OK(f_->C_Logout(s));
  ASSERT_CKR_OK(LoginSo(s));
  EXPECT_RV(CKR_PIN_LEN_RANGE, f_->C_InitPIN(s, Utf8("12"), 2));
  std::string too_long(300, '7');
  EXPECT_RV(CKR_PIN_LEN_RANGE, f_->C_InitPIN(s, Utf8(too_long), too_long.size()));
  ASSERT_CKR_OK(f_->C_InitPIN(s, Utf8("5678"), 4));
  ASSERT_CKR_OK(f_->C_Logout(s));
  EXPECT_RV(CKR_PIN_INCORRECT, LoginUser(s));
  EXPECT_CKR_OK(f_->C_Login(s, CKU_USER, Utf8("5678"), 4));
}

TEST_F(SessionTest, SetPinRules) {
  CK_SESSION_HANDLE ro = OpenRo();
  EXPECT_RV(CKR_SESSION_READ_ONLY,
            f_->C_SetPIN(ro, Utf8(kUserPin), kUserPin.size(), Utf8("5678"), 4));
  ASSERT_CKR_OK(f_->C_CloseSession(ro));

  CK_SESSION_HANDLE s = OpenRw();
  // Public RW session: changes the user PIN.
  EXPECT_RV(CKR_PIN_INCORRECT, f_->C_SetPIN(s, Utf8("0000"), 4, Utf8("5678"), 4));
  EXPECT_RV(CKR_PIN_LEN_RANGE, f_->C_SetPIN(s, Utf8(kUserPin), kUserPin.size(), Utf8("56"), 2));
  ASSERT_CKR_OK(f_->C_SetPIN(s, Utf8(kUserPin), kUserPin.size(), Utf8("5678"), 4));
  EXPECT_RV(CKR_PIN_INCORRECT, LoginUser(s));
  ASSERT_CKR_OK(f_->C_Login(s, CKU_USER, Utf8("5678"), 4));
  // User functions state: changes the user PIN again.
  ASSERT_CKR_OK(f_->C_SetPIN(s, Utf8("5678"), 4, Utf8("13579"), 5));
  ASSERT_CKR_OK(f_->C_Logout(s));
  ASSERT_CKR_OK(f_->C_Login(s, CKU_USER, Utf8("13579"), 5));
  ASSERT_CKR_OK(f_->C_Logout(s));
  // SO functions state: changes the SO PIN.
  ASSERT_CKR_OK(LoginSo(s));
  ASSERT_CKR_OK(f_->C_SetPIN(s, Utf8(kSoPin), kSoPin.size(), Utf8("87654321"), 8));
  ASSERT_CKR_OK(f_->C_Logout(s));
  EXPECT_RV(CKR_PIN_INCORRECT, LoginSo(s));
  EXPECT_CKR_OK(f_->C_Login(s, CKU_SO, Utf8("87654321"), 8));
  ASSERT_CKR_OK(f_->C_Logout(s));
  // PIN changes persist.
  Reinitialize();
  s = OpenRw();
  EXPECT_CKR_OK(f_->C_Login(s, CKU_USER, Utf8("13579"), 5));
}

TEST_F(SessionTest, UserObjectsSurvivePinChange) {
  CK_SESSION_HANDLE s = UserSession();
  Template t;
  t.Bool(CKA_TOKEN, true).Bool(CKA_SENSITIVE, false).Bool(CKA_EXTRACTABLE, true);
  CK_OBJECT_HANDLE key = GenerateAes(s, 16, &t);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  Bytes value = GetBytes(s, key, CKA_VALUE);
  ASSERT_EQ(value.size(), 16u);
  ASSERT_CKR_OK(f_->C_SetPIN(s, Utf8(kUserPin), kUserPin.size(), Utf8("5678"), 4));
  Reinitialize();
  s = OpenRw();
  ASSERT_CKR_OK(f_->C_Login(s, CKU_USER, Utf8("5678"), 4));
  Template find;
  find.Ulong(CKA_CLASS, CKO_SECRET_KEY);
  std::vector<CK_OBJECT_HANDLE> found = Find(s, find);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(GetBytes(s, found[0], CKA_VALUE), value) << "key unreadable after PIN change";
}

class ContextSpecificTest : public TokenTest {
 protected:
  void SetUp() override {
    TokenTest::SetUp();
    if (HasFatalFailure()) return;
    s_ = UserSession();
    Template priv;
    priv.Bool(CKA_ALWAYS_AUTHENTICATE, true);
    GenerateEc(s_, kP256Params, &pub_, &priv_, nullptr, &priv);
    ASSERT_NE(priv_, CK_INVALID_HANDLE);
  }
  CK_SESSION_HANDLE s_ = 0;
  CK_OBJECT_HANDLE pub_ = 0;
  CK_OBJECT_HANDLE priv_ = 0;
};

TEST_F(ContextSpecificTest, SignNeedsContextLogin) {
  EXPECT_TRUE(GetBool(s_, priv_, CKA_ALWAYS_AUTHENTICATE));
  CK_MECHANISM m = {CKM_ECDSA_SHA256, nullptr, 0};
  Bytes data = Str("context specific");
  CK_BYTE sig[256];
  CK_ULONG len = sizeof sig;

  ASSERT_CKR_OK(f_->C_SignInit(s_, &m, priv_));
  EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f_->C_Sign(s_, data.data(), data.size(), sig, &len));

  ASSERT_CKR_OK(f_->C_SignInit(s_, &m, priv_));
  EXPECT_RV(CKR_PIN_INCORRECT, f_->C_Login(s_, CKU_CONTEXT_SPECIFIC, Utf8("0000"), 4));
  ASSERT_CKR_OK(f_->C_Login(s_, CKU_CONTEXT_SPECIFIC, Utf8(kUserPin), kUserPin.size()));
  len = sizeof sig;
  ASSERT_CKR_OK(f_->C_Sign(s_, data.data(), data.size(), sig, &len));
  EXPECT_EQ(len, 64u);
  Bytes signature(sig, sig + len);
  CK_MECHANISM vm = {CKM_ECDSA_SHA256, nullptr, 0};
  EXPECT_CKR_OK(Verify(s_, &vm, pub_, data, signature));

  // The authorisation is for one operation only.
  ASSERT_CKR_OK(f_->C_SignInit(s_, &m, priv_));
  len = sizeof sig;
  EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f_->C_Sign(s_, data.data(), data.size(), sig, &len));
  // The context login keeps the user logged in.
  EXPECT_EQ(SessionInfo(s_).state, CKS_RW_USER_FUNCTIONS);
}

}  // namespace
}  // namespace conformance
