// Key generation, attribute derivation and sensitivity, wrapping and ECDH on both backends:
// the public attributes consumers read, the rules of §4.7–§4.9 for CKA_LOCAL,
// CKA_KEY_GEN_MECHANISM, CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE, and OpenSSL agreeing
// with every key and secret the token produces.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "device_fixture.h"
#include "fixture3.h"

namespace conformance {
namespace {

class BackendKeyTest : public BackendTest {
 protected:
  // EC key pair: private key sensitive, non-extractable unless `extractable`.
  void GenerateEcPair(CK_SESSION_HANDLE s, const Bytes& params, bool extractable,
                      CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv) {
    Template pub_extra;
    pub_extra.Bool(CKA_TOKEN, false);
    Template priv_extra;
    priv_extra.Bool(CKA_TOKEN, false).Bool(CKA_EXTRACTABLE, extractable).Bool(CKA_DERIVE, true);
    GenerateEc(s, params, pub, priv, &pub_extra, &priv_extra);
  }

  // Expects the attribute unreadable: CKR_ATTRIBUTE_SENSITIVE and CK_UNAVAILABLE_INFORMATION.
  void ExpectSensitive(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_ATTRIBUTE_TYPE type) {
    uint8_t buffer[1024];
    CK_ATTRIBUTE a = {type, buffer, sizeof buffer};
    EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, f_->C_GetAttributeValue(s, key, &a, 1))
        << "attribute 0x" << std::hex << type;
    EXPECT_EQ(a.ulValueLen, CK_UNAVAILABLE_INFORMATION) << "attribute 0x" << std::hex << type;
    CK_ATTRIBUTE size_only = {type, nullptr, 0};
    EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, f_->C_GetAttributeValue(s, key, &size_only, 1));
  }

  void ExpectGenerated(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mech) {
    EXPECT_TRUE(GetBool(s, key, CKA_LOCAL));
    EXPECT_EQ(GetUlong(s, key, CKA_KEY_GEN_MECHANISM), mech);
  }

  void CheckEcPair(const Bytes& params, size_t coordinate_bytes);
};

void BackendKeyTest::CheckEcPair(const Bytes& params, size_t coordinate_bytes) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  GenerateEcPair(s, params, /*extractable=*/false, &pub, &priv);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  EXPECT_EQ(GetUlong(s, pub, CKA_KEY_TYPE), CKK_EC);
  EXPECT_EQ(GetBytes(s, pub, CKA_EC_PARAMS), params);
  EXPECT_EQ(GetBytes(s, priv, CKA_EC_PARAMS), params);
  // CKA_EC_POINT: DER OCTET STRING holding the uncompressed point 04 || X || Y.
  Bytes point = GetBytes(s, pub, CKA_EC_POINT);
  const size_t raw_len = 1 + 2 * coordinate_bytes;
  ASSERT_EQ(point.size(), 2 + raw_len);
  EXPECT_EQ(point[0], 0x04);
  EXPECT_EQ(point[1], raw_len);
  EXPECT_EQ(point[2], 0x04);
  Bytes spki = GetBytes(s, pub, CKA_PUBLIC_KEY_INFO);
  Pkey key = PkeyFromSpki(spki);
  ASSERT_NE(key, nullptr) << "CKA_PUBLIC_KEY_INFO is not a SubjectPublicKeyInfo";
  EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_EC);
  EXPECT_EQ(OsslEcPoint(key.get()), Bytes(point.begin() + 2, point.end()));
  EXPECT_EQ(GetBytes(s, priv, CKA_PUBLIC_KEY_INFO), spki)
      << "a private key exposes its public key info too";
  for (CK_OBJECT_HANDLE h : {pub, priv}) ExpectGenerated(s, h, CKM_EC_KEY_PAIR_GEN);
  EXPECT_TRUE(GetBool(s, priv, CKA_ALWAYS_SENSITIVE));
  EXPECT_TRUE(GetBool(s, priv, CKA_NEVER_EXTRACTABLE));
}

TEST_P(BackendKeyTest, EcP256KeyPair) {
  SKIP_UNLESS_ADVERTISED(CKM_EC_KEY_PAIR_GEN);
  CheckEcPair(kP256Params, 32);
}

