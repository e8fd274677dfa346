// The key encodings C_WrapKey / C_UnwrapKey carry (keys.h): a secret key's value, a private
// key's PKCS#8 PrivateKeyInfo. Round trips EncodeForWrap → DecodeUnwrapped for every key type,
// the RFC 8410 §10.3 Ed25519 example as a known answer, and what must be refused.
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "mechanisms/asym_test_util.h"
#include "mechanisms/asym_util.h"

namespace p11 {
namespace {

using asym_test::Bytes;
using asym_test::Hex;
using asym_test::KeyObject;
using asym_test::View;

Bytes Bits(ByteView v) { return Bytes(v.begin(), v.end()); }

class KeyWrapEncodingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterEc(registry_);
    RegisterEddsa(registry_);
    RegisterEcdh(registry_);
  }
  Object Generate(CK_MECHANISM_TYPE mechanism, CK_KEY_TYPE type, const Bytes& params) {
    Object pub = KeyObject(CKO_PUBLIC_KEY, type), priv = KeyObject(CKO_PRIVATE_KEY, type);
    pub.Set(CKA_EC_PARAMS, View(params));
    EXPECT_TRUE(registry_.Find(mechanism)->GenerateKeyPair({}, pub, priv).ok());
    return priv;
  }
  Registry registry_;
};

TEST_F(KeyWrapEncodingTest, SecretKeys) {
  Object aes = KeyObject(CKO_SECRET_KEY, CKK_AES);
  Bytes value = Hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  aes.Set(CKA_VALUE, View(value));
  auto encoded = EncodeForWrap(aes);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(Bits(encoded->view()), value);

  Object unwrapped = KeyObject(CKO_SECRET_KEY, CKK_AES);
  ASSERT_TRUE(DecodeUnwrapped(encoded->view(), unwrapped).ok());
  EXPECT_EQ(Bits(unwrapped.GetBytes(CKA_VALUE)), value);
  EXPECT_EQ(unwrapped.GetUlong(CKA_VALUE_LEN), 32u);

  // A padded encoding: CKA_VALUE_LEN says how much is key.
  Bytes padded = value;
  padded.resize(40, 0x08);
  Object with_len = KeyObject(CKO_SECRET_KEY, CKK_AES);
  with_len.SetUlong(CKA_VALUE_LEN, 32);
  ASSERT_TRUE(DecodeUnwrapped(View(padded), with_len).ok());
  EXPECT_EQ(Bits(with_len.GetBytes(CKA_VALUE)), value);

  Object bad_len = KeyObject(CKO_SECRET_KEY, CKK_AES);
  EXPECT_EQ(DecodeUnwrapped(View(Bytes(20, 1)), bad_len).rv(), CKR_WRAPPED_KEY_INVALID);
  Object generic = KeyObject(CKO_SECRET_KEY, CKK_GENERIC_SECRET);
  EXPECT_TRUE(DecodeUnwrapped(View(Bytes(20, 1)), generic).ok());
  Object empty = KeyObject(CKO_SECRET_KEY, CKK_GENERIC_SECRET);
  EXPECT_EQ(DecodeUnwrapped({}, empty).rv(), CKR_WRAPPED_KEY_INVALID);
}

TEST_F(KeyWrapEncodingTest, Rfc8410Ed25519Example) {
  Bytes pkcs8 =
      Hex("302e020100300506032b657004220420"
          "d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842");
  Object key = KeyObject(CKO_PRIVATE_KEY, CKK_EC_EDWARDS);
  ASSERT_TRUE(DecodeUnwrapped(View(pkcs8), key).ok());
  EXPECT_EQ(Bits(key.GetBytes(CKA_VALUE)),
            Hex("d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842"));
  EXPECT_EQ(Bits(key.GetBytes(CKA_EC_PARAMS)), Hex("06032b6570"));
  EXPECT_EQ(key.GetBytes(CKA_EC_POINT).size(), 34u);
  EXPECT_FALSE(key.GetBytes(CKA_PUBLIC_KEY_INFO).empty());
  auto encoded = EncodeForWrap(key);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(Bits(encoded->view()), pkcs8);
}

