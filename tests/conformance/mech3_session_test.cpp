// Issue 3: C_GetOperationState / C_SetOperationState (digest, HMAC), C_SessionCancel,
// C_LoginUser, profile objects (CKO_PROFILE), CKA_ALWAYS_AUTHENTICATE with
// C_Login(CKU_CONTEXT_SPECIFIC), and validation of mechanism parameter structures
// (PKCS#11 3.1 §5.6, §5.8, §4.13 profile objects).
#include <set>

#include "fixture3.h"

namespace conformance {
namespace {

using Mech3SessionTest = Mech3Test;

Bytes SavedState(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_RV* rv) {
  CK_ULONG len = 0;
  *rv = f->C_GetOperationState(s, nullptr, &len);
  if (*rv != CKR_OK) return {};
  Bytes state(len);
  *rv = f->C_GetOperationState(s, state.data(), &len);
  state.resize(len);
  return state;
}

TEST_F(Mech3SessionTest, DigestStateRestoredInAnotherSession) {
  Bytes data = Str("The quick brown fox jumps over the lazy dog, half way and the rest");
  size_t half = data.size() / 2;
  CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
  ASSERT_CKR_OK(f_->C_DigestInit(s_, &m));
  ASSERT_CKR_OK(f_->C_DigestUpdate(s_, data.data(), half));
  CK_RV rv = CKR_OK;
  Bytes state = SavedState(f_, s_, &rv);
  ASSERT_CKR_OK(rv);
  ASSERT_FALSE(state.empty());

  CK_SESSION_HANDLE other = OpenRw();
  ASSERT_CKR_OK(f_->C_SetOperationState(other, state.data(), state.size(), 0, 0));
  ASSERT_CKR_OK(f_->C_DigestUpdate(other, data.data() + half, data.size() - half));
  CK_BYTE out[32];
  CK_ULONG len = sizeof out;
  ASSERT_CKR_OK(f_->C_DigestFinal(other, out, &len));
  EXPECT_EQ(ToHex(Bytes(out, out + len)), ToHex(OpensslDigest("SHA256", data)));

  // The original session's operation is unaffected.
  ASSERT_CKR_OK(f_->C_DigestUpdate(s_, data.data() + half, data.size() - half));
  len = sizeof out;
  ASSERT_CKR_OK(f_->C_DigestFinal(s_, out, &len));
  EXPECT_EQ(ToHex(Bytes(out, out + len)), ToHex(OpensslDigest("SHA256", data)));

  // A corrupted state is refused.
  Bytes bad = state;
  bad[bad.size() / 2] ^= 0xff;
  bad.resize(bad.size() - 1);
  CK_SESSION_HANDLE third = OpenRw();
  EXPECT_RV(CKR_SAVED_STATE_INVALID, f_->C_SetOperationState(third, bad.data(), bad.size(), 0, 0));
}

TEST_F(Mech3SessionTest, HmacStateRestoredWithTheKey) {
  Bytes key = Str("state hmac key");
  CK_OBJECT_HANDLE h = CreateSecret(s_, CKK_GENERIC_SECRET, key);
  Bytes data = Str("hmac data split across two sessions");
  size_t half = 9;
  CK_MECHANISM m = {CKM_SHA256_HMAC, nullptr, 0};
  ASSERT_CKR_OK(f_->C_SignInit(s_, &m, h));
  ASSERT_CKR_OK(f_->C_SignUpdate(s_, data.data(), half));
  CK_RV rv = CKR_OK;
  Bytes state = SavedState(f_, s_, &rv);
  ASSERT_CKR_OK(rv) << "HMAC operation state must be saveable (issue 3)";
  CK_SESSION_HANDLE other = OpenRw();
  ASSERT_CKR_OK(f_->C_SetOperationState(other, state.data(), state.size(), 0, h));
  ASSERT_CKR_OK(f_->C_SignUpdate(other, data.data() + half, data.size() - half));
  CK_BYTE out[32];
  CK_ULONG len = sizeof out;
  ASSERT_CKR_OK(f_->C_SignFinal(other, out, &len));
  EXPECT_EQ(ToHex(Bytes(out, out + len)), ToHex(OsslHmac("SHA256", key, data)));
}

TEST_F(Mech3SessionTest, SessionCancelEndsSignOperation) {
  CK_OBJECT_HANDLE h = CreateSecret(s_, CKK_GENERIC_SECRET, Str("cancel key"));
  CK_MECHANISM dm = {CKM_SHA256, nullptr, 0};
  ASSERT_CKR_OK(f_->C_DigestInit(s_, &dm));
  CK_MECHANISM m = {CKM_SHA256_HMAC, nullptr, 0};
  ASSERT_CKR_OK(f_->C_SignInit(s_, &m, h));
  ASSERT_CKR_OK(f3_->C_SessionCancel(s_, CKF_SIGN));
  Bytes data = Str("x");
  CK_BYTE out[32];
  CK_ULONG len = sizeof out;
  EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f_->C_Sign(s_, data.data(), data.size(), out, &len));
  // Only the signing operation ended: the digest is still active.
  len = sizeof out;
  EXPECT_CKR_OK(f_->C_Digest(s_, data.data(), data.size(), out, &len));
  // A new signing operation can start.
  EXPECT_CKR_OK(f_->C_SignInit(s_, &m, h));
  len = sizeof out;
  EXPECT_CKR_OK(f_->C_Sign(s_, data.data(), data.size(), out, &len));
}

TEST_F(Mech3SessionTest, LoginUserWithEmptyUserName) {
  ASSERT_CKR_OK(f_->C_Logout(s_));
  CK_SESSION_HANDLE s = OpenRw();
  EXPECT_EQ(SessionInfo(s).state, CKS_RW_PUBLIC_SESSION);
  CK_UTF8CHAR empty[1] = {0};
  EXPECT_RV(CKR_PIN_INCORRECT, f3_->C_LoginUser(s, CKU_USER, Utf8("9999"), 4, empty, 0));
  ASSERT_CKR_OK(f3_->C_LoginUser(s, CKU_USER, Utf8(kUserPin), kUserPin.size(), empty, 0));
  EXPECT_EQ(SessionInfo(s).state, CKS_RW_USER_FUNCTIONS);
}

TEST_F(Mech3SessionTest, ProfileObjects) {
  Template t;
  t.Ulong(CKA_CLASS, CKO_PROFILE);
  std::vector<CK_OBJECT_HANDLE> found = Find(s_, t);
  ASSERT_FALSE(found.empty()) << "the token states at least one profile";
  const std::set<CK_ULONG> allowed = {CKP_BASELINE_PROVIDER, CKP_EXTENDED_PROVIDER,
                                      CKP_AUTHENTICATION_TOKEN, CKP_PUBLIC_CERTIFICATES_TOKEN};
  std::set<CK_ULONG> seen;
  for (CK_OBJECT_HANDLE o : found) {
    CK_ULONG id = GetUlong(s_, o, CKA_PROFILE_ID);
    EXPECT_TRUE(allowed.count(id)) << "unexpected CKA_PROFILE_ID " << id;
    EXPECT_TRUE(seen.insert(id).second) << "profile " << id << " stated twice";
  }
  // Profiles are public: visible without login, too.
  ASSERT_CKR_OK(f_->C_Logout(s_));
  CK_SESSION_HANDLE ro = OpenRo();
  EXPECT_EQ(Find(ro, t).size(), found.size());
}

TEST_F(Mech3SessionTest, AlwaysAuthenticateNeedsContextSpecificLogin) {
  Template kx;
  kx.Bool(CKA_ALWAYS_AUTHENTICATE, true);
  CK_OBJECT_HANDLE pub, priv;
  GenerateEc(s_, kP256Params, &pub, &priv, nullptr, &kx);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  EXPECT_TRUE(GetBool(s_, priv, CKA_ALWAYS_AUTHENTICATE));
  CK_MECHANISM m = {CKM_ECDSA_SHA256, nullptr, 0};
  Bytes data = Str("needs context login");
  CK_BYTE sig[128];
  CK_ULONG len = sizeof sig;

  ASSERT_CKR_OK(f_->C_SignInit(s_, &m, priv));
  EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f_->C_Sign(s_, data.data(), data.size(), sig, &len));

