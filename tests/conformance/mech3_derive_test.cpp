// Issue 3: key derivation through C_DeriveKey / C_GenerateKey (HKDF RFC 5869, SP 800-108
// counter KDF, PBKDF2 RFC 6070, concatenate / XOR, AES *_ENCRYPT_DATA), the attributes a
// derived key gets (CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE follow the base key, CKA_LOCAL
// false) and CKA_DERIVE_TEMPLATE enforcement (PKCS#11 3.1 §5.18 C_DeriveKey, §4.9 templates).
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "fixture3.h"

namespace conformance {
namespace {

using Mech3DeriveTest = Mech3Test;

// HKDF with SHA-256, extract and expand, salt as data.
struct Hkdf {
  Hkdf(const Bytes& salt_in, const Bytes& info_in) : salt(salt_in), info(info_in) {
    p = {CK_TRUE,
         CK_TRUE,
         CKM_SHA256,
         CKF_HKDF_SALT_DATA,
         salt.data(),
         static_cast<CK_ULONG>(salt.size()),
         CK_INVALID_HANDLE,
         info.empty() ? nullptr : info.data(),
         static_cast<CK_ULONG>(info.size())};
    m = {CKM_HKDF_DERIVE, &p, sizeof p};
  }
  Bytes salt, info;
  CK_HKDF_PARAMS p;
  CK_MECHANISM m;
};

// RFC 5869 Appendix A.1 (test case 1).
TEST_F(Mech3DeriveTest, HkdfRfc5869Case1) {
  CK_OBJECT_HANDLE base = DeriveBase(Bytes(22, 0x0b));
  ASSERT_NE(base, CK_INVALID_HANDLE);
  Hkdf h(FromHex("000102030405060708090a0b0c"), FromHex("f0f1f2f3f4f5f6f7f8f9"));
  Bytes okm;
  ASSERT_CKR_OK(DeriveValue(&h.m, base, 42, &okm));
  EXPECT_EQ(ToHex(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

// CKM_HKDF_DATA (PKCS#11 3.1 §2.43): the same HKDF output as a CKO_DATA object, whose
// length is the template's CKA_VALUE_LEN, else the hash length; CKA_VALUE is readable.
TEST_F(Mech3DeriveTest, HkdfDataMakesADataObject) {
  CK_OBJECT_HANDLE base = DeriveBase(Bytes(22, 0x0b));
  ASSERT_NE(base, CK_INVALID_HANDLE);
  Hkdf h(FromHex("000102030405060708090a0b0c"), FromHex("f0f1f2f3f4f5f6f7f8f9"));
  h.m.mechanism = CKM_HKDF_DATA;
  const std::string okm =
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865";
  Template sized;
  sized.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_TOKEN, false).Ulong(CKA_VALUE_LEN, 42);
  CK_OBJECT_HANDLE data = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(Derive(&h.m, base, sized, &data));
  EXPECT_EQ(GetUlong(s_, data, CKA_CLASS), CKO_DATA);
  EXPECT_EQ(ToHex(GetBytes(s_, data, CKA_VALUE)), okm);
  Template unsized;
  unsized.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_TOKEN, false);
  ASSERT_CKR_OK(Derive(&h.m, base, unsized, &data));
  EXPECT_EQ(ToHex(GetBytes(s_, data, CKA_VALUE)), okm.substr(0, 64)) << "HashLen of SHA-256";
  Template key_class;
  key_class.Ulong(CKA_CLASS, CKO_SECRET_KEY).Ulong(CKA_VALUE_LEN, 16);
  EXPECT_RV(CKR_TEMPLATE_INCONSISTENT, Derive(&h.m, base, key_class, &data));
}

class Sp800108 {
 public:
  Sp800108(const Bytes& label, const Bytes& context) : label_(label), context_(context) {
    cf_ = {CK_FALSE, 32};
    lf_ = {CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS, CK_FALSE, 32};
    dp_[0] = {CK_SP800_108_ITERATION_VARIABLE, &cf_, sizeof cf_};
    dp_[1] = {CK_SP800_108_BYTE_ARRAY, label_.data(), static_cast<CK_ULONG>(label_.size())};
    dp_[2] = {CK_SP800_108_BYTE_ARRAY, zero_, 1};
    dp_[3] = {CK_SP800_108_BYTE_ARRAY, context_.data(), static_cast<CK_ULONG>(context_.size())};
    dp_[4] = {CK_SP800_108_DKM_LENGTH, &lf_, sizeof lf_};
    p_ = {CKM_SHA256_HMAC, 5, dp_, 0, nullptr};
    m_ = {CKM_SP800_108_COUNTER_KDF, &p_, sizeof p_};
  }
  CK_MECHANISM* mech() { return &m_; }
  void SetAdditionalKeys(CK_DERIVED_KEY* keys, CK_ULONG count) {
    p_.pAdditionalDerivedKeys = keys;
    p_.ulAdditionalDerivedKeys = count;
  }

 private:
  Bytes label_, context_;
  CK_BYTE zero_[1] = {0};
  CK_SP800_108_COUNTER_FORMAT cf_;
  CK_SP800_108_DKM_LENGTH_FORMAT lf_;
  CK_PRF_DATA_PARAM dp_[5];
  CK_SP800_108_KDF_PARAMS p_;
  CK_MECHANISM m_;
};

// OpenSSL's KBKDF in counter mode with HMAC-SHA-256: [i]_32 || label || 00 || context ||
// [L]_32, L the output length in bits.
Bytes OpensslKbkdfHmacSha256(const Bytes& key, const Bytes& label, const Bytes& context,
                             size_t len) {
  EVP_KDF* k = EVP_KDF_fetch(nullptr, "KBKDF", nullptr);
  EVP_KDF_CTX* ctx = k ? EVP_KDF_CTX_new(k) : nullptr;
  char mode[] = "counter", mac[] = "HMAC", digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, mode, 0),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, mac, 0),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(key.data()),
                                        key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(label.data()),
                                        label.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(context.data()),
                                        context.size()),
      OSSL_PARAM_construct_end()};
  Bytes out(len);
  if (ctx == nullptr || EVP_KDF_derive(ctx, out.data(), out.size(), params) != 1) out.clear();
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(k);
  return out;
}

