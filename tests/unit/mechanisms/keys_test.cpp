// Key conversion: MakeKeyMaterial and CompleteKeyObject on RSA, EC and secret key objects
// (PKCS#11 3.1 §2.1.2–2.1.3, §2.3.3–2.3.4, and the CKA_PUBLIC_KEY_INFO of §4.8).
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "mechanisms/asym_test_util.h"

namespace p11 {
namespace {

using asym_test::Bytes;
using asym_test::Hex;
using asym_test::KeyObject;
using asym_test::View;

const Bytes kP256 = Hex("06082a8648ce3d030107");

// The CAVP 1024-bit key of tests/data/asym (n, e = 3, d).
struct CavpKey {
  Bytes n, e, d, p, q;
};

CavpKey LoadCavpKey() {
  auto records = asym_test::ReadRecords("rsa_pkcs1v15_sigver_1024.txt");
  const auto& r = records.at(0);
  return {Hex(r.at("n")), Hex(r.at("e")), Hex(r.at("d")), Hex(r.at("p")), Hex(r.at("q"))};
}

Object RsaPublic(const Bytes& n, const Bytes& e) {
  Object key = KeyObject(CKO_PUBLIC_KEY, CKK_RSA);
  key.Set(CKA_MODULUS, View(n));
  key.Set(CKA_PUBLIC_EXPONENT, View(e));
  return key;
}

Object RsaPrivate(const Bytes& n, const Bytes& e, const Bytes& d) {
  Object key = RsaPublic(n, e);
  key.SetUlong(CKA_CLASS, CKO_PRIVATE_KEY);
  key.Set(CKA_PRIVATE_EXPONENT, View(d));
  return key;
}

Bytes Param(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1);
  Bytes out(BN_num_bytes(bn));
  BN_bn2bin(bn, out.data());
  BN_free(bn);
  return out;
}

ossl::UniquePtr<EVP_PKEY> GenerateWithOpenSsl(const char* type, int bits, const char* group) {
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EXPECT_EQ(EVP_PKEY_keygen_init(ctx.get()), 1);
  if (bits != 0) EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits);
  if (group != nullptr) EVP_PKEY_CTX_set_group_name(ctx.get(), group);
  EVP_PKEY* pkey = nullptr;
  EXPECT_EQ(EVP_PKEY_generate(ctx.get(), &pkey), 1);
  return ossl::UniquePtr<EVP_PKEY>(pkey);
}

