// Mechanisms and the operation rules (PKCS#11 3.1 §5.8–5.15 encryption, decryption, digest,
// sign, verify, key management, random; current mechanisms spec for each CKM_*; issue 2
// items 5 and 8). Results are checked against known answers and against OpenSSL directly.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>

#include "fixture.h"

namespace conformance {
namespace {

constexpr CK_MECHANISM_TYPE kUnknownMech = CKM_VENDOR_DEFINED | 0x7e57UL;
const Bytes kAbc = Str("abc");

class CryptoTest : public TokenTest {
 protected:
  void SetUp() override {
    TokenTest::SetUp();
    if (HasFatalFailure()) return;
    s_ = UserSession();
  }
  CK_OBJECT_HANDLE HmacKey(const Bytes& value, Template* extra = nullptr) {
    return CreateSecret(s_, CKK_GENERIC_SECRET, value, extra);
  }
  CK_SESSION_HANDLE s_ = 0;
};

// ---- Digest -----------------------------------------------------------------------------

TEST_F(CryptoTest, DigestKnownAnswers) {
  struct {
    CK_MECHANISM_TYPE mech;
    const char* hex;
  } cases[] = {
      {CKM_SHA_1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
      {CKM_SHA224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
      {CKM_SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {CKM_SHA384,
       "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca1"
       "34c825a7"},
      {CKM_SHA512,
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23"
       "a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
  };
  for (const auto& c : cases) {
    Bytes out;
    ASSERT_CKR_OK(Digest(s_, c.mech, kAbc, &out));
    EXPECT_EQ(ToHex(out), c.hex) << "single-part 0x" << std::hex << c.mech;
    // Multi-part: "a" + "" + "bc".
    CK_MECHANISM m = {c.mech, nullptr, 0};
    ASSERT_CKR_OK(f_->C_DigestInit(s_, &m));
    CK_BYTE a = 'a';
    CK_BYTE bc[] = {'b', 'c'};
    ASSERT_CKR_OK(f_->C_DigestUpdate(s_, &a, 1));
    ASSERT_CKR_OK(f_->C_DigestUpdate(s_, bc, 0));
    ASSERT_CKR_OK(f_->C_DigestUpdate(s_, bc, 2));
    CK_BYTE buf[64];
    CK_ULONG len = sizeof buf;
    ASSERT_CKR_OK(f_->C_DigestFinal(s_, buf, &len));
    EXPECT_EQ(ToHex(Bytes(buf, buf + len)), c.hex) << "multi-part 0x" << std::hex << c.mech;
  }
}

TEST_F(CryptoTest, DigestWorksWithoutLogin) {
  CK_SESSION_HANDLE ro = OpenRo();
  ASSERT_CKR_OK(f_->C_Logout(s_));
  Bytes out;
  ASSERT_CKR_OK(Digest(ro, CKM_SHA256, kAbc, &out));
  EXPECT_EQ(out, OpensslDigest("SHA256", kAbc));
}

TEST_F(CryptoTest, DigestKey) {
  Bytes value = FromHex("00112233445566778899aabbccddeeff0011223344556677");
  Template extra;
  extra.Bool(CKA_SENSITIVE, false).Bool(CKA_EXTRACTABLE, true);
  CK_OBJECT_HANDLE key = HmacKey(value, &extra);
  CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
  ASSERT_CKR_OK(f_->C_DigestInit(s_, &m));
  Bytes pre = Str("pre");
  ASSERT_CKR_OK(f_->C_DigestUpdate(s_, pre.data(), pre.size()));
  ASSERT_CKR_OK(f_->C_DigestKey(s_, key));
  CK_BYTE buf[32];
  CK_ULONG len = sizeof buf;
  ASSERT_CKR_OK(f_->C_DigestFinal(s_, buf, &len));
  Bytes expected = pre;
  expected.insert(expected.end(), value.begin(), value.end());
  EXPECT_EQ(Bytes(buf, buf + len), OpensslDigest("SHA256", expected));
  ASSERT_CKR_OK(f_->C_DigestInit(s_, &m));
  EXPECT_RV(CKR_KEY_HANDLE_INVALID, f_->C_DigestKey(s_, 0x7feedUL));
}

TEST_F(CryptoTest, OutputBufferProtocol) {
  CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
  Bytes in = kAbc;
  ASSERT_CKR_OK(f_->C_DigestInit(s_, &m));
  CK_ULONG len = 0;
  ASSERT_CKR_OK(f_->C_Digest(s_, in.data(), in.size(), nullptr, &len));
  EXPECT_EQ(len, 32u) << "length query";
  CK_BYTE buf[40];
  std::memset(buf, 0xa5, sizeof buf);
  len = 10;
  EXPECT_RV(CKR_BUFFER_TOO_SMALL, f_->C_Digest(s_, in.data(), in.size(), buf, &len));
  EXPECT_EQ(len, 32u) << "CKR_BUFFER_TOO_SMALL reports the size";
  for (int i = 10; i < 40; ++i) EXPECT_EQ(buf[i], 0xa5) << "write past the caller's buffer";
  len = sizeof buf;
  ASSERT_CKR_OK(f_->C_Digest(s_, in.data(), in.size(), buf, &len))
      << "the operation must survive a length query and CKR_BUFFER_TOO_SMALL";
  EXPECT_EQ(len, 32u);
  EXPECT_EQ(Bytes(buf, buf + 32), OpensslDigest("SHA256", kAbc));
  EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f_->C_Digest(s_, in.data(), in.size(), buf, &len));

  // The same for a signature.
  CK_OBJECT_HANDLE key = HmacKey(Str("Jefe"));
  CK_MECHANISM hm = {CKM_SHA256_HMAC, nullptr, 0};
  ASSERT_CKR_OK(f_->C_SignInit(s_, &hm, key));
  len = 0;
  ASSERT_CKR_OK(f_->C_Sign(s_, in.data(), in.size(), nullptr, &len));
  EXPECT_EQ(len, 32u);
  len = 31;
  EXPECT_RV(CKR_BUFFER_TOO_SMALL, f_->C_Sign(s_, in.data(), in.size(), buf, &len));
  EXPECT_EQ(len, 32u);
  len = sizeof buf;
  EXPECT_CKR_OK(f_->C_Sign(s_, in.data(), in.size(), buf, &len));
  EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f_->C_Sign(s_, in.data(), in.size(), buf, &len));

  // And for DigestFinal.
  ASSERT_CKR_OK(f_->C_DigestInit(s_, &m));
  ASSERT_CKR_OK(f_->C_DigestUpdate(s_, in.data(), in.size()));
  len = 0;
  ASSERT_CKR_OK(f_->C_DigestFinal(s_, nullptr, &len));
  EXPECT_EQ(len, 32u);
  len = 1;
  EXPECT_RV(CKR_BUFFER_TOO_SMALL, f_->C_DigestFinal(s_, buf, &len));
  len = sizeof buf;
  EXPECT_CKR_OK(f_->C_DigestFinal(s_, buf, &len));
}

TEST_F(CryptoTest, SingleAndMultiPartCannotBeMixed) {
  Bytes in = kAbc;
  CK_BYTE buf[64];
  CK_ULONG len = sizeof buf;
  CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
  ASSERT_CKR_OK(f_->C_DigestInit(s_, &m));
  ASSERT_CKR_OK(f_->C_DigestUpdate(s_, in.data(), in.size()));
  EXPECT_RV(CKR_OPERATION_ACTIVE, f_->C_Digest(s_, in.data(), in.size(), buf, &len));

  CK_OBJECT_HANDLE key = HmacKey(Str("Jefe"));
  CK_MECHANISM hm = {CKM_SHA256_HMAC, nullptr, 0};
  ASSERT_CKR_OK(f_->C_SignInit(s_, &hm, key));
  ASSERT_CKR_OK(f_->C_SignUpdate(s_, in.data(), in.size()));
  len = sizeof buf;
  EXPECT_RV(CKR_OPERATION_ACTIVE, f_->C_Sign(s_, in.data(), in.size(), buf, &len));
}

TEST_F(CryptoTest, InitWhileActive) {
  CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
  ASSERT_CKR_OK(f_->C_DigestInit(s_, &m));
  EXPECT_RV(CKR_OPERATION_ACTIVE, f_->C_DigestInit(s_, &m));
  CK_OBJECT_HANDLE key = HmacKey(Str("Jefe"));
  CK_MECHANISM hm = {CKM_SHA256_HMAC, nullptr, 0};
  ASSERT_CKR_OK(f_->C_SignInit(s_, &hm, key));
  EXPECT_RV(CKR_OPERATION_ACTIVE, f_->C_SignInit(s_, &hm, key));
  CK_OBJECT_HANDLE aes = GenerateAes(s_, 16);
  CK_MECHANISM ecb = {CKM_AES_ECB, nullptr, 0};
  ASSERT_CKR_OK(f_->C_EncryptInit(s_, &ecb, aes));
  EXPECT_RV(CKR_OPERATION_ACTIVE, f_->C_EncryptInit(s_, &ecb, aes));
  // Operations of other kinds are independent: the digest is still usable.
  CK_BYTE buf[32];
  CK_ULONG len = sizeof buf;
  Bytes in = kAbc;
  EXPECT_CKR_OK(f_->C_Digest(s_, in.data(), in.size(), buf, &len));
}

TEST_F(CryptoTest, ErrorEndsTheOperation) {
  CK_OBJECT_HANDLE aes = GenerateAes(s_, 16);
  Bytes iv(16, 0);
  CK_MECHANISM cbc = {CKM_AES_CBC, iv.data(), 16};
  Bytes odd(15, 1);
  CK_BYTE out[64];
  CK_ULONG len = sizeof out;
  ASSERT_CKR_OK(f_->C_EncryptInit(s_, &cbc, aes));
  EXPECT_RV(CKR_DATA_LEN_RANGE, f_->C_Encrypt(s_, odd.data(), odd.size(), out, &len));
  Bytes good(16, 1);
  len = sizeof out;
  EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f_->C_Encrypt(s_, good.data(), good.size(), out, &len));

  Bytes odd_ct(17, 1);
  ASSERT_CKR_OK(f_->C_DecryptInit(s_, &cbc, aes));
  len = sizeof out;
  EXPECT_RV(CKR_ENCRYPTED_DATA_LEN_RANGE,
            f_->C_Decrypt(s_, odd_ct.data(), odd_ct.size(), out, &len));
  len = sizeof out;
  EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f_->C_Decrypt(s_, good.data(), good.size(), out, &len));

  // A failed verification ends the verify operation.
  CK_OBJECT_HANDLE key = HmacKey(Str("Jefe"));
  CK_MECHANISM hm = {CKM_SHA256_HMAC, nullptr, 0};
  Bytes sig(32, 0);
  Bytes in = kAbc;
  ASSERT_CKR_OK(f_->C_VerifyInit(s_, &hm, key));
  EXPECT_RV(CKR_SIGNATURE_INVALID, f_->C_Verify(s_, in.data(), in.size(), sig.data(), 32));
  EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f_->C_Verify(s_, in.data(), in.size(), sig.data(), 32));
}

TEST_F(CryptoTest, UnknownMechanism) {
  CK_MECHANISM m = {kUnknownMech, nullptr, 0};
  EXPECT_RV(CKR_MECHANISM_INVALID, f_->C_DigestInit(s_, &m));
  CK_OBJECT_HANDLE key = HmacKey(Str("Jefe"));
  EXPECT_RV(CKR_MECHANISM_INVALID, f_->C_SignInit(s_, &m, key));
  EXPECT_RV(CKR_MECHANISM_INVALID, f_->C_VerifyInit(s_, &m, key));
  CK_OBJECT_HANDLE aes = GenerateAes(s_, 16);
  EXPECT_RV(CKR_MECHANISM_INVALID, f_->C_EncryptInit(s_, &m, aes));
  EXPECT_RV(CKR_MECHANISM_INVALID, f_->C_DecryptInit(s_, &m, aes));
  Template t;
  t.Ulong(CKA_VALUE_LEN, 16);
  CK_OBJECT_HANDLE h;
  EXPECT_RV(CKR_MECHANISM_INVALID, f_->C_GenerateKey(s_, &m, t.data(), t.size(), &h));
  // A known mechanism used for a function it does not provide.
  CK_MECHANISM sha = {CKM_SHA256, nullptr, 0};
  EXPECT_RV(CKR_MECHANISM_INVALID, f_->C_SignInit(s_, &sha, key));
  CK_MECHANISM ecdsa = {CKM_ECDSA, nullptr, 0};
  EXPECT_RV(CKR_MECHANISM_INVALID, f_->C_DigestInit(s_, &ecdsa));
}

TEST_F(CryptoTest, BadMechanismParameters) {
  CK_OBJECT_HANDLE aes = GenerateAes(s_, 16);
  Bytes iv(16, 0);
  CK_MECHANISM short_iv = {CKM_AES_CBC, iv.data(), 8};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &short_iv, aes));
  CK_MECHANISM no_iv = {CKM_AES_CBC_PAD, nullptr, 0};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &no_iv, aes));
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_DecryptInit(s_, &short_iv, aes));

  Bytes gcm_iv(12, 0);
  CK_GCM_PARAMS gcm = {gcm_iv.data(), 12, 96, nullptr, 0, 200};
  CK_MECHANISM bad_tag = {CKM_AES_GCM, &gcm, sizeof gcm};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &bad_tag, aes));
  gcm.ulTagBits = 128;
  CK_MECHANISM bad_len = {CKM_AES_GCM, &gcm, sizeof gcm - 1};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &bad_len, aes));
  CK_GCM_PARAMS no_gcm_iv = {nullptr, 0, 0, nullptr, 0, 128};
  CK_MECHANISM empty_iv = {CKM_AES_GCM, &no_gcm_iv, sizeof no_gcm_iv};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &empty_iv, aes));
  // A parameter where the mechanism takes none.
  CK_MECHANISM ecb_param = {CKM_AES_ECB, iv.data(), 16};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_EncryptInit(s_, &ecb_param, aes));
}

