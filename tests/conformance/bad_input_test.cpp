// Bad input at every entry point (issue 2, "Bad input"): NULL where the specification forbids
// it → CKR_ARGUMENTS_BAD; malformed templates and mechanism parameters → the spec's code;
// never a crash, never a write past a caller's buffer, nothing printed without ARCA_LOG.
#include <cstring>

#include "fixture.h"

namespace conformance {
namespace {

class BadInputTest : public TokenTest {
 protected:
  void SetUp() override {
    TokenTest::SetUp();
    if (HasFatalFailure()) return;
    s_ = UserSession();
    aes_ = GenerateAes(s_, 16);
    Template extra;
    extra.Bool(CKA_SIGN, true).Bool(CKA_VERIFY, true);
    hmac_ = CreateSecret(s_, CKK_GENERIC_SECRET, Str("Jefe"), &extra);
  }
  // A fresh session (the user stays logged in) so one check's operation state cannot leak
  // into the next.
  CK_SESSION_HANDLE Fresh() { return OpenRw(); }

  CK_SESSION_HANDLE s_ = 0;
  CK_OBJECT_HANDLE aes_ = 0;
  CK_OBJECT_HANDLE hmac_ = 0;
};

TEST_F(BadInputTest, GeneralAndSlotFunctions) {
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GetInfo(nullptr));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GetFunctionList(nullptr));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GetSlotList(CK_FALSE, nullptr, nullptr));
  CK_SLOT_ID slots[4];
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GetSlotList(CK_TRUE, slots, nullptr));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GetSlotInfo(slot_, nullptr));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GetTokenInfo(slot_, nullptr));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GetMechanismList(slot_, nullptr, nullptr));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GetMechanismInfo(slot_, CKM_SHA256, nullptr));
  CK_SLOT_ID free_slot = FreeSlot();
  ASSERT_NE(free_slot, CK_UNAVAILABLE_INFORMATION);
  std::string label = Padded("x", 32);
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_InitToken(free_slot, Utf8(kSoPin), kSoPin.size(), nullptr));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_InitToken(free_slot, nullptr, 8, Utf8(label)));
  EXPECT_EQ(FreeSlot(), free_slot) << "a refused C_InitToken changed the free slot";
  CK_SLOT_ID event_slot = 0;
  CK_RV rv = f_->C_WaitForSlotEvent(CKF_DONT_BLOCK, nullptr, nullptr);
  EXPECT_TRUE(rv == CKR_ARGUMENTS_BAD || rv == CKR_FUNCTION_NOT_SUPPORTED) << RvName(rv);
  int reserved = 0;
  rv = f_->C_WaitForSlotEvent(CKF_DONT_BLOCK, &event_slot, &reserved);
  EXPECT_TRUE(rv == CKR_ARGUMENTS_BAD || rv == CKR_FUNCTION_NOT_SUPPORTED) << RvName(rv);
}

TEST_F(BadInputTest, SessionAndLoginFunctions) {
  EXPECT_RV(CKR_ARGUMENTS_BAD,
            f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GetSessionInfo(s_, nullptr));
  CK_SESSION_HANDLE s = OpenRw();
  ASSERT_CKR_OK(f_->C_Logout(s));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_Login(s, CKU_USER, nullptr, 4));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_SetPIN(s, nullptr, 4, Utf8("5678"), 4));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_SetPIN(s, Utf8(kUserPin), kUserPin.size(), nullptr, 4));
  ASSERT_CKR_OK(LoginSo(s));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_InitPIN(s, nullptr, 4));
  ASSERT_CKR_OK(f_->C_Logout(s));
  // None of it changed the user PIN.
  EXPECT_CKR_OK(LoginUser(s));
}

TEST_F(BadInputTest, ObjectFunctions) {
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  Template t;
  t.Ulong(CKA_CLASS, CKO_DATA).Text(CKA_LABEL, "x");
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_CreateObject(s_, nullptr, 2, &h));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_CreateObject(s_, t.data(), t.size(), nullptr));
  CK_OBJECT_HANDLE data = CreateData(s_, "target");
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_CopyObject(s_, data, t.data(), t.size(), nullptr));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_CopyObject(s_, data, nullptr, 1, &h));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GetObjectSize(s_, data, nullptr));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GetAttributeValue(s_, data, nullptr, 1));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_SetAttributeValue(s_, data, nullptr, 1));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_FindObjectsInit(s_, nullptr, 1));
  ASSERT_CKR_OK(f_->C_FindObjectsInit(s_, nullptr, 0));
  CK_OBJECT_HANDLE found[4];
  CK_ULONG n = 0;
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_FindObjects(s_, nullptr, 4, &n));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_FindObjects(s_, found, 4, nullptr));
  EXPECT_CKR_OK(f_->C_FindObjectsFinal(s_));
  // Only the one data object exists (besides the keys): nothing partial was stored.
  Template all_data;
  all_data.Ulong(CKA_CLASS, CKO_DATA);
  EXPECT_EQ(Find(s_, all_data).size(), 1u);
}