TEST_P(BackendKeyTest, EcP384KeyPair) {
  SKIP_UNLESS_ADVERTISED(CKM_EC_KEY_PAIR_GEN);
  CK_MECHANISM_INFO info = {};
  ASSERT_CKR_OK(f_->C_GetMechanismInfo(slot_, CKM_EC_KEY_PAIR_GEN, &info));
  if (info.ulMaxKeySize < 384) GTEST_SKIP() << "CKM_EC_KEY_PAIR_GEN stops below 384 bits";
  CheckEcPair(kP384Params, 48);
}

TEST_P(BackendKeyTest, Rsa2048KeyPair) {
  SKIP_UNLESS_ADVERTISED(CKM_RSA_PKCS_KEY_PAIR_GEN);
  CK_SESSION_HANDLE s = UserSession();
  Template pt;
  pt.Ulong(CKA_MODULUS_BITS, 2048)
      .Data(CKA_PUBLIC_EXPONENT, Bytes{0x01, 0x00, 0x01})
      .Bool(CKA_VERIFY, true)
      .Bool(CKA_TOKEN, false);
  Template kt;
  kt.Bool(CKA_SIGN, true).Bool(CKA_SENSITIVE, true).Bool(CKA_EXTRACTABLE, false);
  kt.Bool(CKA_TOKEN, false);
  CK_MECHANISM mech = {CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(
      f_->C_GenerateKeyPair(s, &mech, pt.data(), pt.size(), kt.data(), kt.size(), &pub, &priv));
  EXPECT_EQ(GetUlong(s, pub, CKA_KEY_TYPE), CKK_RSA);
  Bytes modulus = GetBytes(s, pub, CKA_MODULUS);
  ASSERT_EQ(modulus.size(), 256u);
  EXPECT_GE(modulus[0], 0x80) << "a 2048-bit modulus";
  EXPECT_EQ(GetUlong(s, pub, CKA_MODULUS_BITS), 2048u);
  Bytes exponent = GetBytes(s, pub, CKA_PUBLIC_EXPONENT);
  while (!exponent.empty() && exponent[0] == 0) exponent.erase(exponent.begin());
  EXPECT_EQ(exponent, (Bytes{0x01, 0x00, 0x01}));
  EXPECT_EQ(GetBytes(s, priv, CKA_MODULUS), modulus) << "private keys expose their public parts";
  Bytes spki = GetBytes(s, pub, CKA_PUBLIC_KEY_INFO);
  Pkey key = PkeyFromSpki(spki);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_RSA);
  EXPECT_EQ(EVP_PKEY_get_bits(key.get()), 2048);
  EXPECT_EQ(GetBytes(s, priv, CKA_PUBLIC_KEY_INFO), spki);
  for (CK_OBJECT_HANDLE h : {pub, priv}) ExpectGenerated(s, h, CKM_RSA_PKCS_KEY_PAIR_GEN);
  EXPECT_TRUE(GetBool(s, priv, CKA_ALWAYS_SENSITIVE));
  EXPECT_TRUE(GetBool(s, priv, CKA_NEVER_EXTRACTABLE));
}

TEST_P(BackendKeyTest, AesKeysOf128And256Bits) {
  SKIP_UNLESS_ADVERTISED(CKM_AES_KEY_GEN);
  CK_SESSION_HANDLE s = UserSession();
  for (CK_ULONG len : {16ul, 32ul}) {
    SCOPED_TRACE(len);
    Template extra;
    extra.Bool(CKA_SENSITIVE, true).Bool(CKA_EXTRACTABLE, false).Bool(CKA_TOKEN, false);
    CK_OBJECT_HANDLE key = GenerateAes(s, len, &extra);
    ASSERT_NE(key, CK_INVALID_HANDLE);
    EXPECT_EQ(GetUlong(s, key, CKA_CLASS), CKO_SECRET_KEY);
    EXPECT_EQ(GetUlong(s, key, CKA_KEY_TYPE), CKK_AES);
    EXPECT_EQ(GetUlong(s, key, CKA_VALUE_LEN), len);
    ExpectGenerated(s, key, CKM_AES_KEY_GEN);
    EXPECT_TRUE(GetBool(s, key, CKA_ALWAYS_SENSITIVE));
    EXPECT_TRUE(GetBool(s, key, CKA_NEVER_EXTRACTABLE));
  }
}