TEST_F(CryptoTest, KeyUsageFlagsEnforced) {
  Template no_sign;
  no_sign.Bool(CKA_SIGN, false).Bool(CKA_VERIFY, false);
  CK_OBJECT_HANDLE hmac = HmacKey(Str("Jefe"), &no_sign);
  CK_MECHANISM hm = {CKM_SHA256_HMAC, nullptr, 0};
  EXPECT_RV(CKR_KEY_FUNCTION_NOT_PERMITTED, f_->C_SignInit(s_, &hm, hmac));
  EXPECT_RV(CKR_KEY_FUNCTION_NOT_PERMITTED, f_->C_VerifyInit(s_, &hm, hmac));

  Template no_enc;
  no_enc.Bool(CKA_ENCRYPT, false).Bool(CKA_DECRYPT, false);
  CK_OBJECT_HANDLE aes = GenerateAes(s_, 16, &no_enc);
  CK_MECHANISM ecb = {CKM_AES_ECB, nullptr, 0};
  EXPECT_RV(CKR_KEY_FUNCTION_NOT_PERMITTED, f_->C_EncryptInit(s_, &ecb, aes));
  EXPECT_RV(CKR_KEY_FUNCTION_NOT_PERMITTED, f_->C_DecryptInit(s_, &ecb, aes));

  Template priv_no_sign;
  priv_no_sign.Bool(CKA_SIGN, false);
  Template pub_no_verify;
  pub_no_verify.Bool(CKA_VERIFY, false);
  CK_OBJECT_HANDLE pub, priv;
  GenerateEc(s_, kP256Params, &pub, &priv, &pub_no_verify, &priv_no_sign);
  CK_MECHANISM ecdsa = {CKM_ECDSA_SHA256, nullptr, 0};
  EXPECT_RV(CKR_KEY_FUNCTION_NOT_PERMITTED, f_->C_SignInit(s_, &ecdsa, priv));
  EXPECT_RV(CKR_KEY_FUNCTION_NOT_PERMITTED, f_->C_VerifyInit(s_, &ecdsa, pub));
}