TEST_F(Mech3DeriveTest, Sp800108CounterKdfIsDeterministic) {
  Bytes key = FromHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  CK_OBJECT_HANDLE base = DeriveBase(key);
  ASSERT_NE(base, CK_INVALID_HANDLE);
  Sp800108 kdf(Str("arca label"), Str("arca context"));
  Bytes a, b;
  ASSERT_CKR_OK(DeriveValue(kdf.mech(), base, 64, &a));
  ASSERT_CKR_OK(DeriveValue(kdf.mech(), base, 64, &b));
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a, b) << "same inputs, same key";
  Sp800108 other(Str("arca label"), Str("other context"));
  Bytes c;
  ASSERT_CKR_OK(DeriveValue(other.mech(), base, 64, &c));
  EXPECT_NE(a, c);
}

// counter(32 BE) || label || 00 || context || L(32 BE, bits) is exactly OpenSSL's KBKDF layout.
TEST_F(Mech3DeriveTest, Sp800108CounterKdfMatchesOpensslKbkdf) {
  Bytes key = FromHex("000102030405060708090a0b0c0d0e0f");
  CK_OBJECT_HANDLE base = DeriveBase(key);
  ASSERT_NE(base, CK_INVALID_HANDLE);
  Bytes label = Str("label"), context = Str("context");
  Sp800108 kdf(label, context);
  Bytes token;
  ASSERT_CKR_OK(DeriveValue(kdf.mech(), base, 48, &token));

  Bytes expect = OpensslKbkdfHmacSha256(key, label, context, 48);
  ASSERT_EQ(expect.size(), 48u);
  EXPECT_EQ(ToHex(token), ToHex(expect));
}