TEST(KeysTest, SecretKeyMaterialAndValueLen) {
  Object key = KeyObject(CKO_SECRET_KEY, CKK_AES);
  Bytes value = Hex("000102030405060708090a0b0c0d0e0f");
  key.Set(CKA_VALUE, View(value));
  auto material = MakeKeyMaterial(key);
  ASSERT_TRUE(material.ok());
  EXPECT_TRUE((*material)->secret.Equals(View(value)));
  EXPECT_EQ((*material)->size, 16u);
  EXPECT_EQ((*material)->object_class, CKO_SECRET_KEY);
  EXPECT_EQ((*material)->key_type, CKK_AES);
  ASSERT_TRUE(CompleteKeyObject(key).ok());
  EXPECT_EQ(key.GetUlong(CKA_VALUE_LEN), 16u);
  key.SetUlong(CKA_VALUE_LEN, 32);
  EXPECT_EQ(CompleteKeyObject(key).rv(), CKR_TEMPLATE_INCONSISTENT);
  Object empty = KeyObject(CKO_SECRET_KEY, CKK_GENERIC_SECRET);
  EXPECT_EQ(CompleteKeyObject(empty).rv(), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(MakeKeyMaterial(empty).rv(), CKR_TEMPLATE_INCOMPLETE);
}

TEST(KeysTest, RsaPublicKeyGetsModulusBitsAndSpki) {
  CavpKey k = LoadCavpKey();
  Object key = RsaPublic(k.n, k.e);
  const Object given = key;
  ASSERT_TRUE(CompleteKeyObject(key).ok());
  EXPECT_EQ(key.GetUlong(CKA_MODULUS_BITS), 1024u);
  auto spki = asym_test::FromSpki(key.GetBytes(CKA_PUBLIC_KEY_INFO));
  ASSERT_TRUE(spki);
  EXPECT_EQ(Param(spki.get(), OSSL_PKEY_PARAM_RSA_N), k.n);
  EXPECT_EQ(Param(spki.get(), OSSL_PKEY_PARAM_RSA_E), Hex("03"));
  for (const auto& [type, value] : given.attributes()) {
    EXPECT_TRUE(std::ranges::equal(*key.Get(type), value)) << type;
  }

  auto material = MakeKeyMaterial(key);
  ASSERT_TRUE(material.ok());
  EXPECT_EQ((*material)->size, 1024u);
  EXPECT_EQ((*material)->object_class, CKO_PUBLIC_KEY);
  EXPECT_EQ((*material)->key_type, CKK_RSA);
}

TEST(KeysTest, RsaCallerValuesMustAgreeWithTheKey) {
  CavpKey k = LoadCavpKey();
  Object key = RsaPublic(k.n, k.e);
  key.SetUlong(CKA_MODULUS_BITS, 2048);
  EXPECT_EQ(CompleteKeyObject(key).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  Object with_info = RsaPublic(k.n, k.e);
  with_info.Set(CKA_PUBLIC_KEY_INFO, View(Hex("3000")));
  EXPECT_EQ(CompleteKeyObject(with_info).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  // Empty is the attribute's default: it is filled in.
  with_info.Set(CKA_PUBLIC_KEY_INFO, ByteView());
  ASSERT_TRUE(CompleteKeyObject(with_info).ok());
  EXPECT_FALSE(with_info.GetBytes(CKA_PUBLIC_KEY_INFO).empty());
}

TEST(KeysTest, RsaMissingAndInvalidValues) {
  CavpKey k = LoadCavpKey();
  Object no_e = KeyObject(CKO_PUBLIC_KEY, CKK_RSA);
  no_e.Set(CKA_MODULUS, View(k.n));
  EXPECT_EQ(CompleteKeyObject(no_e).rv(), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(MakeKeyMaterial(no_e).rv(), CKR_TEMPLATE_INCOMPLETE);
  Object no_d = RsaPublic(k.n, k.e);
  no_d.SetUlong(CKA_CLASS, CKO_PRIVATE_KEY);
  EXPECT_EQ(CompleteKeyObject(no_d).rv(), CKR_TEMPLATE_INCOMPLETE);
  Bytes even_n = k.n;
  even_n.back() &= 0xfe;
  Object even = RsaPublic(even_n, k.e);
  EXPECT_EQ(CompleteKeyObject(even).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  Object empty_e = RsaPublic(k.n, Bytes());
  EXPECT_EQ(CompleteKeyObject(empty_e).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(KeysTest, RsaPrivateKeyIsCheckedForConsistency) {
  CavpKey k = LoadCavpKey();
  Object good = RsaPrivate(k.n, k.e, k.d);
  ASSERT_TRUE(CompleteKeyObject(good).ok());
  EXPECT_FALSE(good.Has(CKA_MODULUS_BITS));  // a public-key attribute
  EXPECT_FALSE(good.GetBytes(CKA_PUBLIC_KEY_INFO).empty());

  // d of another key on this modulus: not a key.
  auto other = GenerateWithOpenSsl("RSA", 1024, nullptr);
  Object mismatched = RsaPrivate(k.n, k.e, Param(other.get(), OSSL_PKEY_PARAM_RSA_D));
  EXPECT_EQ(CompleteKeyObject(mismatched).rv(), CKR_ATTRIBUTE_VALUE_INVALID);

  // A full CRT key whose d belongs to another key.
  auto a = GenerateWithOpenSsl("RSA", 1024, nullptr);
  Object crt =
      RsaPrivate(Param(a.get(), OSSL_PKEY_PARAM_RSA_N), Param(a.get(), OSSL_PKEY_PARAM_RSA_E),
                 Param(a.get(), OSSL_PKEY_PARAM_RSA_D));
  crt.Set(CKA_PRIME_1, View(Param(a.get(), OSSL_PKEY_PARAM_RSA_FACTOR1)));
  crt.Set(CKA_PRIME_2, View(Param(a.get(), OSSL_PKEY_PARAM_RSA_FACTOR2)));
  crt.Set(CKA_EXPONENT_1, View(Param(a.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1)));
  crt.Set(CKA_EXPONENT_2, View(Param(a.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2)));
  crt.Set(CKA_COEFFICIENT, View(Param(a.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1)));
  Object crt_ok = crt;
  EXPECT_TRUE(CompleteKeyObject(crt_ok).ok());
  crt.Set(CKA_PRIVATE_EXPONENT, View(Param(other.get(), OSSL_PKEY_PARAM_RSA_D)));
  EXPECT_EQ(CompleteKeyObject(crt).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(KeysTest, EcPublicPointFormsAndOffCurveRejection) {
  auto records = asym_test::ReadRecords("ecdsa_p256_sha256.txt");
  Bytes raw = Hex("04" + records[0].at("Qx") + records[0].at("Qy"));
  Bytes der = {0x04, 0x41};
  der.insert(der.end(), raw.begin(), raw.end());
  for (const Bytes& point : {der, raw}) {
    Object key = KeyObject(CKO_PUBLIC_KEY, CKK_EC);
    key.Set(CKA_EC_PARAMS, View(kP256));
    key.Set(CKA_EC_POINT, View(point));
    ASSERT_TRUE(CompleteKeyObject(key).ok());
    EXPECT_TRUE(std::ranges::equal(key.GetBytes(CKA_EC_POINT), point));  // left as given
    auto spki = asym_test::FromSpki(key.GetBytes(CKA_PUBLIC_KEY_INFO));
    ASSERT_TRUE(spki);
    auto material = MakeKeyMaterial(key);
    ASSERT_TRUE(material.ok());
    EXPECT_EQ((*material)->size, 256u);
    EXPECT_EQ(EVP_PKEY_eq(spki.get(), (*material)->pkey.get()), 1);
  }
  Bytes off = der;
  off.back() ^= 0x01;
  Object key = KeyObject(CKO_PUBLIC_KEY, CKK_EC);
  key.Set(CKA_EC_PARAMS, View(kP256));
  key.Set(CKA_EC_POINT, View(off));
  EXPECT_EQ(CompleteKeyObject(key).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  key.Set(CKA_EC_PARAMS, View(Hex("06052b81040022")));  // P-384 with a P-256 point
  key.Set(CKA_EC_POINT, View(der));
  EXPECT_EQ(CompleteKeyObject(key).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  key.Erase(CKA_EC_POINT);
  EXPECT_EQ(CompleteKeyObject(key).rv(), CKR_TEMPLATE_INCOMPLETE);
  key.Set(CKA_EC_PARAMS, View(Hex("06052b81040021")));
  key.Set(CKA_EC_POINT, View(der));
  EXPECT_EQ(CompleteKeyObject(key).rv(), CKR_CURVE_NOT_SUPPORTED);
}

TEST(KeysTest, EcPrivateKeyGetsItsPointAndRejectsBadScalars) {
  auto ossl_key = GenerateWithOpenSsl("EC", 0, "prime256v1");
  Bytes scalar(32);
  BIGNUM* priv = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(ossl_key.get(), OSSL_PKEY_PARAM_PRIV_KEY, &priv), 1);
  BN_bn2binpad(priv, scalar.data(), 32);
  BN_clear_free(priv);
  Bytes point(65);
  size_t point_len = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(ossl_key.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                            point.size(), &point_len),
            1);
  Object key = KeyObject(CKO_PRIVATE_KEY, CKK_EC);
  key.Set(CKA_EC_PARAMS, View(kP256));
  key.Set(CKA_VALUE, View(scalar));
  ASSERT_TRUE(CompleteKeyObject(key).ok());
  Bytes expected = {0x04, 0x41};
  expected.insert(expected.end(), point.begin(), point.end());
  EXPECT_TRUE(std::ranges::equal(key.GetBytes(CKA_EC_POINT), expected));
  EXPECT_TRUE(std::ranges::equal(key.GetBytes(CKA_VALUE), scalar));
  auto spki = asym_test::FromSpki(key.GetBytes(CKA_PUBLIC_KEY_INFO));
  ASSERT_TRUE(spki);
  EXPECT_EQ(EVP_PKEY_eq(spki.get(), ossl_key.get()), 1);

  Object wrong_point = key;
  Bytes other = expected;
  other[10] ^= 1;
  wrong_point.Set(CKA_EC_POINT, View(other));
  EXPECT_EQ(CompleteKeyObject(wrong_point).rv(), CKR_ATTRIBUTE_VALUE_INVALID);

  // The P-256 group order n: scalars must lie in [1, n-1].
  Bytes order = Hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  for (const Bytes& bad : {Bytes(32, 0), order, Bytes(33, 1)}) {
    Object k = KeyObject(CKO_PRIVATE_KEY, CKK_EC);
    k.Set(CKA_EC_PARAMS, View(kP256));
    k.Set(CKA_VALUE, View(bad));
    EXPECT_EQ(CompleteKeyObject(k).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  }
  Object missing = KeyObject(CKO_PRIVATE_KEY, CKK_EC);
  missing.Set(CKA_EC_PARAMS, View(kP256));
  EXPECT_EQ(CompleteKeyObject(missing).rv(), CKR_TEMPLATE_INCOMPLETE);
}

TEST(KeysTest, MakeKeyMaterialRejectsWhatItCannotUse) {
  Object data;
  data.SetUlong(CKA_CLASS, CKO_DATA);
  EXPECT_EQ(MakeKeyMaterial(data).rv(), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_TRUE(CompleteKeyObject(data).ok());
  Object dsa = KeyObject(CKO_PUBLIC_KEY, CKK_DSA);
  EXPECT_EQ(MakeKeyMaterial(dsa).rv(), CKR_KEY_TYPE_INCONSISTENT);
  Object bad_curve = KeyObject(CKO_PUBLIC_KEY, CKK_EC);
  bad_curve.Set(CKA_EC_PARAMS, View(Hex("0101")));
  bad_curve.Set(CKA_EC_POINT, View(Hex("0401")));
  EXPECT_EQ(MakeKeyMaterial(bad_curve).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

}  // namespace
}  // namespace p11