TEST_F(CryptoTest, AllowedMechanismsEnforced) {
  Template extra;
  extra.Mechs(CKA_ALLOWED_MECHANISMS, {CKM_AES_CBC_PAD});
  CK_OBJECT_HANDLE aes = GenerateAes(s_, 16, &extra);
  ASSERT_NE(aes, CK_INVALID_HANDLE);
  Bytes stored = GetBytes(s_, aes, CKA_ALLOWED_MECHANISMS);
  ASSERT_EQ(stored.size(), sizeof(CK_MECHANISM_TYPE));
  CK_MECHANISM ecb = {CKM_AES_ECB, nullptr, 0};
  CK_RV rv = f_->C_EncryptInit(s_, &ecb, aes);
  EXPECT_TRUE(rv == CKR_MECHANISM_INVALID || rv == CKR_KEY_FUNCTION_NOT_PERMITTED) << RvName(rv);
  Bytes iv(16, 0);
  CK_MECHANISM pad = {CKM_AES_CBC_PAD, iv.data(), 16};
  EXPECT_CKR_OK(f_->C_EncryptInit(s_, &pad, aes));
}

TEST_F(CryptoTest, KeyTypeInconsistent) {
  CK_OBJECT_HANDLE pub, priv;
  GenerateEc(s_, kP256Params, &pub, &priv);
  CK_MECHANISM rsa = {CKM_SHA256_RSA_PKCS, nullptr, 0};
  EXPECT_RV(CKR_KEY_TYPE_INCONSISTENT, f_->C_SignInit(s_, &rsa, priv));
  EXPECT_RV(CKR_KEY_TYPE_INCONSISTENT, f_->C_VerifyInit(s_, &rsa, pub));
  Template enc;
  enc.Bool(CKA_ENCRYPT, true);
  CK_OBJECT_HANDLE hmac = HmacKey(Str("0123456789abcdef"), &enc);
  CK_MECHANISM ecb = {CKM_AES_ECB, nullptr, 0};
  EXPECT_RV(CKR_KEY_TYPE_INCONSISTENT, f_->C_EncryptInit(s_, &ecb, hmac));
  CK_MECHANISM ecdsa = {CKM_ECDSA, nullptr, 0};
  EXPECT_RV(CKR_KEY_TYPE_INCONSISTENT, f_->C_SignInit(s_, &ecdsa, hmac));
}