// PKCS#11 3.1 §6.62: additional derived keys take the KDF output after the primary key's, in
// order, and L (CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS) is the sum of all of them: 16 + 32 + 16
// bytes here, i.e. OpenSSL's KBKDF output of 64 bytes cut in three.
TEST_F(Mech3DeriveTest, Sp800108AdditionalDerivedKeysShareOneOutput) {
  Bytes key = FromHex("000102030405060708090a0b0c0d0e0f");
  CK_OBJECT_HANDLE base = DeriveBase(key);
  ASSERT_NE(base, CK_INVALID_HANDLE);
  Bytes label = Str("label"), context = Str("context");
  Sp800108 kdf(label, context);
  Template aes, secret;
  aes.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_AES)
      .Ulong(CKA_VALUE_LEN, 32)
      .Bool(CKA_TOKEN, false)
      .Bool(CKA_SENSITIVE, false)
      .Bool(CKA_EXTRACTABLE, true)
      .Bool(CKA_ENCRYPT, true);
  ReadableSecretTemplate(&secret, 16);
  CK_OBJECT_HANDLE h_aes = 0xdead, h_secret = 0xbeef;
  CK_DERIVED_KEY extra[] = {{aes.data(), aes.size(), &h_aes},
                            {secret.data(), secret.size(), &h_secret}};
  kdf.SetAdditionalKeys(extra, 2);
  Bytes primary;
  ASSERT_CKR_OK(DeriveValue(kdf.mech(), base, 16, &primary));
  ASSERT_NE(h_aes, CK_INVALID_HANDLE);
  ASSERT_NE(h_secret, CK_INVALID_HANDLE);
  EXPECT_NE(h_aes, h_secret);
  EXPECT_EQ(GetUlong(s_, h_aes, CKA_KEY_TYPE), CKK_AES);
  EXPECT_EQ(GetUlong(s_, h_aes, CKA_VALUE_LEN), 32u);
  EXPECT_FALSE(GetBool(s_, h_aes, CKA_LOCAL));
  Bytes expect = OpensslKbkdfHmacSha256(key, label, context, 64);
  ASSERT_EQ(expect.size(), 64u);
  EXPECT_EQ(ToHex(primary), ToHex(Bytes(expect.begin(), expect.begin() + 16)));
  EXPECT_EQ(ToHex(GetBytes(s_, h_aes, CKA_VALUE)),
            ToHex(Bytes(expect.begin() + 16, expect.begin() + 48)));
  EXPECT_EQ(ToHex(GetBytes(s_, h_secret, CKA_VALUE)),
            ToHex(Bytes(expect.begin() + 48, expect.end())));
}

// A CK_DERIVED_KEY without a handle pointer is a malformed parameter, and a failed call
// leaves the caller's other handle slots at CK_INVALID_HANDLE with no key created.
TEST_F(Mech3DeriveTest, Sp800108AdditionalDerivedKeysAreValidated) {
  CK_OBJECT_HANDLE base = DeriveBase(Bytes(32, 0x42));
  ASSERT_NE(base, CK_INVALID_HANDLE);
  Sp800108 kdf(Str("l"), Str("c"));
  Template secret;
  ReadableSecretTemplate(&secret, 16);
  CK_OBJECT_HANDLE h = 0x1234;
  CK_DERIVED_KEY no_handle[] = {{secret.data(), secret.size(), nullptr}};
  kdf.SetAdditionalKeys(no_handle, 1);
  Bytes value;
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, DeriveValue(kdf.mech(), base, 16, &value));
  kdf.SetAdditionalKeys(nullptr, 1);
  EXPECT_RV(CKR_MECHANISM_PARAM_INVALID, DeriveValue(kdf.mech(), base, 16, &value));
  // The second key's template is inconsistent (no length for a generic secret): nothing is
  // created, and the first key's handle slot says so.
  Template no_length;
  no_length.Ulong(CKA_CLASS, CKO_SECRET_KEY).Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
  CK_OBJECT_HANDLE h2 = 0x5678;
  CK_DERIVED_KEY bad_second[] = {{secret.data(), secret.size(), &h},
                                 {no_length.data(), no_length.size(), &h2}};
  kdf.SetAdditionalKeys(bad_second, 2);
  Template all_secrets;
  all_secrets.Ulong(CKA_CLASS, CKO_SECRET_KEY);
  size_t before = Find(s_, all_secrets).size();
  EXPECT_NE(DeriveValue(kdf.mech(), base, 16, &value), CKR_OK);
  EXPECT_EQ(h, CK_INVALID_HANDLE);
  EXPECT_EQ(h2, CK_INVALID_HANDLE);
  EXPECT_EQ(Find(s_, all_secrets).size(), before);
}