TEST_P(BackendKeyTest, SensitivityOnlyRises) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE key = ImportAes(s, Bytes(16, 0x42));
  ASSERT_NE(key, CK_INVALID_HANDLE);
  // An imported key was not generated here (§4.7 CKA_LOCAL, CKA_KEY_GEN_MECHANISM).
  EXPECT_FALSE(GetBool(s, key, CKA_LOCAL));
  EXPECT_EQ(GetUlong(s, key, CKA_KEY_GEN_MECHANISM), CK_UNAVAILABLE_INFORMATION);
  // §4.9 footnote: once true, CKA_SENSITIVE "becomes a read only attribute"; implementations
  // answer an attempt to lower it with READ_ONLY or VALUE_INVALID.
  Template lower;
  lower.Bool(CKA_SENSITIVE, false);
  CK_RV rv = f_->C_SetAttributeValue(s, key, lower.data(), lower.size());
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_READ_ONLY || rv == CKR_ATTRIBUTE_VALUE_INVALID) << RvName(rv);
  EXPECT_TRUE(GetBool(s, key, CKA_SENSITIVE));
  Template raise_extractable;
  raise_extractable.Bool(CKA_EXTRACTABLE, true);
  rv = f_->C_SetAttributeValue(s, key, raise_extractable.data(), raise_extractable.size());
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_READ_ONLY || rv == CKR_ATTRIBUTE_VALUE_INVALID) << RvName(rv);
  EXPECT_FALSE(GetBool(s, key, CKA_EXTRACTABLE));
}