TEST_F(CryptoTest, KeyHandleInvalid) {
  const CK_OBJECT_HANDLE bad = 0x7feedUL;
  CK_MECHANISM hm = {CKM_SHA256_HMAC, nullptr, 0};
  EXPECT_RV(CKR_KEY_HANDLE_INVALID, f_->C_SignInit(s_, &hm, bad));
  EXPECT_RV(CKR_KEY_HANDLE_INVALID, f_->C_VerifyInit(s_, &hm, bad));
  CK_MECHANISM ecb = {CKM_AES_ECB, nullptr, 0};
  EXPECT_RV(CKR_KEY_HANDLE_INVALID, f_->C_EncryptInit(s_, &ecb, bad));
  EXPECT_RV(CKR_KEY_HANDLE_INVALID, f_->C_DecryptInit(s_, &ecb, CK_INVALID_HANDLE));
}

// ---- EC ---------------------------------------------------------------------------------

TEST_F(CryptoTest, EcdsaOnEveryCurve) {
  struct {
    const Bytes* params;
    CK_ULONG sig_len;
  } curves[] = {{&kP256Params, 64}, {&kP384Params, 96}, {&kP521Params, 132}};
  Bytes msg = Str("message to be signed");
  Bytes hash = OpensslDigest("SHA256", msg);
  for (const auto& c : curves) {
    CK_OBJECT_HANDLE pub, priv;
    GenerateEc(s_, *c.params, &pub, &priv);
    ASSERT_NE(priv, CK_INVALID_HANDLE);
    Bytes spki = GetBytes(s_, pub, CKA_PUBLIC_KEY_INFO);

    CK_MECHANISM raw = {CKM_ECDSA, nullptr, 0};
    Bytes sig;
    ASSERT_CKR_OK(Sign(s_, &raw, priv, hash, &sig));
    EXPECT_EQ(sig.size(), c.sig_len) << "raw r||s of the curve's size";
    EXPECT_CKR_OK(Verify(s_, &raw, pub, hash, sig));
    EXPECT_TRUE(OpensslVerify(spki, nullptr, hash, sig)) << "OpenSSL rejects CKM_ECDSA";

    CK_MECHANISM sha = {CKM_ECDSA_SHA256, nullptr, 0};
    ASSERT_CKR_OK(Sign(s_, &sha, priv, msg, &sig));
    EXPECT_EQ(sig.size(), c.sig_len);
    EXPECT_CKR_OK(Verify(s_, &sha, pub, msg, sig));
    EXPECT_TRUE(OpensslVerify(spki, "SHA256", msg, sig)) << "OpenSSL rejects CKM_ECDSA_SHA256";

    Bytes altered = msg;
    altered[0] ^= 1;
    EXPECT_RV(CKR_SIGNATURE_INVALID, Verify(s_, &sha, pub, altered, sig));
    Bytes short_sig(sig.begin(), sig.end() - 1);
    CK_RV rv = Verify(s_, &sha, pub, msg, short_sig);
    EXPECT_TRUE(rv == CKR_SIGNATURE_LEN_RANGE || rv == CKR_SIGNATURE_INVALID) << RvName(rv);
  }
}