TEST_F(KeyWrapEncodingTest, CurveKeysRoundTrip) {
  struct Case {
    CK_MECHANISM_TYPE gen;
    CK_KEY_TYPE type;
    Bytes params;
    const char* ossl_name;
  } cases[] = {
      {CKM_EC_KEY_PAIR_GEN, CKK_EC, Hex("06082a8648ce3d030107"), "EC"},
      {CKM_EC_KEY_PAIR_GEN, CKK_EC, Hex("06052b81040023"), "EC"},
      {CKM_EC_KEY_PAIR_GEN, CKK_EC, Hex("06092b240303020801010b"), "EC"},
      {CKM_EC_KEY_PAIR_GEN, CKK_EC, Hex("06052b8104000a"), "EC"},
      {CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, Hex("06032b6570"), "ED25519"},
      {CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, Hex("06032b6571"), "ED448"},
      {CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKK_EC_MONTGOMERY, Hex("06032b656e"), "X25519"},
      {CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKK_EC_MONTGOMERY, Hex("06032b656f"), "X448"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::PrintToString(c.params));
    Object priv = Generate(c.gen, c.type, c.params);
    auto encoded = EncodeForWrap(priv);
    ASSERT_TRUE(encoded.ok()) << std::hex << encoded.rv();
    // What OpenSSL reads as a PrivateKeyInfo of the right algorithm.
    const unsigned char* p = encoded->data();
    ossl::UniquePtr<PKCS8_PRIV_KEY_INFO> p8(
        d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(encoded->size())));
    ASSERT_TRUE(p8);
    ossl::UniquePtr<EVP_PKEY> parsed(EVP_PKCS82PKEY(p8.get()));
    ASSERT_TRUE(parsed);
    EXPECT_TRUE(EVP_PKEY_is_a(parsed.get(), c.ossl_name));

    Object unwrapped = KeyObject(CKO_PRIVATE_KEY, c.type);
    ASSERT_TRUE(DecodeUnwrapped(encoded->view(), unwrapped).ok());
    for (CK_ATTRIBUTE_TYPE type : {CKA_EC_PARAMS, CKA_VALUE, CKA_EC_POINT, CKA_PUBLIC_KEY_INFO}) {
      EXPECT_EQ(Bits(unwrapped.GetBytes(type)), Bits(priv.GetBytes(type))) << type;
    }
  }
}

TEST_F(KeyWrapEncodingTest, TemplateCurveSpellingIsKept) {
  Object priv = Generate(CKM_EC_KEY_PAIR_GEN, CKK_EC, Hex("06082a8648ce3d030107"));
  auto encoded = EncodeForWrap(priv);
  ASSERT_TRUE(encoded.ok());
  Bytes by_name =
      Hex("130a7072696d6532353676"
          "31");  // "prime256v1"
  Object named = KeyObject(CKO_PRIVATE_KEY, CKK_EC);
  named.Set(CKA_EC_PARAMS, View(by_name));
  ASSERT_TRUE(DecodeUnwrapped(encoded->view(), named).ok());
  EXPECT_EQ(Bits(named.GetBytes(CKA_EC_PARAMS)), by_name);
  Object other_curve = KeyObject(CKO_PRIVATE_KEY, CKK_EC);
  other_curve.Set(CKA_EC_PARAMS, View(Hex("06052b81040022")));
  EXPECT_EQ(DecodeUnwrapped(encoded->view(), other_curve).rv(), CKR_TEMPLATE_INCONSISTENT);
}