TEST_F(BadInputTest, MalformedTemplates) {
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  CK_OBJECT_CLASS cls = CKO_DATA;
  CK_ATTRIBUTE null_class[] = {{CKA_CLASS, nullptr, sizeof(CK_ULONG)}};
  CK_RV rv = f_->C_CreateObject(s_, null_class, 1, &h);
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_ARGUMENTS_BAD) << RvName(rv);
  CK_ATTRIBUTE short_class[] = {{CKA_CLASS, &cls, 3}};
  EXPECT_RV(CKR_ATTRIBUTE_VALUE_INVALID, f_->C_CreateObject(s_, short_class, 1, &h));
  CK_ATTRIBUTE null_label[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, nullptr, 5}};
  rv = f_->C_CreateObject(s_, null_label, 2, &h);
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_ARGUMENTS_BAD) << RvName(rv);
  CK_ATTRIBUTE huge[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, nullptr, 1UL << 40}};
  rv = f_->C_CreateObject(s_, huge, 2, &h);
  EXPECT_NE(Rv{CKR_OK}, Rv{rv});
  CK_ULONG bad_class = 0x7fff0000UL;
  CK_ATTRIBUTE unknown_class[] = {{CKA_CLASS, &bad_class, sizeof bad_class}};
  rv = f_->C_CreateObject(s_, unknown_class, 1, &h);
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_TEMPLATE_INCONSISTENT) << RvName(rv);
  CK_BBOOL yes = CK_TRUE;
  CK_ATTRIBUTE twice[] = {
      {CKA_CLASS, &cls, sizeof cls}, {CKA_TOKEN, &yes, sizeof yes}, {CKA_TOKEN, &yes, 1}};
  rv = f_->C_CreateObject(s_, twice, 3, &h);
  EXPECT_TRUE(rv == CKR_TEMPLATE_INCONSISTENT || rv == CKR_OK) << RvName(rv);

  // GenerateKey with a malformed CKA_VALUE_LEN.
  CK_MECHANISM gen = {CKM_AES_KEY_GEN, nullptr, 0};
  CK_BYTE one = 16;
  CK_ATTRIBUTE bad_len[] = {{CKA_VALUE_LEN, &one, 1}};
  EXPECT_RV(CKR_ATTRIBUTE_VALUE_INVALID, f_->C_GenerateKey(s_, &gen, bad_len, 1, &h));
  // A bad attribute pointer in C_GetAttributeValue's buffer length is the caller's, but a
  // NULL template is not.
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GetAttributeValue(s_, aes_, nullptr, 5));
}