TEST_F(CryptoTest, EcdsaHashVariantsAndMultiPart) {
  CK_OBJECT_HANDLE pub, priv;
  GenerateEc(s_, kP384Params, &pub, &priv);
  Bytes spki = GetBytes(s_, pub, CKA_PUBLIC_KEY_INFO);
  Bytes msg = Str("hash variants");
  struct {
    CK_MECHANISM_TYPE mech;
    const char* md;
  } variants[] = {{CKM_ECDSA_SHA1, "SHA1"},
                  {CKM_ECDSA_SHA224, "SHA224"},
                  {CKM_ECDSA_SHA256, "SHA256"},
                  {CKM_ECDSA_SHA384, "SHA384"},
                  {CKM_ECDSA_SHA512, "SHA512"}};
  for (const auto& v : variants) {
    CK_MECHANISM m = {v.mech, nullptr, 0};
    ASSERT_CKR_OK(f_->C_SignInit(s_, &m, priv));
    ASSERT_CKR_OK(f_->C_SignUpdate(s_, msg.data(), 4));
    ASSERT_CKR_OK(f_->C_SignUpdate(s_, msg.data() + 4, msg.size() - 4));
    CK_ULONG len = 0;
    ASSERT_CKR_OK(f_->C_SignFinal(s_, nullptr, &len));
    Bytes sig(len);
    ASSERT_CKR_OK(f_->C_SignFinal(s_, sig.data(), &len));
    sig.resize(len);
    EXPECT_TRUE(OpensslVerify(spki, v.md, msg, sig)) << v.md;
    ASSERT_CKR_OK(f_->C_VerifyInit(s_, &m, pub));
    ASSERT_CKR_OK(f_->C_VerifyUpdate(s_, msg.data(), msg.size()));
    EXPECT_CKR_OK(f_->C_VerifyFinal(s_, sig.data(), sig.size())) << v.md;
  }
}

// An EC key pair made by OpenSSL, imported with C_CreateObject.
TEST_F(CryptoTest, ImportedEcKeys) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  ASSERT_NE(key, nullptr);
  BIGNUM* d = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
  Bytes scalar(32);
  BN_bn2binpad(d, scalar.data(), 32);
  BN_clear_free(d);
  Bytes point(65);
  size_t point_len = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                            point.size(), &point_len),
            1);
  ASSERT_EQ(point_len, 65u);
  Bytes ec_point = {0x04, 0x41};
  ec_point.insert(ec_point.end(), point.begin(), point.end());

  Template priv_t;
  priv_t.Ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_EC)
      .Data(CKA_EC_PARAMS, kP256Params)
      .Data(CKA_VALUE, scalar)
      .Bool(CKA_SIGN, true)
      .Bool(CKA_PRIVATE, true);
  CK_OBJECT_HANDLE priv = Create(s_, priv_t);
  Template pub_t;
  pub_t.Ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_EC)
      .Data(CKA_EC_PARAMS, kP256Params)
      .Data(CKA_EC_POINT, ec_point)
      .Bool(CKA_VERIFY, true);
  CK_OBJECT_HANDLE pub = Create(s_, pub_t);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  ASSERT_NE(pub, CK_INVALID_HANDLE);
  EXPECT_FALSE(GetBool(s_, priv, CKA_LOCAL));
  EXPECT_EQ(GetBytes(s_, pub, CKA_EC_POINT), ec_point);

  // Module signs, OpenSSL verifies with its own key.
  Bytes msg = Str("imported");
  CK_MECHANISM m = {CKM_ECDSA_SHA256, nullptr, 0};
  Bytes sig;
  ASSERT_CKR_OK(Sign(s_, &m, priv, msg, &sig));
  unsigned char* der = nullptr;
  int der_len = i2d_PUBKEY(key, &der);
  Bytes spki(der, der + der_len);
  OPENSSL_free(der);
  EXPECT_TRUE(OpensslVerify(spki, "SHA256", msg, sig));
  // The module's public key info of the imported private key is OpenSSL's.
  EXPECT_EQ(GetBytes(s_, priv, CKA_PUBLIC_KEY_INFO), spki);

  // OpenSSL signs, the module verifies with the imported public key.
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, key, nullptr), 1);
  size_t sig_len = 0;
  EVP_DigestSign(ctx, nullptr, &sig_len, msg.data(), msg.size());
  Bytes der_sig(sig_len);
  ASSERT_EQ(EVP_DigestSign(ctx, der_sig.data(), &sig_len, msg.data(), msg.size()), 1);
  EVP_MD_CTX_free(ctx);
  const unsigned char* p = der_sig.data();
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig_len));
  ASSERT_NE(es, nullptr);
  Bytes raw(64);
  BN_bn2binpad(ECDSA_SIG_get0_r(es), raw.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(es), raw.data() + 32, 32);
  ECDSA_SIG_free(es);
  EXPECT_CKR_OK(Verify(s_, &m, pub, msg, raw));
  EVP_PKEY_free(key);
}

// ---- RSA --------------------------------------------------------------------------------

class RsaTest : public CryptoTest {
 protected:
  void SetUp() override {
    CryptoTest::SetUp();
    if (HasFatalFailure()) return;
    GenerateRsa(s_, 2048, &pub_, &priv_);
    ASSERT_NE(priv_, CK_INVALID_HANDLE);
    spki_ = GetBytes(s_, pub_, CKA_PUBLIC_KEY_INFO);
  }
  CK_OBJECT_HANDLE pub_ = 0;
  CK_OBJECT_HANDLE priv_ = 0;
  Bytes spki_;
};

TEST_F(RsaTest, PkcsSignOverDigestInfo) {
  Bytes msg = Str("rsa message");
  Bytes digest_info = FromHex("3031300d060960864801650304020105000420");
  Bytes hash = OpensslDigest("SHA256", msg);
  digest_info.insert(digest_info.end(), hash.begin(), hash.end());
  CK_MECHANISM m = {CKM_RSA_PKCS, nullptr, 0};
  Bytes sig;
  ASSERT_CKR_OK(Sign(s_, &m, priv_, digest_info, &sig));
  EXPECT_EQ(sig.size(), 256u);
  EXPECT_CKR_OK(Verify(s_, &m, pub_, digest_info, sig));
  EXPECT_TRUE(OpensslVerify(spki_, "SHA256", msg, sig));
  Bytes altered = digest_info;
  altered.back() ^= 1;
  EXPECT_RV(CKR_SIGNATURE_INVALID, Verify(s_, &m, pub_, altered, sig));
}