// RFC 6070: P = "password", S = "salt", c = 2, dkLen = 20.
TEST_F(Mech3DeriveTest, Pbkdf2Rfc6070) {
  Bytes pw = Str("password"), salt = Str("salt");
  CK_PKCS5_PBKD2_PARAMS2 p = {CKZ_SALT_SPECIFIED,
                              salt.data(),
                              static_cast<CK_ULONG>(salt.size()),
                              2,
                              CKP_PKCS5_PBKD2_HMAC_SHA1,
                              nullptr,
                              0,
                              pw.data(),
                              static_cast<CK_ULONG>(pw.size())};
  CK_MECHANISM m = {CKM_PKCS5_PBKD2, &p, sizeof p};
  Template t;
  ReadableSecretTemplate(&t, 20);
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(f_->C_GenerateKey(s_, &m, t.data(), t.size(), &h));
  EXPECT_EQ(ToHex(GetBytes(s_, h, CKA_VALUE)), "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957");
}

TEST_F(Mech3DeriveTest, ConcatenateBaseAndData) {
  Bytes base_v = FromHex("00112233445566778899aabbccddeeff");
  Bytes data = FromHex("0102030405060708");
  CK_OBJECT_HANDLE base = DeriveBase(base_v);
  CK_KEY_DERIVATION_STRING_DATA p = {data.data(), static_cast<CK_ULONG>(data.size())};
  CK_MECHANISM m = {CKM_CONCATENATE_BASE_AND_DATA, &p, sizeof p};
  Bytes v;
  ASSERT_CKR_OK(DeriveValue(&m, base, 0, &v));
  EXPECT_EQ(ToHex(v), ToHex(base_v) + ToHex(data));
}

TEST_F(Mech3DeriveTest, ConcatenateBaseAndKey) {
  Bytes a = FromHex("a0a1a2a3a4a5a6a7"), b = FromHex("b0b1b2b3b4b5b6b7b8");
  CK_OBJECT_HANDLE base = DeriveBase(a);
  CK_OBJECT_HANDLE other = DeriveBase(b);
  CK_OBJECT_HANDLE hk = other;
  CK_MECHANISM m = {CKM_CONCATENATE_BASE_AND_KEY, &hk, sizeof hk};
  Bytes v;
  ASSERT_CKR_OK(DeriveValue(&m, base, 0, &v));
  EXPECT_EQ(ToHex(v), ToHex(a) + ToHex(b));
}

TEST_F(Mech3DeriveTest, XorBaseAndData) {
  Bytes base_v = FromHex("00112233445566778899aabbccddeeff");
  Bytes data = FromHex("ffffffff00000000f0f0f0f00f0f0f0f");
  CK_OBJECT_HANDLE base = DeriveBase(base_v);
  CK_KEY_DERIVATION_STRING_DATA p = {data.data(), static_cast<CK_ULONG>(data.size())};
  CK_MECHANISM m = {CKM_XOR_BASE_AND_DATA, &p, sizeof p};
  Bytes v;
  ASSERT_CKR_OK(DeriveValue(&m, base, 0, &v));
  Bytes expect(16);
  for (size_t i = 0; i < 16; ++i) expect[i] = base_v[i] ^ data[i];
  EXPECT_EQ(ToHex(v), ToHex(expect));
  EXPECT_EQ(ToHex(v), "ffeeddcc4455667778695a4bc3d2e1f0");
}

TEST_F(Mech3DeriveTest, AesEncryptDataDerivation) {
  Bytes key = FromHex("2b7e151628aed2a6abf7158809cf4f3c");
  Template extra;
  extra.Bool(CKA_DERIVE, true);
  CK_OBJECT_HANDLE base = CreateSecret(s_, CKK_AES, key, &extra);
  Bytes data = FromHex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
  CK_KEY_DERIVATION_STRING_DATA ecb = {data.data(), static_cast<CK_ULONG>(data.size())};
  CK_MECHANISM m = {CKM_AES_ECB_ENCRYPT_DATA, &ecb, sizeof ecb};
  Bytes v;
  ASSERT_CKR_OK(DeriveValue(&m, base, 32, &v));
  EXPECT_EQ(ToHex(v), ToHex(OsslCipher("AES-128-ECB", key, {}, data)));

  CK_AES_CBC_ENCRYPT_DATA_PARAMS cbc = {};
  Bytes iv = FromHex("000102030405060708090a0b0c0d0e0f");
  std::copy(iv.begin(), iv.end(), cbc.iv);
  cbc.pData = data.data();
  cbc.length = static_cast<CK_ULONG>(data.size());
  CK_MECHANISM m2 = {CKM_AES_CBC_ENCRYPT_DATA, &cbc, sizeof cbc};
  ASSERT_CKR_OK(DeriveValue(&m2, base, 32, &v));
  EXPECT_EQ(ToHex(v), ToHex(OsslCipher("AES-128-CBC", key, iv, data)));
}

