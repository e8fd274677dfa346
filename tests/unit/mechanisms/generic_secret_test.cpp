// CKM_GENERIC_SECRET_KEY_GEN (PKCS#11 3.1 §6.7.4): CKA_VALUE_LEN bytes of random CKA_VALUE,
// template checks, and use of the generated key with HMAC.
#include <gtest/gtest.h>

#include "mechanisms/registry.h"
#include "sym_test_util.h"

namespace p11 {
namespace {

using symtest::Bytes;

class GenericSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterGenericSecret(registry_);
    RegisterHmac(registry_);
    gen_ = registry_.Find(CKM_GENERIC_SECRET_KEY_GEN);
    ASSERT_NE(gen_, nullptr);
  }

  static Object Template(CK_ULONG len) {
    Object key;
    key.SetUlong(CKA_CLASS, CKO_SECRET_KEY);
    key.SetUlong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
    key.SetUlong(CKA_VALUE_LEN, len);
    return key;
  }

  Registry registry_;
  const Mechanism* gen_ = nullptr;
};

TEST_F(GenericSecretTest, Info) {
  EXPECT_EQ(gen_->info().flags, CKF_GENERATE);
  EXPECT_EQ(gen_->info().ulMinKeySize, 1u);
  EXPECT_GE(gen_->info().ulMaxKeySize, 64u);
  EXPECT_EQ(gen_->GeneratedKeyType(), CKK_GENERIC_SECRET);
}

TEST_F(GenericSecretTest, GeneratesRequestedLength) {
  for (CK_ULONG n : {CK_ULONG{1}, CK_ULONG{20}, CK_ULONG{64}, gen_->info().ulMaxKeySize}) {
    Object a = Template(n), b = Template(n);
    ASSERT_TRUE(gen_->GenerateKey({}, a).ok()) << n;
    ASSERT_TRUE(gen_->GenerateKey({}, b).ok()) << n;
    ASSERT_EQ(a.GetBytes(CKA_VALUE).size(), n);
    EXPECT_EQ(a.GetUlong(CKA_VALUE_LEN), n);
    if (n >= 16) {
      Bytes va(a.GetBytes(CKA_VALUE).begin(), a.GetBytes(CKA_VALUE).end());
      Bytes vb(b.GetBytes(CKA_VALUE).begin(), b.GetBytes(CKA_VALUE).end());
      EXPECT_NE(va, vb);
      EXPECT_NE(va, Bytes(n, 0));
    }
  }
}