TEST_F(RsaTest, ShaRsaPkcs) {
  Bytes msg = Str("rsa message");
  struct {
    CK_MECHANISM_TYPE mech;
    const char* md;
  } variants[] = {{CKM_SHA1_RSA_PKCS, "SHA1"},
                  {CKM_SHA256_RSA_PKCS, "SHA256"},
                  {CKM_SHA384_RSA_PKCS, "SHA384"},
                  {CKM_SHA512_RSA_PKCS, "SHA512"}};
  for (const auto& v : variants) {
    CK_MECHANISM m = {v.mech, nullptr, 0};
    Bytes sig;
    ASSERT_CKR_OK(Sign(s_, &m, priv_, msg, &sig)) << v.md;
    EXPECT_TRUE(OpensslVerify(spki_, v.md, msg, sig)) << v.md;
    EXPECT_CKR_OK(Verify(s_, &m, pub_, msg, sig)) << v.md;
    Bytes altered = msg;
    altered[0] ^= 1;
    EXPECT_RV(CKR_SIGNATURE_INVALID, Verify(s_, &m, pub_, altered, sig)) << v.md;
  }
}

TEST_F(RsaTest, Pss) {
  Bytes msg = Str("pss message");
  CK_RSA_PKCS_PSS_PARAMS params = {CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_MECHANISM m = {CKM_SHA256_RSA_PKCS_PSS, &params, sizeof params};
  Bytes sig;
  ASSERT_CKR_OK(Sign(s_, &m, priv_, msg, &sig));
  EXPECT_TRUE(OpensslVerify(spki_, "SHA256", msg, sig, /*pss=*/true));
  EXPECT_CKR_OK(Verify(s_, &m, pub_, msg, sig));
  // Raw PSS over a hash.
  Bytes hash = OpensslDigest("SHA256", msg);
  CK_MECHANISM raw = {CKM_RSA_PKCS_PSS, &params, sizeof params};
  ASSERT_CKR_OK(Sign(s_, &raw, priv_, hash, &sig));
  EXPECT_CKR_OK(Verify(s_, &raw, pub_, hash, sig));
  EXPECT_TRUE(OpensslVerify(spki_, "SHA256", msg, sig, /*pss=*/true));
}

TEST_F(RsaTest, PssParametersChecked) {
  CK_RSA_PKCS_PSS_PARAMS params = {CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_MECHANISM none = {CKM_SHA256_RSA_PKCS_PSS, nullptr, 0};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_SignInit(s_, &none, priv_));
  CK_MECHANISM short_len = {CKM_SHA256_RSA_PKCS_PSS, &params, sizeof params - 1};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_SignInit(s_, &short_len, priv_));
  CK_RSA_PKCS_PSS_PARAMS bad_mgf = {CKM_SHA256, 0x7777UL, 32};
  CK_MECHANISM m = {CKM_SHA256_RSA_PKCS_PSS, &bad_mgf, sizeof bad_mgf};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_SignInit(s_, &m, priv_));
  CK_RSA_PKCS_PSS_PARAMS bad_hash = {kUnknownMech, CKG_MGF1_SHA256, 32};
  CK_MECHANISM raw = {CKM_RSA_PKCS_PSS, &bad_hash, sizeof bad_hash};
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, f_->C_SignInit(s_, &raw, priv_));
  CK_RSA_PKCS_PSS_PARAMS huge_salt = {CKM_SHA256, CKG_MGF1_SHA256, 4096};
  CK_MECHANISM salt = {CKM_SHA256_RSA_PKCS_PSS, &huge_salt, sizeof huge_salt};
  CK_RV rv = f_->C_SignInit(s_, &salt, priv_);
  if (rv == CKR_OK) {
    Bytes msg = Str("x");
    CK_BYTE out[512];
    CK_ULONG len = sizeof out;
    rv = f_->C_Sign(s_, msg.data(), msg.size(), out, &len);
  }
  EXPECT_NE(Rv{CKR_OK}, Rv{rv}) << "salt longer than the modulus accepted";
}

TEST_F(RsaTest, PkcsEncryptDecrypt) {
  Bytes plain = Str("thirty-two bytes of plain text!!");
  CK_MECHANISM m = {CKM_RSA_PKCS, nullptr, 0};
  Bytes ct;
  ASSERT_CKR_OK(Encrypt(s_, &m, pub_, plain, &ct));
  EXPECT_EQ(ct.size(), 256u);
  Bytes back;
  ASSERT_CKR_OK(Decrypt(s_, &m, priv_, ct, &back));
  EXPECT_EQ(back, plain);
  Bytes too_long(250, 1);
  EXPECT_RV(CKR_DATA_LEN_RANGE, Encrypt(s_, &m, pub_, too_long, &ct));
}

// ---- AES --------------------------------------------------------------------------------

TEST_F(CryptoTest, AesKeyGeneration) {
  for (CK_ULONG bytes : {16UL, 24UL, 32UL}) {
    CK_OBJECT_HANDLE k = GenerateAes(s_, bytes);
    ASSERT_NE(k, CK_INVALID_HANDLE);
    EXPECT_EQ(GetUlong(s_, k, CKA_VALUE_LEN), bytes);
    EXPECT_EQ(GetUlong(s_, k, CKA_KEY_TYPE), CKK_AES);
  }
  CK_MECHANISM m = {CKM_AES_KEY_GEN, nullptr, 0};
  Template bad;
  bad.Ulong(CKA_VALUE_LEN, 17);
  CK_OBJECT_HANDLE h;
  CK_RV rv = f_->C_GenerateKey(s_, &m, bad.data(), bad.size(), &h);
  EXPECT_TRUE(rv == CKR_KEY_SIZE_RANGE || rv == CKR_ATTRIBUTE_VALUE_INVALID ||
              rv == CKR_TEMPLATE_INCONSISTENT)
      << RvName(rv);
  Template missing;
  missing.Bool(CKA_ENCRYPT, true);
  EXPECT_RV(CKR_TEMPLATE_INCOMPLETE, f_->C_GenerateKey(s_, &m, missing.data(), missing.size(), &h));
}