TEST_F(BadInputTest, CryptoFunctions) {
  Bytes data(16, 1);
  CK_BYTE out[64];
  CK_ULONG len = sizeof out;
  CK_MECHANISM ecb = {CKM_AES_ECB, nullptr, 0};
  CK_MECHANISM sha = {CKM_SHA256, nullptr, 0};
  CK_MECHANISM hm = {CKM_SHA256_HMAC, nullptr, 0};
  CK_SESSION_HANDLE s;

  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_EncryptInit(Fresh(), nullptr, aes_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_DecryptInit(Fresh(), nullptr, aes_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_DigestInit(Fresh(), nullptr));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_SignInit(Fresh(), nullptr, hmac_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_VerifyInit(Fresh(), nullptr, hmac_));

  s = Fresh();
  ASSERT_CKR_OK(f_->C_EncryptInit(s, &ecb, aes_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_Encrypt(s, data.data(), data.size(), out, nullptr));
  s = Fresh();
  ASSERT_CKR_OK(f_->C_EncryptInit(s, &ecb, aes_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_Encrypt(s, nullptr, 16, out, &len));
  s = Fresh();
  ASSERT_CKR_OK(f_->C_EncryptInit(s, &ecb, aes_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_EncryptUpdate(s, data.data(), data.size(), out, nullptr));
  s = Fresh();
  ASSERT_CKR_OK(f_->C_EncryptInit(s, &ecb, aes_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_EncryptFinal(s, out, nullptr));

  s = Fresh();
  ASSERT_CKR_OK(f_->C_DecryptInit(s, &ecb, aes_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_Decrypt(s, data.data(), data.size(), out, nullptr));
  s = Fresh();
  ASSERT_CKR_OK(f_->C_DecryptInit(s, &ecb, aes_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_Decrypt(s, nullptr, 16, out, &len));
  s = Fresh();
  ASSERT_CKR_OK(f_->C_DecryptInit(s, &ecb, aes_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_DecryptUpdate(s, data.data(), data.size(), out, nullptr));
  s = Fresh();
  ASSERT_CKR_OK(f_->C_DecryptInit(s, &ecb, aes_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_DecryptFinal(s, out, nullptr));

  s = Fresh();
  ASSERT_CKR_OK(f_->C_DigestInit(s, &sha));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_Digest(s, data.data(), data.size(), out, nullptr));
  s = Fresh();
  ASSERT_CKR_OK(f_->C_DigestInit(s, &sha));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_DigestUpdate(s, nullptr, 5));
  s = Fresh();
  ASSERT_CKR_OK(f_->C_DigestInit(s, &sha));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_DigestFinal(s, out, nullptr));

  s = Fresh();
  ASSERT_CKR_OK(f_->C_SignInit(s, &hm, hmac_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_Sign(s, data.data(), data.size(), out, nullptr));
  s = Fresh();
  ASSERT_CKR_OK(f_->C_SignInit(s, &hm, hmac_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_SignUpdate(s, nullptr, 3));
  s = Fresh();
  ASSERT_CKR_OK(f_->C_SignInit(s, &hm, hmac_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_SignFinal(s, out, nullptr));

  s = Fresh();
  ASSERT_CKR_OK(f_->C_VerifyInit(s, &hm, hmac_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_Verify(s, data.data(), data.size(), nullptr, 32));
  s = Fresh();
  ASSERT_CKR_OK(f_->C_VerifyInit(s, &hm, hmac_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_VerifyUpdate(s, nullptr, 3));
  s = Fresh();
  ASSERT_CKR_OK(f_->C_VerifyInit(s, &hm, hmac_));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_VerifyFinal(s, nullptr, 32));
}

TEST_F(BadInputTest, KeyAndRandomFunctions) {
  CK_MECHANISM gen = {CKM_AES_KEY_GEN, nullptr, 0};
  Template t;
  t.Ulong(CKA_VALUE_LEN, 16);
  CK_OBJECT_HANDLE h;
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GenerateKey(s_, nullptr, t.data(), t.size(), &h));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GenerateKey(s_, &gen, t.data(), t.size(), nullptr));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GenerateKey(s_, &gen, nullptr, 1, &h));
  CK_MECHANISM ec = {CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  Template pub;
  pub.Data(CKA_EC_PARAMS, kP256Params);
  Template priv;
  priv.Bool(CKA_SIGN, true);
  CK_OBJECT_HANDLE a, b;
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GenerateKeyPair(s_, nullptr, pub.data(), pub.size(),
                                                     priv.data(), priv.size(), &a, &b));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GenerateKeyPair(s_, &ec, pub.data(), pub.size(), priv.data(),
                                                     priv.size(), nullptr, &b));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GenerateKeyPair(s_, &ec, pub.data(), pub.size(), priv.data(),
                                                     priv.size(), &a, nullptr));
  EXPECT_RV(CKR_ARGUMENTS_BAD,
            f_->C_GenerateKeyPair(s_, &ec, nullptr, 1, priv.data(), priv.size(), &a, &b));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_GenerateRandom(s_, nullptr, 16));
  EXPECT_RV(CKR_ARGUMENTS_BAD, f_->C_SeedRandom(s_, nullptr, 4));
  // Nothing half-generated was left behind.
  Template keys;
  keys.Ulong(CKA_KEY_TYPE, CKK_EC);
  EXPECT_TRUE(Find(s_, keys).empty());
}

TEST_F(BadInputTest, MalformedMechanismParameters) {
  CK_MECHANISM null_iv = {CKM_AES_CBC, nullptr, 16};
  CK_RV rv = f_->C_EncryptInit(Fresh(), &null_iv, aes_);
  EXPECT_TRUE(rv == CKR_MECHANISM_PARAM_INVALID || rv == CKR_ARGUMENTS_BAD) << RvName(rv);
  CK_GCM_PARAMS gcm = {nullptr, 12, 96, nullptr, 0, 128};
  CK_MECHANISM null_gcm_iv = {CKM_AES_GCM, &gcm, sizeof gcm};
  rv = f_->C_EncryptInit(Fresh(), &null_gcm_iv, aes_);
  EXPECT_TRUE(rv == CKR_MECHANISM_PARAM_INVALID || rv == CKR_ARGUMENTS_BAD) << RvName(rv);
  Bytes iv(12, 0);
  CK_GCM_PARAMS null_aad = {iv.data(), 12, 96, nullptr, 64, 128};
  CK_MECHANISM aad = {CKM_AES_GCM, &null_aad, sizeof null_aad};
  rv = f_->C_EncryptInit(Fresh(), &aad, aes_);
  EXPECT_TRUE(rv == CKR_MECHANISM_PARAM_INVALID || rv == CKR_ARGUMENTS_BAD) << RvName(rv);
  CK_MECHANISM null_gcm = {CKM_AES_GCM, nullptr, sizeof(CK_GCM_PARAMS)};
  rv = f_->C_EncryptInit(Fresh(), &null_gcm, aes_);
  EXPECT_TRUE(rv == CKR_MECHANISM_PARAM_INVALID || rv == CKR_ARGUMENTS_BAD) << RvName(rv);
  CK_MECHANISM null_pss = {CKM_SHA256_RSA_PKCS_PSS, nullptr, sizeof(CK_RSA_PKCS_PSS_PARAMS)};
  CK_OBJECT_HANDLE pub, priv;
  GenerateEc(s_, kP256Params, &pub, &priv);
  rv = f_->C_SignInit(Fresh(), &null_pss, priv);
  EXPECT_NE(Rv{CKR_OK}, Rv{rv});
}

TEST_F(BadInputTest, Interface30FunctionsNeverCrash) {
  CK_FUNCTION_LIST_3_0* f3 = Fn3();
  ASSERT_NE(f3, nullptr) << "no \"PKCS 11\" 3.0 interface";
  CK_RV rv = f3->C_LoginUser(Fresh(), CKU_USER, nullptr, 4, nullptr, 0);
  EXPECT_TRUE(rv == CKR_ARGUMENTS_BAD || rv == CKR_FUNCTION_NOT_SUPPORTED) << RvName(rv);
  rv = f3->C_MessageEncryptInit(Fresh(), nullptr, aes_);
  EXPECT_TRUE(rv == CKR_ARGUMENTS_BAD || rv == CKR_FUNCTION_NOT_SUPPORTED) << RvName(rv);
  rv = f3->C_MessageSignInit(Fresh(), nullptr, hmac_);
  EXPECT_TRUE(rv == CKR_ARGUMENTS_BAD || rv == CKR_FUNCTION_NOT_SUPPORTED) << RvName(rv);
  CK_SESSION_HANDLE s = Fresh();
  EXPECT_NE(Rv{CKR_OK},
            Rv{f3->C_EncryptMessage(s, nullptr, 0, nullptr, 0, nullptr, 0, nullptr, nullptr)});
  EXPECT_NE(Rv{CKR_OK},
            Rv{f3->C_DecryptMessage(s, nullptr, 0, nullptr, 0, nullptr, 0, nullptr, nullptr)});
  EXPECT_NE(Rv{CKR_OK}, Rv{f3->C_SignMessage(s, nullptr, 0, nullptr, 0, nullptr, nullptr)});
  EXPECT_NE(Rv{CKR_OK}, Rv{f3->C_VerifyMessage(s, nullptr, 0, nullptr, 0, nullptr, 0)});
  EXPECT_NE(Rv{CKR_OK}, Rv{f3->C_MessageEncryptFinal(s)});
  EXPECT_NE(Rv{CKR_OK}, Rv{f3->C_MessageVerifyFinal(s)});
  rv = f3->C_SessionCancel(0x7feedUL, CKF_SIGN);
  EXPECT_TRUE(rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_FUNCTION_NOT_SUPPORTED) << RvName(rv);
}

// The module prints nothing unless ARCA_LOG asks, even on errors.
class SilenceTest : public ModuleTest {};

TEST_F(SilenceTest, NothingPrintedWithoutArcaLog) {
  unsetenv("ARCA_LOG");
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  CK_INFO info;
  f_->C_GetInfo(&info);  // not initialised
  CK_C_INITIALIZE_ARGS args = {};
  args.flags = CKF_OS_LOCKING_OK;
  f_->C_Initialize(&args);
  f_->C_Initialize(&args);
  f_->C_GetInfo(nullptr);
  CK_SESSION_HANDLE s;
  f_->C_OpenSession(0x7feedUL, CKF_SERIAL_SESSION, nullptr, nullptr, &s);
  f_->C_GetSessionInfo(0x7feedUL, nullptr);
  f_->C_Finalize(nullptr);
  std::string out = testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out, "");
  EXPECT_EQ(err, "");
}

}  // namespace
}  // namespace conformance