// §5.7.5 case 1 comes before case 2: a sensitive key's secret attribute is reported as
// sensitive (CK_UNAVAILABLE_INFORMATION, CKR_ATTRIBUTE_SENSITIVE), never as an attribute the
// key does not have — which matters on the firmware token, whose cached objects carry no key
// material at all.
TEST_P(BackendKeyTest, SensitiveKeyMaterialUnreadable) {
  CK_SESSION_HANDLE s = UserSession();
  Template extra;
  extra.Bool(CKA_SENSITIVE, true).Bool(CKA_EXTRACTABLE, false).Bool(CKA_TOKEN, false);
  CK_OBJECT_HANDLE aes = GenerateAes(s, 32, &extra);
  ExpectSensitive(s, aes, CKA_VALUE);
  CK_OBJECT_HANDLE imported = ImportAes(s, Bytes(16, 0x42), /*extractable=*/true);
  ExpectSensitive(s, imported, CKA_VALUE);
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  GenerateEcPair(s, kP256Params, /*extractable=*/false, &pub, &priv);
  ExpectSensitive(s, priv, CKA_VALUE);
  GenerateRsa(s, 2048, &pub, &priv);
  ExpectSensitive(s, priv, CKA_PRIVATE_EXPONENT);
  ExpectSensitive(s, priv, CKA_PRIME_1);
  // A mixed read: the readable attribute is filled in, the sensitive one is marked.
  CK_ULONG value_len = 0;
  uint8_t value[32];
  CK_ATTRIBUTE attrs[] = {{CKA_VALUE_LEN, &value_len, sizeof value_len},
                          {CKA_VALUE, value, sizeof value}};
  EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, f_->C_GetAttributeValue(s, imported, attrs, 2));
  EXPECT_EQ(value_len, 16u);
  EXPECT_EQ(attrs[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

// ---- Wrapping ---------------------------------------------------------------------------

class BackendWrapTest : public BackendKeyTest {
 protected:
  CK_RV Wrap(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE kek, CK_OBJECT_HANDLE key, Bytes* out) {
    CK_MECHANISM m = {CKM_AES_KEY_WRAP_KWP, nullptr, 0};
    CK_ULONG len = 0;
    CK_RV rv = f_->C_WrapKey(s, &m, kek, key, nullptr, &len);
    if (rv != CKR_OK) return rv;
    out->assign(len, 0);
    rv = f_->C_WrapKey(s, &m, kek, key, out->data(), &len);
    if (rv == CKR_OK) out->resize(len);
    return rv;
  }
  CK_RV Unwrap(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE kek, const Bytes& wrapped, Template& t,
               CK_OBJECT_HANDLE* out) {
    CK_MECHANISM m = {CKM_AES_KEY_WRAP_KWP, nullptr, 0};
    Bytes w = wrapped;
    return f_->C_UnwrapKey(s, &m, kek, w.data(), w.size(), t.data(), t.size(), out);
  }

  const Bytes kek_value_ =
      FromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
};

TEST_P(BackendWrapTest, AesKeyRoundTrip) {
  SKIP_UNLESS_ADVERTISED(CKM_AES_KEY_WRAP_KWP);
  SKIP_UNLESS_ADVERTISED(CKM_AES_CBC);
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE kek = ImportAes(s, kek_value_);
  const Bytes value = FromHex("00112233445566778899aabbccddeeff");
  CK_OBJECT_HANDLE key = ImportAes(s, value, /*extractable=*/true);
  Bytes wrapped;
  ASSERT_CKR_OK(Wrap(s, kek, key, &wrapped));
  EXPECT_EQ(OsslKwpUnwrap(kek_value_, wrapped), value) << "RFC 5649 wrapping of the key value";
  // Too small a buffer: CKR_BUFFER_TOO_SMALL and the needed length.
  CK_MECHANISM m = {CKM_AES_KEY_WRAP_KWP, nullptr, 0};
  Bytes small(wrapped.size() - 1);
  CK_ULONG small_len = small.size();
  EXPECT_RV(CKR_BUFFER_TOO_SMALL, f_->C_WrapKey(s, &m, kek, key, small.data(), &small_len));
  EXPECT_EQ(small_len, wrapped.size());

  Template t;
  t.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_AES)
      .Bool(CKA_TOKEN, false)
      .Bool(CKA_ENCRYPT, true)
      .Bool(CKA_DECRYPT, true);
  CK_OBJECT_HANDLE unwrapped = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(Unwrap(s, kek, wrapped, t, &unwrapped));
  EXPECT_EQ(GetUlong(s, unwrapped, CKA_VALUE_LEN), value.size());
  EXPECT_FALSE(GetBool(s, unwrapped, CKA_LOCAL));
  // The unwrapped key is the same key: it encrypts as OpenSSL does with the known value.
  Bytes iv(16, 0x24);
  CK_MECHANISM cbc = {CKM_AES_CBC, iv.data(), static_cast<CK_ULONG>(iv.size())};
  Bytes plain(32, 0x5A);
  Bytes ct;
  ASSERT_CKR_OK(Encrypt(s, &cbc, unwrapped, plain, &ct));
  EXPECT_EQ(ct, OsslCipher("AES-128-CBC", value, iv, plain));
}

TEST_P(BackendWrapTest, EcPrivateKeyRoundTrip) {
  SKIP_UNLESS_ADVERTISED(CKM_AES_KEY_WRAP_KWP);
  SKIP_UNLESS_ADVERTISED(CKM_ECDSA_SHA256);
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE kek = ImportAes(s, kek_value_);
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  GenerateEcPair(s, kP256Params, /*extractable=*/true, &pub, &priv);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  Bytes spki = Spki(s, pub);
  Bytes wrapped;
  ASSERT_CKR_OK(Wrap(s, kek, priv, &wrapped));
  // The wrapped form is a PKCS#8 PrivateKeyInfo of the same key (PKCS#11 3.1 §2.14.1).
  Bytes pkcs8 = OsslKwpUnwrap(kek_value_, wrapped);
  ASSERT_FALSE(pkcs8.empty()) << "OpenSSL cannot unwrap the wrapped key";
  const unsigned char* p = pkcs8.data();
  PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(pkcs8.size()));
  ASSERT_NE(info, nullptr) << "not a PrivateKeyInfo";
  Pkey ossl_key(EVP_PKCS82PKEY(info));
  PKCS8_PRIV_KEY_INFO_free(info);
  ASSERT_NE(ossl_key, nullptr);
  EXPECT_EQ(OsslSpki(ossl_key.get()), spki);

  Template t;
  t.Ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_EC)
      .Bool(CKA_TOKEN, false)
      .Bool(CKA_SIGN, true)
      .Bool(CKA_SENSITIVE, true);
  CK_OBJECT_HANDLE unwrapped = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(Unwrap(s, kek, wrapped, t, &unwrapped));
  EXPECT_EQ(GetBytes(s, unwrapped, CKA_EC_PARAMS), kP256Params);
  EXPECT_FALSE(GetBool(s, unwrapped, CKA_LOCAL));
  Bytes data = Str("signed by the unwrapped key");
  CK_MECHANISM m = {CKM_ECDSA_SHA256, nullptr, 0};
  Bytes sig;
  ASSERT_CKR_OK(Sign(s, &m, unwrapped, data, &sig));
  EXPECT_TRUE(OpensslVerify(spki, "SHA256", data, sig));
}