TEST_F(CryptoTest, AesEcbKnownAnswer) {
  CK_OBJECT_HANDLE k = CreateSecret(s_, CKK_AES, FromHex("000102030405060708090a0b0c0d0e0f"));
  CK_MECHANISM m = {CKM_AES_ECB, nullptr, 0};
  Bytes ct;
  ASSERT_CKR_OK(Encrypt(s_, &m, k, FromHex("00112233445566778899aabbccddeeff"), &ct));
  EXPECT_EQ(ToHex(ct), "69c4e0d86a7b0430d8cdb78070b4c55a");
  Bytes pt;
  ASSERT_CKR_OK(Decrypt(s_, &m, k, ct, &pt));
  EXPECT_EQ(ToHex(pt), "00112233445566778899aabbccddeeff");
}

TEST_F(CryptoTest, AesCbcMatchesOpenssl) {
  Bytes key = FromHex("2b7e151628aed2a6abf7158809cf4f3c");
  Bytes iv = FromHex("000102030405060708090a0b0c0d0e0f");
  CK_OBJECT_HANDLE k = CreateSecret(s_, CKK_AES, key);
  // NIST SP 800-38A F.2.1, first two blocks.
  Bytes plain = FromHex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
  CK_MECHANISM m = {CKM_AES_CBC, iv.data(), 16};
  Bytes ct;
  ASSERT_CKR_OK(Encrypt(s_, &m, k, plain, &ct));
  EXPECT_EQ(ToHex(ct), "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2");
  Bytes back;
  ASSERT_CKR_OK(Decrypt(s_, &m, k, ct, &back));
  EXPECT_EQ(back, plain);

  // Multi-part: odd chunk sizes give the same ciphertext.
  ASSERT_CKR_OK(f_->C_EncryptInit(s_, &m, k));
  Bytes multi;
  for (size_t off = 0; off < plain.size();) {
    size_t n = std::min<size_t>(7, plain.size() - off);
    CK_BYTE out[64];
    CK_ULONG len = sizeof out;
    ASSERT_CKR_OK(f_->C_EncryptUpdate(s_, plain.data() + off, n, out, &len));
    multi.insert(multi.end(), out, out + len);
    off += n;
  }
  CK_BYTE out[32];
  CK_ULONG len = sizeof out;
  ASSERT_CKR_OK(f_->C_EncryptFinal(s_, out, &len));
  multi.insert(multi.end(), out, out + len);
  EXPECT_EQ(multi, ct);
}

TEST_F(CryptoTest, AesCbcPadRoundTrip) {
  CK_OBJECT_HANDLE k = GenerateAes(s_, 32);
  Bytes iv(16, 0x42);
  CK_MECHANISM m = {CKM_AES_CBC_PAD, iv.data(), 16};
  for (size_t size : {0u, 1u, 15u, 16u, 20u, 100u}) {
    Bytes plain(size, 0x5a);
    Bytes ct;
    ASSERT_CKR_OK(Encrypt(s_, &m, k, plain, &ct)) << size;
    EXPECT_EQ(ct.size(), (size / 16 + 1) * 16) << size;
    Bytes back;
    ASSERT_CKR_OK(Decrypt(s_, &m, k, ct, &back)) << size;
    EXPECT_EQ(back, plain) << size;
  }
  // Multi-part decrypt of a padded message.
  Bytes plain(37, 0x11);
  Bytes ct;
  ASSERT_CKR_OK(Encrypt(s_, &m, k, plain, &ct));
  ASSERT_CKR_OK(f_->C_DecryptInit(s_, &m, k));
  Bytes back;
  CK_BYTE out[64];
  CK_ULONG len = sizeof out;
  ASSERT_CKR_OK(f_->C_DecryptUpdate(s_, ct.data(), 20, out, &len));
  back.insert(back.end(), out, out + len);
  len = sizeof out;
  ASSERT_CKR_OK(f_->C_DecryptUpdate(s_, ct.data() + 20, ct.size() - 20, out, &len));
  back.insert(back.end(), out, out + len);
  len = sizeof out;
  ASSERT_CKR_OK(f_->C_DecryptFinal(s_, out, &len));
  back.insert(back.end(), out, out + len);
  EXPECT_EQ(back, plain);
}

