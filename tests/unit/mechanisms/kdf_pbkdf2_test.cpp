// CKM_PKCS5_PBKD2: RFC 6070 known answers (tests/data/kdf/pbkdf2_rfc6070.txt) through both
// CK_PKCS5_PBKD2_PARAMS2 and the older CK_PKCS5_PBKD2_PARAMS (password length by pointer),
// SHA-2 PRFs against OpenSSL's PKCS5_PBKDF2_HMAC directly, and parameter / template checks.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "mechanisms/registry.h"
#include "sym_test_util.h"

namespace p11 {
namespace {

using symtest::Bytes;

template <class T>
ByteView ParamOf(const T& p) {
  return ByteView(reinterpret_cast<const uint8_t*>(&p), sizeof p);
}

Object Template(CK_KEY_TYPE type, std::optional<CK_ULONG> len) {
  Object o;
  o.SetUlong(CKA_CLASS, CKO_SECRET_KEY);
  o.SetUlong(CKA_KEY_TYPE, type);
  if (len) o.SetUlong(CKA_VALUE_LEN, *len);
  return o;
}

Bytes ValueOf(const Object& o) {
  ByteView v = o.GetBytes(CKA_VALUE);
  return Bytes(v.begin(), v.end());
}

CK_PKCS5_PBKD2_PARAMS2 Params(const Bytes& password, const Bytes& salt, CK_ULONG iterations,
                              CK_ULONG prf = CKP_PKCS5_PBKD2_HMAC_SHA1) {
  return CK_PKCS5_PBKD2_PARAMS2{CKZ_SALT_SPECIFIED,
                                const_cast<uint8_t*>(salt.data()),
                                static_cast<CK_ULONG>(salt.size()),
                                iterations,
                                prf,
                                nullptr,
                                0,
                                const_cast<uint8_t*>(password.data()),
                                static_cast<CK_ULONG>(password.size())};
}

class Pbkdf2Test : public ::testing::Test {
 protected:
  void SetUp() override { RegisterKdf(registry_); }
  const Mechanism& Pbkdf2() { return *registry_.Find(CKM_PKCS5_PBKD2); }
  Registry registry_;
};

TEST_F(Pbkdf2Test, Rfc6070BothParameterForms) {
  auto records = symtest::ReadRecords("../kdf/pbkdf2_rfc6070.txt");
  EXPECT_EQ(records.size(), 5u);
  for (const symtest::Record& r : records) {
    Bytes password = symtest::Field(r, "Password");
    Bytes salt = symtest::Field(r, "Salt");
    Bytes dk = symtest::Field(r, "DK");
    CK_ULONG iterations = std::stoul(r.at("Iterations"));
    CK_PKCS5_PBKD2_PARAMS2 p2 = Params(password, salt, iterations);
    Object key = Template(CKK_GENERIC_SECRET, dk.size());
    ASSERT_TRUE(Pbkdf2().GenerateKey(ParamOf(p2), key).ok());
    EXPECT_EQ(ValueOf(key), dk);

    CK_ULONG password_len = password.size();
    CK_PKCS5_PBKD2_PARAMS p1{CKZ_SALT_SPECIFIED,
                             salt.data(),
                             salt.size(),
                             iterations,
                             CKP_PKCS5_PBKD2_HMAC_SHA1,
                             nullptr,
                             0,
                             password.data(),
                             &password_len};
    Object legacy = Template(CKK_GENERIC_SECRET, dk.size());
    ASSERT_TRUE(Pbkdf2().GenerateKey(ParamOf(p1), legacy).ok());
    EXPECT_EQ(ValueOf(legacy), dk);
  }
}

TEST_F(Pbkdf2Test, Sha2PrfsMatchOpenssl) {
  struct {
    CK_ULONG prf;
    const EVP_MD* md;
  } prfs[] = {{CKP_PKCS5_PBKD2_HMAC_SHA224, EVP_sha224()},
              {CKP_PKCS5_PBKD2_HMAC_SHA256, EVP_sha256()},
              {CKP_PKCS5_PBKD2_HMAC_SHA384, EVP_sha384()},
              {CKP_PKCS5_PBKD2_HMAC_SHA512, EVP_sha512()}};
  Bytes password = symtest::AsBytesOf("correct horse"), salt = symtest::AsBytesOf("NaCl-1234");
  for (const auto& row : prfs) {
    CK_PKCS5_PBKD2_PARAMS2 p = Params(password, salt, 1000, row.prf);
    Object key = Template(CKK_AES, 32);
    ASSERT_TRUE(Pbkdf2().GenerateKey(ParamOf(p), key).ok());
    Bytes expect(32);
    ASSERT_EQ(PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(password.data()),
                                static_cast<int>(password.size()), salt.data(),
                                static_cast<int>(salt.size()), 1000, row.md, 32, expect.data()),
              1);
    EXPECT_EQ(ValueOf(key), expect);
    EXPECT_EQ(key.GetUlong(CKA_VALUE_LEN), 32u);
  }
}

TEST_F(Pbkdf2Test, RejectsBadParametersAndTemplates) {
  Bytes password = symtest::AsBytesOf("pw"), salt = symtest::AsBytesOf("salt");
  auto rv = [&](CK_PKCS5_PBKD2_PARAMS2 p, Object o) {
    return Pbkdf2().GenerateKey(ParamOf(p), o).rv();
  };
  Object t = Template(CKK_GENERIC_SECRET, 16);
  CK_PKCS5_PBKD2_PARAMS2 good = Params(password, salt, 2);
  EXPECT_EQ(rv(good, t), CKR_OK);
  CK_PKCS5_PBKD2_PARAMS2 p = good;
  p.saltSource = 2;
  EXPECT_EQ(rv(p, t), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.iterations = 0;
  EXPECT_EQ(rv(p, t), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.prf = CKP_PKCS5_PBKD2_HMAC_GOSTR3411;
  EXPECT_EQ(rv(p, t), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.pSaltSourceData = nullptr;
  EXPECT_EQ(rv(p, t), CKR_MECHANISM_PARAM_INVALID);
  p = good;
  p.pPassword = nullptr;
  EXPECT_EQ(rv(p, t), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Pbkdf2().GenerateKey({}, t).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv(good, Template(CKK_GENERIC_SECRET, std::nullopt)), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(rv(good, Template(CKK_AES, 17)), CKR_TEMPLATE_INCONSISTENT);
  Object pub;
  pub.SetUlong(CKA_CLASS, CKO_PUBLIC_KEY);
  pub.SetUlong(CKA_VALUE_LEN, 16);
  EXPECT_EQ(rv(good, pub), CKR_TEMPLATE_INCONSISTENT);
}

}  // namespace
}  // namespace p11