TEST_F(KeyWrapEncodingTest, RsaRoundTrip) {
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  ASSERT_EQ(EVP_PKEY_keygen_init(ctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048), 1);
  EVP_PKEY* raw = nullptr;
  ASSERT_EQ(EVP_PKEY_generate(ctx.get(), &raw), 1);
  ossl::UniquePtr<EVP_PKEY> pkey(raw);
  struct {
    CK_ATTRIBUTE_TYPE type;
    const char* name;
  } params[] = {{CKA_MODULUS, OSSL_PKEY_PARAM_RSA_N},
                {CKA_PUBLIC_EXPONENT, OSSL_PKEY_PARAM_RSA_E},
                {CKA_PRIVATE_EXPONENT, OSSL_PKEY_PARAM_RSA_D},
                {CKA_PRIME_1, OSSL_PKEY_PARAM_RSA_FACTOR1},
                {CKA_PRIME_2, OSSL_PKEY_PARAM_RSA_FACTOR2},
                {CKA_EXPONENT_1, OSSL_PKEY_PARAM_RSA_EXPONENT1},
                {CKA_EXPONENT_2, OSSL_PKEY_PARAM_RSA_EXPONENT2},
                {CKA_COEFFICIENT, OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
  Object key = KeyObject(CKO_PRIVATE_KEY, CKK_RSA);
  for (const auto& p : params) {
    auto bn = asym::GetBnParam(pkey.get(), p.name);
    ASSERT_TRUE(bn);
    key.Set(p.type, asym::BnToBytes(bn.get()));
  }
  auto encoded = EncodeForWrap(key);
  ASSERT_TRUE(encoded.ok()) << std::hex << encoded.rv();
  Object unwrapped = KeyObject(CKO_PRIVATE_KEY, CKK_RSA);
  ASSERT_TRUE(DecodeUnwrapped(encoded->view(), unwrapped).ok());
  for (const auto& p : params) {
    EXPECT_EQ(Bits(unwrapped.GetBytes(p.type)), Bits(key.GetBytes(p.type))) << p.name;
  }
  EXPECT_FALSE(unwrapped.GetBytes(CKA_PUBLIC_KEY_INFO).empty());

  // An RSA key is not an EC key.
  Object wrong = KeyObject(CKO_PRIVATE_KEY, CKK_EC);
  EXPECT_EQ(DecodeUnwrapped(encoded->view(), wrong).rv(), CKR_TEMPLATE_INCONSISTENT);
}

TEST_F(KeyWrapEncodingTest, Refusals) {
  Object ed = Generate(CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, Hex("06032b6570"));
  auto encoded = EncodeForWrap(ed);
  ASSERT_TRUE(encoded.ok());
  Bytes der = Bits(encoded->view());

  Object montgomery = KeyObject(CKO_PRIVATE_KEY, CKK_EC_MONTGOMERY);
  EXPECT_EQ(DecodeUnwrapped(View(der), montgomery).rv(), CKR_TEMPLATE_INCONSISTENT);

  auto invalid = [](const Bytes& bytes) {
    Object key = KeyObject(CKO_PRIVATE_KEY, CKK_EC_EDWARDS);
    return DecodeUnwrapped(View(bytes), key).rv();
  };
  EXPECT_EQ(invalid(Hex("deadbeef")), CKR_WRAPPED_KEY_INVALID);
  EXPECT_EQ(invalid(Bytes(der.begin(), der.end() - 1)), CKR_WRAPPED_KEY_INVALID);
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(invalid(trailing), CKR_WRAPPED_KEY_INVALID);
  EXPECT_EQ(invalid({}), CKR_WRAPPED_KEY_INVALID);

  Object pub = KeyObject(CKO_PUBLIC_KEY, CKK_EC_EDWARDS);
  pub.Set(CKA_EC_PARAMS, View(Hex("06032b6570")));
  pub.Set(CKA_EC_POINT, ed.GetBytes(CKA_EC_POINT));
  EXPECT_EQ(EncodeForWrap(pub).rv(), CKR_KEY_NOT_WRAPPABLE);
  Object data = KeyObject(CKO_DATA, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(EncodeForWrap(data).rv(), CKR_KEY_NOT_WRAPPABLE);
  Object public_target = KeyObject(CKO_PUBLIC_KEY, CKK_EC_EDWARDS);
  EXPECT_EQ(DecodeUnwrapped(View(der), public_target).rv(), CKR_TEMPLATE_INCONSISTENT);
}

}  // namespace
}  // namespace p11