TEST_F(CryptoTest, AesGcm) {
  // GCM spec test case 2: K = 0^128, IV = 0^96, P = 0^128.
  CK_OBJECT_HANDLE zero = CreateSecret(s_, CKK_AES, Bytes(16, 0));
  Bytes iv(12, 0);
  CK_GCM_PARAMS p = {iv.data(), 12, 96, nullptr, 0, 128};
  CK_MECHANISM m = {CKM_AES_GCM, &p, sizeof p};
  Bytes ct;
  ASSERT_CKR_OK(Encrypt(s_, &m, zero, Bytes(16, 0), &ct));
  EXPECT_EQ(ToHex(ct), "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf");

  CK_OBJECT_HANDLE k = GenerateAes(s_, 32);
  Bytes aad = Str("header");
  Bytes iv2(12, 7);
  CK_GCM_PARAMS p2 = {iv2.data(), 12, 96, aad.data(), aad.size(), 128};
  CK_MECHANISM m2 = {CKM_AES_GCM, &p2, sizeof p2};
  Bytes plain = Str("authenticated encryption");
  ASSERT_CKR_OK(Encrypt(s_, &m2, k, plain, &ct));
  EXPECT_EQ(ct.size(), plain.size() + 16);
  Bytes back;
  ASSERT_CKR_OK(Decrypt(s_, &m2, k, ct, &back));
  EXPECT_EQ(back, plain);
  Bytes tampered = ct;
  tampered[3] ^= 1;
  CK_RV rv = Decrypt(s_, &m2, k, tampered, &back);
  EXPECT_TRUE(rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_AEAD_DECRYPT_FAILED) << RvName(rv);
  Bytes other_aad = Str("HEADER");
  CK_GCM_PARAMS p3 = {iv2.data(), 12, 96, other_aad.data(), other_aad.size(), 128};
  CK_MECHANISM m3 = {CKM_AES_GCM, &p3, sizeof p3};
  rv = Decrypt(s_, &m3, k, ct, &back);
  EXPECT_TRUE(rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_AEAD_DECRYPT_FAILED) << RvName(rv);
}

// ---- HMAC, random -----------------------------------------------------------------------

TEST_F(CryptoTest, HmacSha256KnownAnswer) {
  // RFC 4231 test case 2.
  CK_OBJECT_HANDLE k = HmacKey(Str("Jefe"));
  CK_MECHANISM m = {CKM_SHA256_HMAC, nullptr, 0};
  Bytes data = Str("what do ya want for nothing?");
  Bytes mac;
  ASSERT_CKR_OK(Sign(s_, &m, k, data, &mac));
  EXPECT_EQ(ToHex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_CKR_OK(Verify(s_, &m, k, data, mac));
  Bytes altered = data;
  altered[0] ^= 1;
  EXPECT_RV(CKR_SIGNATURE_INVALID, Verify(s_, &m, k, altered, mac));
  // Multi-part.
  ASSERT_CKR_OK(f_->C_SignInit(s_, &m, k));
  ASSERT_CKR_OK(f_->C_SignUpdate(s_, data.data(), 10));
  ASSERT_CKR_OK(f_->C_SignUpdate(s_, data.data() + 10, data.size() - 10));
  CK_BYTE out[32];
  CK_ULONG len = sizeof out;
  ASSERT_CKR_OK(f_->C_SignFinal(s_, out, &len));
  EXPECT_EQ(Bytes(out, out + len), mac);
}

TEST_F(CryptoTest, GenericSecretKeyGen) {
  CK_MECHANISM gen = {CKM_GENERIC_SECRET_KEY_GEN, nullptr, 0};
  Template t;
  t.Ulong(CKA_VALUE_LEN, 32).Bool(CKA_SIGN, true).Bool(CKA_VERIFY, true);
  CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(f_->C_GenerateKey(s_, &gen, t.data(), t.size(), &k));
  EXPECT_EQ(GetUlong(s_, k, CKA_KEY_TYPE), CKK_GENERIC_SECRET);
  EXPECT_EQ(GetUlong(s_, k, CKA_KEY_GEN_MECHANISM), CKM_GENERIC_SECRET_KEY_GEN);
  for (CK_MECHANISM_TYPE mech : {CKM_SHA256_HMAC, CKM_SHA384_HMAC, CKM_SHA512_HMAC}) {
    CK_MECHANISM m = {mech, nullptr, 0};
    Bytes mac;
    ASSERT_CKR_OK(Sign(s_, &m, k, kAbc, &mac));
    EXPECT_CKR_OK(Verify(s_, &m, k, kAbc, mac));
  }
}

TEST_F(CryptoTest, Random) {
  CK_BYTE a[32] = {};
  CK_BYTE b[32] = {};
  ASSERT_CKR_OK(f_->C_GenerateRandom(s_, a, sizeof a));
  ASSERT_CKR_OK(f_->C_GenerateRandom(s_, b, sizeof b));
  EXPECT_NE(std::memcmp(a, b, sizeof a), 0);
  CK_BYTE zero[32] = {};
  EXPECT_NE(std::memcmp(a, zero, sizeof a), 0);
  Bytes seed = Str("some extra entropy");
  EXPECT_CKR_OK(f_->C_SeedRandom(s_, seed.data(), seed.size()));
  // Works in a public read-only session too.
  CK_SESSION_HANDLE ro = OpenRo();
  EXPECT_CKR_OK(f_->C_GenerateRandom(ro, a, sizeof a));
}

TEST_F(CryptoTest, PrivateKeyNeedsLogin) {
  Template pub_extra;
  pub_extra.Bool(CKA_TOKEN, true).Text(CKA_LABEL, "login key");
  Template priv_extra;
  priv_extra.Bool(CKA_TOKEN, true).Text(CKA_LABEL, "login key");
  CK_OBJECT_HANDLE pub, priv;
  GenerateEc(s_, kP256Params, &pub, &priv, &pub_extra, &priv_extra);
  ASSERT_CKR_OK(f_->C_Logout(s_));
  // The private key is invisible, the public one still verifies.
  Template find;
  find.Ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  EXPECT_TRUE(Find(s_, find).empty());
  CK_MECHANISM m = {CKM_ECDSA_SHA256, nullptr, 0};
  CK_RV rv = f_->C_SignInit(s_, &m, priv);
  EXPECT_TRUE(rv == CKR_KEY_HANDLE_INVALID || rv == CKR_USER_NOT_LOGGED_IN) << RvName(rv);
}

}  // namespace
}  // namespace conformance