TEST_F(GenericSecretTest, TemplateChecks) {
  Object missing;
  missing.SetUlong(CKA_CLASS, CKO_SECRET_KEY);
  EXPECT_EQ(gen_->GenerateKey({}, missing).rv(), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_FALSE(missing.Has(CKA_VALUE));

  Object zero = Template(0);
  EXPECT_EQ(gen_->GenerateKey({}, zero).rv(), CKR_KEY_SIZE_RANGE);
  Object huge = Template(gen_->info().ulMaxKeySize + 1);
  EXPECT_EQ(gen_->GenerateKey({}, huge).rv(), CKR_KEY_SIZE_RANGE);

  Object malformed;
  uint8_t one_byte = 16;
  malformed.Set(CKA_VALUE_LEN, ByteView(&one_byte, 1));
  EXPECT_EQ(gen_->GenerateKey({}, malformed).rv(), CKR_ATTRIBUTE_VALUE_INVALID);

  Object aes = Template(16);
  aes.SetUlong(CKA_KEY_TYPE, CKK_AES);
  EXPECT_EQ(gen_->GenerateKey({}, aes).rv(), CKR_TEMPLATE_INCONSISTENT);
  Object public_class = Template(16);
  public_class.SetUlong(CKA_CLASS, CKO_PUBLIC_KEY);
  EXPECT_EQ(gen_->GenerateKey({}, public_class).rv(), CKR_TEMPLATE_INCONSISTENT);

  Object with_param = Template(16);
  CK_ULONG param = 16;
  EXPECT_EQ(
      gen_->GenerateKey(ByteView(reinterpret_cast<uint8_t*>(&param), sizeof param), with_param)
          .rv(),
      CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(GenericSecretTest, GeneratedKeySignsWithHmac) {
  Object key = Template(32);
  ASSERT_TRUE(gen_->GenerateKey({}, key).ok());
  ByteView value = key.GetBytes(CKA_VALUE);
  KeyMaterial material = symtest::SecretKey(CKK_GENERIC_SECRET, Bytes(value.begin(), value.end()));
  const Mechanism* hmac = registry_.Find(CKM_SHA256_HMAC);
  ASSERT_NE(hmac, nullptr);
  auto sign = hmac->BeginSign({}, material);
  ASSERT_TRUE(sign.ok());
  Bytes msg = symtest::AsBytesOf("message");
  auto mac = symtest::QueryThenCall([&](OutBuffer& o) { return (*sign)->Sign(msg, o); });
  ASSERT_TRUE(mac.ok());
  auto verify = hmac->BeginVerify({}, material);
  ASSERT_TRUE(verify.ok());
  EXPECT_EQ((*verify)->Verify(msg, *mac).rv(), CKR_OK);
}

TEST_F(GenericSecretTest, PerHashGeneratorsMakeTheirHmacKeyType) {
  struct Gen {
    CK_MECHANISM_TYPE gen;
    CK_KEY_TYPE key_type;
    CK_MECHANISM_TYPE hmac;
  };
  constexpr Gen kGens[] = {
      {CKM_SHA_1_KEY_GEN, CKK_SHA_1_HMAC, CKM_SHA_1_HMAC},
      {CKM_SHA224_KEY_GEN, CKK_SHA224_HMAC, CKM_SHA224_HMAC},
      {CKM_SHA256_KEY_GEN, CKK_SHA256_HMAC, CKM_SHA256_HMAC},
      {CKM_SHA384_KEY_GEN, CKK_SHA384_HMAC, CKM_SHA384_HMAC},
      {CKM_SHA512_KEY_GEN, CKK_SHA512_HMAC, CKM_SHA512_HMAC},
      {CKM_SHA512_224_KEY_GEN, CKK_SHA512_224_HMAC, CKM_SHA512_224_HMAC},
      {CKM_SHA512_256_KEY_GEN, CKK_SHA512_256_HMAC, CKM_SHA512_256_HMAC},
      {CKM_SHA3_224_KEY_GEN, CKK_SHA3_224_HMAC, CKM_SHA3_224_HMAC},
      {CKM_SHA3_256_KEY_GEN, CKK_SHA3_256_HMAC, CKM_SHA3_256_HMAC},
      {CKM_SHA3_384_KEY_GEN, CKK_SHA3_384_HMAC, CKM_SHA3_384_HMAC},
      {CKM_SHA3_512_KEY_GEN, CKK_SHA3_512_HMAC, CKM_SHA3_512_HMAC},
  };
  for (const Gen& g : kGens) {
    const Mechanism* gen = registry_.Find(g.gen);
    ASSERT_NE(gen, nullptr) << g.gen;
    EXPECT_EQ(gen->info().flags, CKF_GENERATE);
    EXPECT_EQ(gen->GeneratedKeyType(), g.key_type);
    Object key;
    key.SetUlong(CKA_KEY_TYPE, g.key_type);
    key.SetUlong(CKA_VALUE_LEN, 32);
    ASSERT_TRUE(gen->GenerateKey({}, key).ok());
    EXPECT_EQ(key.GetBytes(CKA_VALUE).size(), 32u);
    // CKA_VALUE_LEN is required; another hash's key type is inconsistent.
    Object no_len;
    EXPECT_EQ(gen->GenerateKey({}, no_len).rv(), CKR_TEMPLATE_INCOMPLETE);
    Object wrong;
    wrong.SetUlong(CKA_KEY_TYPE, CKK_AES);
    wrong.SetUlong(CKA_VALUE_LEN, 32);
    EXPECT_EQ(gen->GenerateKey({}, wrong).rv(), CKR_TEMPLATE_INCONSISTENT);
    // The generated key signs with its HMAC.
    KeyMaterial k = symtest::SecretKey(
        g.key_type, Bytes(key.GetBytes(CKA_VALUE).begin(), key.GetBytes(CKA_VALUE).end()));
    EXPECT_TRUE(registry_.Find(g.hmac)->BeginSign({}, k).ok());
  }
}

}  // namespace
}  // namespace p11