  ASSERT_CKR_OK(f_->C_SignInit(s_, &m, priv));
  ASSERT_CKR_OK(f_->C_Login(s_, CKU_CONTEXT_SPECIFIC, Utf8(kUserPin), kUserPin.size()));
  len = sizeof sig;
  ASSERT_CKR_OK(f_->C_Sign(s_, data.data(), data.size(), sig, &len));
  EXPECT_TRUE(
      OpensslVerify(GetBytes(s_, pub, CKA_PUBLIC_KEY_INFO), "SHA256", data, Bytes(sig, sig + len)));

  // The context login covers one operation only.
  ASSERT_CKR_OK(f_->C_SignInit(s_, &m, priv));
  len = sizeof sig;
  EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f_->C_Sign(s_, data.data(), data.size(), sig, &len));
}

// ---- Parameter validation --------------------------------------------------------------

TEST_F(Mech3SessionTest, GcmParamsWithWrongLength) {
  CK_OBJECT_HANDLE aes = GenerateAes(s_, 16);
  Bytes iv(12, 1);
  CK_GCM_PARAMS p = {iv.data(), 12, 96, nullptr, 0, 128};
  CK_MECHANISM m = {CKM_AES_GCM, &p, sizeof p - 1};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &m, aes));
  m.ulParameterLen = sizeof p + 8;
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &m, aes));
  // Tag bits out of range, and a NULL IV with a nonzero length.
  m.ulParameterLen = sizeof p;
  p.ulTagBits = 136;
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &m, aes));
  p.ulTagBits = 128;
  p.pIv = nullptr;
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &m, aes));
  // The session is still usable with correct parameters.
  p.pIv = iv.data();
  EXPECT_CKR_OK(f_->C_EncryptInit(s_, &m, aes));
}