TEST_F(Mech3DeriveTest, DerivedKeyAttributesFollowTheBaseKey) {
  // A generated base that has always been sensitive and never extractable.
  Template bt;
  bt.Ulong(CKA_VALUE_LEN, 32)
      .Bool(CKA_DERIVE, true)
      .Bool(CKA_SENSITIVE, true)
      .Bool(CKA_EXTRACTABLE, false);
  CK_MECHANISM g = {CKM_GENERIC_SECRET_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE base = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(f_->C_GenerateKey(s_, &g, bt.data(), bt.size(), &base));
  ASSERT_TRUE(GetBool(s_, base, CKA_ALWAYS_SENSITIVE));
  ASSERT_TRUE(GetBool(s_, base, CKA_NEVER_EXTRACTABLE));
  Hkdf h(Str("salt"), Str("info"));

  struct {
    bool sensitive, extractable, always_sensitive, never_extractable;
  } cases[] = {{true, false, true, true}, {true, true, true, false}, {false, true, false, false}};
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message()
                 << "sensitive " << c.sensitive << " extractable " << c.extractable);
    Template t;
    t.Ulong(CKA_CLASS, CKO_SECRET_KEY)
        .Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
        .Ulong(CKA_VALUE_LEN, 32)
        .Bool(CKA_SENSITIVE, c.sensitive)
        .Bool(CKA_EXTRACTABLE, c.extractable);
    CK_OBJECT_HANDLE d = CK_INVALID_HANDLE;
    ASSERT_CKR_OK(Derive(&h.m, base, t, &d));
    EXPECT_EQ(GetBool(s_, d, CKA_ALWAYS_SENSITIVE), c.always_sensitive);
    EXPECT_EQ(GetBool(s_, d, CKA_NEVER_EXTRACTABLE), c.never_extractable);
    EXPECT_FALSE(GetBool(s_, d, CKA_LOCAL));
  }

  // A created (imported) base was never "always sensitive": neither is what it derives.
  Template et;
  et.Bool(CKA_SENSITIVE, true).Bool(CKA_EXTRACTABLE, false);
  CK_OBJECT_HANDLE imported = DeriveBase(Bytes(32, 0x42), &et);
  ASSERT_NE(imported, CK_INVALID_HANDLE);
  EXPECT_FALSE(GetBool(s_, imported, CKA_ALWAYS_SENSITIVE));
  Template t;
  t.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
      .Ulong(CKA_VALUE_LEN, 32)
      .Bool(CKA_SENSITIVE, true)
      .Bool(CKA_EXTRACTABLE, false);
  CK_OBJECT_HANDLE d = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(Derive(&h.m, imported, t, &d));
  EXPECT_FALSE(GetBool(s_, d, CKA_ALWAYS_SENSITIVE));
  EXPECT_FALSE(GetBool(s_, d, CKA_NEVER_EXTRACTABLE));
  EXPECT_FALSE(GetBool(s_, d, CKA_LOCAL));
}

TEST_F(Mech3DeriveTest, DeriveTemplateIsEnforced) {
  Template inner;
  inner.Bool(CKA_EXTRACTABLE, false).Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
  Template extra;
  extra.Raw(CKA_DERIVE_TEMPLATE, inner.data(), inner.size() * sizeof(CK_ATTRIBUTE));
  CK_OBJECT_HANDLE base = DeriveBase(Bytes(32, 0x17), &extra);
  ASSERT_NE(base, CK_INVALID_HANDLE);
  Hkdf h(Str("salt"), Str("info"));

  Template conflicting;
  conflicting.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
      .Ulong(CKA_VALUE_LEN, 32)
      .Bool(CKA_EXTRACTABLE, true);
  CK_OBJECT_HANDLE d = CK_INVALID_HANDLE;
  EXPECT_RV(CKR_TEMPLATE_INCONSISTENT, Derive(&h.m, base, conflicting, &d));

  Template fine;
  fine.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
      .Ulong(CKA_VALUE_LEN, 32);
  ASSERT_CKR_OK(Derive(&h.m, base, fine, &d));
  EXPECT_FALSE(GetBool(s_, d, CKA_EXTRACTABLE)) << "the derive template applies to the new key";
}

}  // namespace
}  // namespace conformance
