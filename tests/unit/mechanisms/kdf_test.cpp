// HKDF (RFC 5869 Appendix A known answers, tests/data/kdf/hkdf_rfc5869.txt) through
// CKM_HKDF_DERIVE / CKM_HKDF_DATA in all three modes and all salt forms, CKM_HKDF_KEY_GEN, and
// the simple derive mechanisms (concatenate, XOR, AES ECB/CBC encrypt-data, the last checked
// against OpenSSL directly). Also the derived-length rules and parameter validation.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "mechanisms/kdf_keyed.h"
#include "mechanisms/registry.h"
#include "registry_suite.h"
#include "sym_test_util.h"

namespace p11 {
namespace {

using symtest::Bytes;

template <class T>
ByteView ParamOf(const T& p) {
  return ByteView(reinterpret_cast<const uint8_t*>(&p), sizeof p);
}

Bytes ValueOf(const Object& o) {
  ByteView v = o.GetBytes(CKA_VALUE);
  return Bytes(v.begin(), v.end());
}

Object Template(CK_KEY_TYPE type, std::optional<CK_ULONG> len) {
  Object o;
  o.SetUlong(CKA_CLASS, CKO_SECRET_KEY);
  o.SetUlong(CKA_KEY_TYPE, type);
  if (len) o.SetUlong(CKA_VALUE_LEN, *len);
  return o;
}

using KdfTest = RegistrySuite<RegisterKdf>;

struct HkdfCase {
  std::string name;
  CK_MECHANISM_TYPE hash;
  Bytes ikm, salt, info, prk, okm;
  bool null_salt;
};

std::vector<HkdfCase> HkdfCases() {
  std::vector<HkdfCase> cases;
  for (const symtest::Record& r : symtest::ReadRecords("../kdf/hkdf_rfc5869.txt")) {
    HkdfCase c;
    c.name = r.at("Case");
    c.hash = r.at("Hash") == "SHA256" ? CKM_SHA256 : CKM_SHA_1;
    c.null_salt = r.at("Salt") == "null";
    c.ikm = symtest::Field(r, "IKM");
    if (!c.null_salt) c.salt = symtest::Field(r, "Salt");
    c.info = symtest::Field(r, "Info");
    c.prk = symtest::Field(r, "PRK");
    c.okm = symtest::Field(r, "OKM");
    EXPECT_EQ(c.okm.size(), std::stoul(r.at("L")));
    cases.push_back(std::move(c));
  }
  EXPECT_EQ(cases.size(), 7u);
  return cases;
}

CK_HKDF_PARAMS HkdfParams(const HkdfCase& c, bool extract, bool expand) {
  CK_HKDF_PARAMS p{};
  p.bExtract = extract ? CK_TRUE : CK_FALSE;
  p.bExpand = expand ? CK_TRUE : CK_FALSE;
  p.prfHashMechanism = c.hash;
  // RFC 5869 treats an empty salt as absent: both go through CKF_HKDF_SALT_NULL.
  bool no_salt = c.null_salt || c.salt.empty();
  p.ulSaltType = no_salt ? CKF_HKDF_SALT_NULL : CKF_HKDF_SALT_DATA;
  p.pSalt = no_salt ? nullptr : const_cast<uint8_t*>(c.salt.data());
  p.ulSaltLen = no_salt ? 0 : c.salt.size();
  p.pInfo = c.info.empty() ? nullptr : const_cast<uint8_t*>(c.info.data());
  p.ulInfoLen = c.info.size();
  return p;
}

TEST_F(KdfTest, HkdfKnownAnswersAllModes) {
  for (const HkdfCase& c : HkdfCases()) {
    SCOPED_TRACE(c.name);
    KeyMaterial ikm = symtest::SecretKey(CKK_GENERIC_SECRET, c.ikm);
    // Extract and expand: OKM.
    CK_HKDF_PARAMS both = HkdfParams(c, true, true);
    Object okm = Template(CKK_GENERIC_SECRET, c.okm.size());
    ASSERT_TRUE(Mech(CKM_HKDF_DERIVE).Derive(ParamOf(both), ikm, okm).ok());
    EXPECT_EQ(ValueOf(okm), c.okm);
    // Extract only: PRK, whose length the hash fixes when the template gives none.
    CK_HKDF_PARAMS extract = HkdfParams(c, true, false);
    Object prk = Template(CKK_HKDF, std::nullopt);
    ASSERT_TRUE(Mech(CKM_HKDF_DERIVE).Derive(ParamOf(extract), ikm, prk).ok());
    EXPECT_EQ(ValueOf(prk), c.prk);
    EXPECT_EQ(prk.GetUlong(CKA_VALUE_LEN), c.prk.size());
    // Expand only, from the PRK as base key (CKK_HKDF): OKM again.
    CK_HKDF_PARAMS expand = HkdfParams(c, false, true);
    expand.ulSaltType = 0;  // ignored without extract
    Object again = Template(CKK_GENERIC_SECRET, c.okm.size());
    KeyMaterial prk_key = symtest::SecretKey(CKK_HKDF, c.prk);
    ASSERT_TRUE(Mech(CKM_HKDF_DERIVE).Derive(ParamOf(expand), prk_key, again).ok());
    EXPECT_EQ(ValueOf(again), c.okm);
  }
}

TEST_F(KdfTest, HkdfDataMakesADataObject) {
  for (const HkdfCase& c : HkdfCases()) {
    SCOPED_TRACE(c.name);
    CK_HKDF_PARAMS both = HkdfParams(c, true, true);
    Object data;
    data.SetUlong(CKA_CLASS, CKO_DATA);
    data.SetUlong(CKA_VALUE_LEN, c.okm.size());
    KeyMaterial ikm = symtest::SecretKey(CKK_GENERIC_SECRET, c.ikm);
    ASSERT_TRUE(Mech(CKM_HKDF_DATA).Derive(ParamOf(both), ikm, data).ok());
    EXPECT_EQ(ValueOf(data), c.okm);
    EXPECT_EQ(data.Class(), CKO_DATA);
    EXPECT_FALSE(data.Has(CKA_VALUE_LEN));
    // Without a length: HashLen bytes, the OKM's prefix.
    Object short_data;
    ASSERT_TRUE(Mech(CKM_HKDF_DATA).Derive(ParamOf(both), ikm, short_data).ok());
    Bytes prefix(c.okm.begin(), c.okm.begin() + static_cast<long>(c.prk.size()));
    EXPECT_EQ(ValueOf(short_data), prefix);
    Object wrong_class = Template(CKK_GENERIC_SECRET, 16);
    EXPECT_EQ(Mech(CKM_HKDF_DATA).Derive(ParamOf(both), ikm, wrong_class).rv(),
              CKR_TEMPLATE_INCONSISTENT);
  }
}

TEST_F(KdfTest, HkdfSaltKeyGoesThroughKeyedDerive) {
  HkdfCase c = HkdfCases()[0];  // A.1: a salt given as data
  CK_HKDF_PARAMS p = HkdfParams(c, true, true);
  p.ulSaltType = CKF_HKDF_SALT_KEY;
  p.pSalt = nullptr;
  p.ulSaltLen = 0;
  p.hSaltKey = 0x1234;
  const auto* keyed = dynamic_cast<const KeyedDerive*>(&Mech(CKM_HKDF_DERIVE));
  ASSERT_NE(keyed, nullptr);
  auto handle = keyed->OtherKeyHandle(ParamOf(p));
  ASSERT_TRUE(handle.ok());
  EXPECT_EQ(*handle, std::optional<CK_OBJECT_HANDLE>(0x1234));
  KeyMaterial ikm = symtest::SecretKey(CKK_GENERIC_SECRET, c.ikm);
  KeyMaterial salt = symtest::SecretKey(CKK_GENERIC_SECRET, c.salt);
  Object okm = Template(CKK_GENERIC_SECRET, c.okm.size());
  ASSERT_TRUE(keyed->DeriveWithOtherKey(ParamOf(p), ikm, salt, okm).ok());
  EXPECT_EQ(ValueOf(okm), c.okm);
  // Plain Derive cannot resolve the handle; a data salt names no key.
  Object unresolved = Template(CKK_GENERIC_SECRET, 42);
  EXPECT_EQ(Mech(CKM_HKDF_DERIVE).Derive(ParamOf(p), ikm, unresolved).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  CK_HKDF_PARAMS data_salt = HkdfParams(c, true, true);
  auto none = keyed->OtherKeyHandle(ParamOf(data_salt));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  KeyMaterial aes_salt = symtest::SecretKey(CKK_AES, Bytes(16, 1));
  EXPECT_EQ(keyed->DeriveWithOtherKey(ParamOf(p), ikm, aes_salt, okm).rv(),
            CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(KdfTest, HkdfRejectsBadParametersKeysAndTemplates) {
  HkdfCase c = HkdfCases()[0];
  KeyMaterial ikm = symtest::SecretKey(CKK_GENERIC_SECRET, c.ikm);
  const Mechanism& m = Mech(CKM_HKDF_DERIVE);
  auto rv = [&](CK_HKDF_PARAMS p, Object o) { return m.Derive(ParamOf(p), ikm, o).rv(); };
  Object t32 = Template(CKK_GENERIC_SECRET, 32);
  CK_HKDF_PARAMS good = HkdfParams(c, true, true);
  EXPECT_EQ(rv(good, t32), CKR_OK);
  CK_HKDF_PARAMS p = good;
  p.bExtract = p.bExpand = CK_FALSE;
  EXPECT_EQ(rv(p, t32), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.prfHashMechanism = CKM_AES_ECB;
  EXPECT_EQ(rv(p, t32), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.ulSaltType = CKF_HKDF_SALT_NULL | CKF_HKDF_SALT_DATA;
  EXPECT_EQ(rv(p, t32), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.pSalt = nullptr;
  EXPECT_EQ(rv(p, t32), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.pInfo = nullptr;
  EXPECT_EQ(rv(p, t32), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(m.Derive(ParamOf(good).first(8), ikm, t32).rv(), CKR_MECHANISM_PARAM_INVALID);
  // Lengths: extract alone is HashLen; expand at most 255 * HashLen; AES needs a length.
  CK_HKDF_PARAMS extract = HkdfParams(c, true, false);
  EXPECT_EQ(rv(extract, Template(CKK_GENERIC_SECRET, 16)), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(rv(good, Template(CKK_GENERIC_SECRET, 255 * 32 + 1)), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(rv(good, Template(CKK_AES, std::nullopt)), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(rv(good, Template(CKK_AES, 20)), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(rv(good, Template(CKK_AES, 24)), CKR_OK);
  KeyMaterial aes = symtest::SecretKey(CKK_AES, Bytes(16, 7));
  EXPECT_EQ(m.Derive(ParamOf(good), aes, t32).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(KdfTest, HkdfKeyGenMakesHkdfKeys) {
  const Mechanism& m = Mech(CKM_HKDF_KEY_GEN);
  EXPECT_EQ(m.info().flags, CKF_GENERATE);
  EXPECT_EQ(m.GeneratedKeyType(), CKK_HKDF);
  Object key = Template(CKK_HKDF, 48);
  ASSERT_TRUE(m.GenerateKey({}, key).ok());
  EXPECT_EQ(key.GetBytes(CKA_VALUE).size(), 48u);
  Object no_len = Template(CKK_HKDF, std::nullopt);
  EXPECT_EQ(m.GenerateKey({}, no_len).rv(), CKR_TEMPLATE_INCOMPLETE);
  Object aes = Template(CKK_AES, 16);
  EXPECT_EQ(m.GenerateKey({}, aes).rv(), CKR_TEMPLATE_INCONSISTENT);
}

TEST_F(KdfTest, MechanismInfoIsTruthful) {
  for (CK_MECHANISM_TYPE t :
       {CKM_HKDF_DERIVE, CKM_HKDF_DATA, CKM_CONCATENATE_BASE_AND_DATA, CKM_CONCATENATE_BASE_AND_KEY,
        CKM_XOR_BASE_AND_DATA, CKM_SP800_108_COUNTER_KDF, CKM_SP800_108_FEEDBACK_KDF}) {
    EXPECT_EQ(Mech(t).info().flags, CKF_DERIVE) << t;
    EXPECT_EQ(Mech(t).info().ulMinKeySize, 1u) << t;
  }
  for (CK_MECHANISM_TYPE t : {CKM_AES_ECB_ENCRYPT_DATA, CKM_AES_CBC_ENCRYPT_DATA}) {
    EXPECT_EQ(Mech(t).info().flags, CKF_DERIVE);
    EXPECT_EQ(Mech(t).info().ulMinKeySize, 16u);
    EXPECT_EQ(Mech(t).info().ulMaxKeySize, 32u);
  }
  EXPECT_EQ(Mech(CKM_PKCS5_PBKD2).info().flags, CKF_GENERATE);
}

TEST_F(KdfTest, ConcatenateAndXor) {
  Bytes base = {1, 2, 3, 4, 5, 6, 7, 8};
  Bytes data = {0xf0, 0xf1, 0xf2};
  KeyMaterial key = symtest::SecretKey(CKK_GENERIC_SECRET, base);
  CK_KEY_DERIVATION_STRING_DATA s{data.data(), static_cast<CK_ULONG>(data.size())};
  Object all;  // no type, no length: a generic secret of the whole concatenation
  ASSERT_TRUE(Mech(CKM_CONCATENATE_BASE_AND_DATA).Derive(ParamOf(s), key, all).ok());
  EXPECT_EQ(ValueOf(all), symtest::Concat(base, data));
  EXPECT_EQ(all.KeyType(), CKK_GENERIC_SECRET);
  EXPECT_EQ(all.GetUlong(CKA_VALUE_LEN), 11u);
  Object truncated = Template(CKK_GENERIC_SECRET, 5);
  ASSERT_TRUE(Mech(CKM_CONCATENATE_BASE_AND_DATA).Derive(ParamOf(s), key, truncated).ok());
  EXPECT_EQ(ValueOf(truncated), Bytes(base.begin(), base.begin() + 5));
  Object too_long = Template(CKK_GENERIC_SECRET, 12);
  EXPECT_EQ(Mech(CKM_CONCATENATE_BASE_AND_DATA).Derive(ParamOf(s), key, too_long).rv(),
            CKR_TEMPLATE_INCONSISTENT);

  Object x;
  ASSERT_TRUE(Mech(CKM_XOR_BASE_AND_DATA).Derive(ParamOf(s), key, x).ok());
  EXPECT_EQ(ValueOf(x), (Bytes{1 ^ 0xf0, 2 ^ 0xf1, 3 ^ 0xf2}));

  CK_KEY_DERIVATION_STRING_DATA null_data{nullptr, 3};
  Object o;
  EXPECT_EQ(Mech(CKM_XOR_BASE_AND_DATA).Derive(ParamOf(null_data), key, o).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Mech(CKM_CONCATENATE_BASE_AND_DATA).Derive({}, key, o).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  KeyMaterial pub;
  pub.object_class = CKO_PUBLIC_KEY;
  pub.key_type = CKK_EC;
  EXPECT_EQ(Mech(CKM_CONCATENATE_BASE_AND_DATA).Derive(ParamOf(s), pub, o).rv(),
            CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(KdfTest, ConcatenateBaseAndKey) {
  const Mechanism& m = Mech(CKM_CONCATENATE_BASE_AND_KEY);
  const auto* keyed = dynamic_cast<const KeyedDerive*>(&m);
  ASSERT_NE(keyed, nullptr);
  CK_OBJECT_HANDLE h = 77;
  auto handle = keyed->OtherKeyHandle(ParamOf(h));
  ASSERT_TRUE(handle.ok());
  EXPECT_EQ(*handle, std::optional<CK_OBJECT_HANDLE>(77));
  Bytes a(16, 0xaa), b(16, 0xbb);
  KeyMaterial base = symtest::SecretKey(CKK_AES, a);
  KeyMaterial other = symtest::SecretKey(CKK_GENERIC_SECRET, b);
  Object aes = Template(CKK_AES, 32);
  ASSERT_TRUE(keyed->DeriveWithOtherKey(ParamOf(h), base, other, aes).ok());
  EXPECT_EQ(ValueOf(aes), symtest::Concat(a, b));
  Object o;
  EXPECT_EQ(m.Derive(ParamOf(h), base, o).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(keyed->OtherKeyHandle({}).rv(), CKR_MECHANISM_PARAM_INVALID);
}

// AES-ECB / AES-CBC of `data` under `key` straight through OpenSSL.
Bytes OpensslAes(const Bytes& key, const Bytes& iv, const Bytes& data) {
  const EVP_CIPHER* cipher = iv.empty()
                                 ? (key.size() == 16 ? EVP_aes_128_ecb() : EVP_aes_256_ecb())
                                 : (key.size() == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc());
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes out(data.size() + 16);
  int n = 0, tail = 0;
  EVP_EncryptInit_ex2(ctx, cipher, key.data(), iv.empty() ? nullptr : iv.data(), nullptr);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  EVP_EncryptUpdate(ctx, out.data(), &n, data.data(), static_cast<int>(data.size()));
  EVP_EncryptFinal_ex(ctx, out.data() + n, &tail);
  EVP_CIPHER_CTX_free(ctx);
  out.resize(static_cast<size_t>(n + tail));
  return out;
}

TEST_F(KdfTest, AesEncryptDataMatchesOpenssl) {
  for (size_t key_len : {16, 32}) {
    Bytes k(key_len), data(32), iv(16);
    for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i * 7 + 1);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(0x40 + i);
    for (size_t i = 0; i < iv.size(); ++i) iv[i] = static_cast<uint8_t>(0xa0 + i);
    KeyMaterial key = symtest::SecretKey(CKK_AES, k);
    CK_KEY_DERIVATION_STRING_DATA s{data.data(), 32};
    Object ecb = Template(CKK_AES, 32);
    ASSERT_TRUE(Mech(CKM_AES_ECB_ENCRYPT_DATA).Derive(ParamOf(s), key, ecb).ok());
    EXPECT_EQ(ValueOf(ecb), OpensslAes(k, {}, data));
    CK_AES_CBC_ENCRYPT_DATA_PARAMS c{};
    std::copy(iv.begin(), iv.end(), c.iv);
    c.pData = data.data();
    c.length = 32;
    Object cbc = Template(CKK_AES, 16);  // truncated to the first 16 bytes
    ASSERT_TRUE(Mech(CKM_AES_CBC_ENCRYPT_DATA).Derive(ParamOf(c), key, cbc).ok());
    Bytes full = OpensslAes(k, iv, data);
    EXPECT_EQ(ValueOf(cbc), Bytes(full.begin(), full.begin() + 16));
    s.ulLen = 20;  // not a multiple of the block size
    Object o = Template(CKK_AES, 16);
    EXPECT_EQ(Mech(CKM_AES_ECB_ENCRYPT_DATA).Derive(ParamOf(s), key, o).rv(),
              CKR_MECHANISM_PARAM_INVALID);
  }
  KeyMaterial generic = symtest::SecretKey(CKK_GENERIC_SECRET, Bytes(16, 1));
  Bytes data(16, 2);
  CK_KEY_DERIVATION_STRING_DATA s{data.data(), 16};
  Object o = Template(CKK_AES, 16);
  EXPECT_EQ(Mech(CKM_AES_ECB_ENCRYPT_DATA).Derive(ParamOf(s), generic, o).rv(),
            CKR_KEY_TYPE_INCONSISTENT);
}

}  // namespace
}  // namespace p11