TEST_F(Mech3SessionTest, OaepParamsWithUnknownHash) {
  CK_OBJECT_HANDLE pub, priv;
  GenerateRsa(s_, 2048, &pub, &priv);
  ASSERT_NE(pub, CK_INVALID_HANDLE);
  CK_RSA_PKCS_OAEP_PARAMS p = {CKM_VENDOR_DEFINED | 0x5a5aUL, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED,
                               nullptr, 0};
  CK_MECHANISM m = {CKM_RSA_PKCS_OAEP, &p, sizeof p};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &m, pub));
  p.hashAlg = CKM_SHA256;
  p.mgf = 0x7777;
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &m, pub));
  p.mgf = CKG_MGF1_SHA256;
  p.source = 0x42;
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &m, pub));
  p.source = CKZ_DATA_SPECIFIED;
  p.ulSourceDataLen = 8;  // NULL label with a length
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &m, pub));
}

TEST_F(Mech3SessionTest, EddsaParamsWithNullContext) {
  Template pt;
  pt.Data(CKA_EC_PARAMS, kEd25519Oid).Bool(CKA_VERIFY, true);
  Template kt;
  kt.Bool(CKA_SIGN, true).Bool(CKA_SENSITIVE, true).Bool(CKA_PRIVATE, true);
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_CKR_OK(GenerateKeyPair(CKM_EC_EDWARDS_KEY_PAIR_GEN, pt, kt, &pub, &priv));
  CK_EDDSA_PARAMS p = {CK_FALSE, 5, nullptr};
  CK_MECHANISM m = {CKM_EDDSA, &p, sizeof p};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_SignInit(s_, &m, priv));
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_VerifyInit(s_, &m, pub));
  // Context longer than 255 bytes (RFC 8032).
  Bytes ctx(256, 'c');
  p = {CK_FALSE, static_cast<CK_ULONG>(ctx.size()), ctx.data()};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_SignInit(s_, &m, priv));
  m.ulParameterLen = sizeof p - 1;
  p = {CK_FALSE, 0, nullptr};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_SignInit(s_, &m, priv));
}

TEST_F(Mech3SessionTest, KdfParamsValidated) {
  Bytes v(32, 0x11);
  Template t;
  t.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
      .Data(CKA_VALUE, v)
      .Bool(CKA_DERIVE, true);
  CK_OBJECT_HANDLE base = Create(s_, t);
  Template out;
  ReadableSecretTemplate(&out, 32);
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  // HKDF with neither extract nor expand, and with an unknown PRF.
  CK_HKDF_PARAMS hp = {CK_FALSE,          CK_FALSE, CKM_SHA256, CKF_HKDF_SALT_NULL, nullptr, 0,
                       CK_INVALID_HANDLE, nullptr,  0};
  CK_MECHANISM m = {CKM_HKDF_DERIVE, &hp, sizeof hp};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, Derive(&m, base, out, &h));
  hp.bExtract = hp.bExpand = CK_TRUE;
  hp.prfHashMechanism = CKM_VENDOR_DEFINED | 1;
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, Derive(&m, base, out, &h));
  hp.prfHashMechanism = CKM_SHA256;
  hp.ulSaltType = CKF_HKDF_SALT_DATA;  // with a NULL salt pointer and length
  hp.ulSaltLen = 4;
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, Derive(&m, base, out, &h));
  // ECDH1 with an unknown KDF.
  CK_OBJECT_HANDLE pub, priv;
  Template kx;
  kx.Bool(CKA_DERIVE, true);
  GenerateEc(s_, kP256Params, &pub, &priv, nullptr, &kx);
  Pkey peer = OsslKeygen("EC", "P-256");
  ASSERT_NE(peer, nullptr);
  Bytes point = OsslEcPoint(peer.get());
  ASSERT_EQ(point.size(), 65u);
  CK_ECDH1_DERIVE_PARAMS ep = {0x7fff, 0, nullptr, 65, point.data()};
  CK_MECHANISM em = {CKM_ECDH1_DERIVE, &ep, sizeof ep};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, Derive(&em, priv, out, &h));
}

}  // namespace
}  // namespace conformance