TEST_P(BackendWrapTest, NonExtractableKeyIsNotWrapped) {
  SKIP_UNLESS_ADVERTISED(CKM_AES_KEY_WRAP_KWP);
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE kek = ImportAes(s, kek_value_);
  CK_OBJECT_HANDLE key = ImportAes(s, Bytes(32, 0x11), /*extractable=*/false);
  Bytes wrapped;
  EXPECT_RV(CKR_KEY_UNEXTRACTABLE, Wrap(s, kek, key, &wrapped));
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  GenerateEcPair(s, kP256Params, /*extractable=*/false, &pub, &priv);
  EXPECT_RV(CKR_KEY_UNEXTRACTABLE, Wrap(s, kek, priv, &wrapped));
}

// ---- ECDH -------------------------------------------------------------------------------

class BackendEcdhTest : public BackendKeyTest {
 protected:
  void CheckEcdh(const Bytes& params, const char* group);
};

void BackendEcdhTest::CheckEcdh(const Bytes& params, const char* group) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
  GenerateEcPair(s, params, /*extractable=*/false, &pub, &priv);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  Pkey token_pub = PkeyFromSpki(Spki(s, pub));
  Pkey peer = OsslKeygen("EC", group);
  ASSERT_NE(peer, nullptr);
  Bytes expected = OsslDerive(peer.get(), token_pub.get());
  ASSERT_FALSE(expected.empty());
  Bytes peer_point = OsslEcPoint(peer.get());
  CK_ECDH1_DERIVE_PARAMS p = {CKD_NULL, 0, nullptr, static_cast<CK_ULONG>(peer_point.size()),
                              peer_point.data()};
  CK_MECHANISM m = {CKM_ECDH1_DERIVE, &p, sizeof p};
  // The software token can hand the secret out; a firmware token never releases one.
  bool readable = !is_device();
  Template t;
  t.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
      .Ulong(CKA_VALUE_LEN, expected.size())
      .Bool(CKA_TOKEN, false)
      .Bool(CKA_SIGN, true)
      .Bool(CKA_VERIFY, true)
      .Bool(CKA_SENSITIVE, !readable)
      .Bool(CKA_EXTRACTABLE, readable);
  CK_OBJECT_HANDLE secret = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(f_->C_DeriveKey(s, &m, priv, t.data(), t.size(), &secret));
  EXPECT_EQ(GetUlong(s, secret, CKA_VALUE_LEN), expected.size());
  EXPECT_FALSE(GetBool(s, secret, CKA_LOCAL)) << "a derived key is not generated (§4.7)";
  if (readable) {
    EXPECT_EQ(GetBytes(s, secret, CKA_VALUE), expected);
  } else {
    // Whatever the device answers (see SensitiveKeyMaterialUnreadable), no bytes.
    CK_RV rv = CKR_OK;
    EXPECT_TRUE(GetBytes(s, secret, CKA_VALUE, &rv).empty());
    EXPECT_NE(Rv{rv}, Rv{CKR_OK});
  }
  // Both tokens: the derived key MACs as the expected secret does.
  if (!Advertises(CKM_SHA256_HMAC)) return;
  Bytes data = Str("keyed by the shared secret");
  CK_MECHANISM hmac = {CKM_SHA256_HMAC, nullptr, 0};
  Bytes mac;
  ASSERT_CKR_OK(Sign(s, &hmac, secret, data, &mac));
  EXPECT_EQ(mac, OsslHmac("SHA256", expected, data));
}

TEST_P(BackendEcdhTest, P256WithOpensslPeer) {
  SKIP_UNLESS_ADVERTISED(CKM_ECDH1_DERIVE);
  CheckEcdh(kP256Params, "P-256");
}

TEST_P(BackendEcdhTest, P384WithOpensslPeer) {
  SKIP_UNLESS_ADVERTISED(CKM_ECDH1_DERIVE);
  CK_MECHANISM_INFO info = {};
  ASSERT_CKR_OK(f_->C_GetMechanismInfo(slot_, CKM_ECDH1_DERIVE, &info));
  if (info.ulMaxKeySize < 384) GTEST_SKIP() << "CKM_ECDH1_DERIVE stops below 384 bits";
  CheckEcdh(kP384Params, "P-384");
}

INSTANTIATE_TEST_SUITE_P(Backend, BackendKeyTest,
                         ::testing::Values(Backend::kSoft, Backend::kDevice), BackendName);
INSTANTIATE_TEST_SUITE_P(Backend, BackendWrapTest,
                         ::testing::Values(Backend::kSoft, Backend::kDevice), BackendName);
INSTANTIATE_TEST_SUITE_P(Backend, BackendEcdhTest,
                         ::testing::Values(Backend::kSoft, Backend::kDevice), BackendName);

}  // namespace
}  // namespace conformance
