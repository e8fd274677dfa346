// The curves beyond NIST's for CKK_EC keys (secp256k1, brainpoolP256r1/P384r1/P512r1):
// CKA_EC_PARAMS by OID and by name, key generation, ECDSA round trips with OpenSSL (r‖s of
// the order's width), import of OpenSSL keys, and the mechanism information.
#include <openssl/core_names.h>
#include <openssl/ec.h>

#include "mechanisms/asym_test_util.h"
#include "mechanisms/asym_util.h"
#include "registry_suite.h"

namespace p11 {
namespace {

using asym_test::Bytes;
using asym_test::DerToRaw;
using asym_test::Hex;
using asym_test::KeyObject;
using asym_test::Material;
using asym_test::RawToDer;
using asym_test::View;

struct CurveCase {
  const char* group;
  Bytes oid;
  std::string name;
  size_t order_bytes;
};

Bytes PrintableString(const std::string& s) {
  Bytes out{0x13, static_cast<uint8_t>(s.size())};
  out.resize(2 + s.size());
  std::copy(s.begin(), s.end(), out.begin() + 2);
  return out;
}

std::vector<CurveCase> NewCurves() {
  return {{"secp256k1", Hex("06052b8104000a"), "secp256k1", 32},
          {"brainpoolP256r1", Hex("06092b2403030208010107"), "brainpoolP256r1", 32},
          {"brainpoolP384r1", Hex("06092b240303020801010b"), "brainpoolP384r1", 48},
          {"brainpoolP512r1", Hex("06092b240303020801010d"), "brainpoolP512r1", 64}};
}

using EcCurvesTest = RegistrySuite<RegisterEc>;

TEST_F(EcCurvesTest, MechanismInfoCoversTheCurves) {
  for (CK_MECHANISM_TYPE type : {CKM_EC_KEY_PAIR_GEN, CKM_ECDSA, CKM_ECDSA_SHA256}) {
    const CK_MECHANISM_INFO& info = Mech(type).info();
    EXPECT_EQ(info.ulMinKeySize, 256u);
    EXPECT_EQ(info.ulMaxKeySize, 521u);
    EXPECT_NE(info.flags & CKF_EC_OID, 0u);
    EXPECT_NE(info.flags & CKF_EC_CURVENAME, 0u);
  }
}

TEST_F(EcCurvesTest, GenerateSignAndVerifyWithOpenSsl) {
  Bytes message = Hex("616263");
  for (const CurveCase& c : NewCurves()) {
    for (const Bytes& params : {c.oid, PrintableString(c.name)}) {
      SCOPED_TRACE(c.name);
      Object pub = KeyObject(CKO_PUBLIC_KEY, CKK_EC);
      Object priv = KeyObject(CKO_PRIVATE_KEY, CKK_EC);
      pub.Set(CKA_EC_PARAMS, View(params));
      ASSERT_TRUE(Mech(CKM_EC_KEY_PAIR_GEN).GenerateKeyPair({}, pub, priv).ok());
      EXPECT_EQ(priv.GetBytes(CKA_VALUE).size(), c.order_bytes);
      EXPECT_TRUE(std::ranges::equal(priv.GetBytes(CKA_EC_PARAMS), params));
      auto spki = asym_test::FromSpki(pub.GetBytes(CKA_PUBLIC_KEY_INFO));
      ASSERT_TRUE(spki);
      char group[64] = {};
      ASSERT_EQ(EVP_PKEY_get_utf8_string_param(spki.get(), OSSL_PKEY_PARAM_GROUP_NAME, group,
                                               sizeof group, nullptr),
                1);
      EXPECT_STREQ(group, c.group);

      auto priv_material = Material(priv);
      auto pub_material = Material(pub);
      ASSERT_TRUE(priv_material && pub_material);
      auto sig = asym_test::Sign(Mech(CKM_ECDSA_SHA256), {}, *priv_material, View(message));
      ASSERT_TRUE(sig.ok()) << std::hex << sig.rv();
      ASSERT_EQ(sig->size(), 2 * c.order_bytes);
      Bytes der = RawToDer(*sig);
      ossl::UniquePtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
      ASSERT_EQ(EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, spki.get()), 1);
      EXPECT_EQ(EVP_DigestVerify(md.get(), der.data(), der.size(), message.data(), message.size()),
                1);
      EXPECT_TRUE(
          asym_test::Verify(Mech(CKM_ECDSA_SHA256), {}, *pub_material, View(message), View(*sig))
              .ok());
      Bytes bad = *sig;
      bad[3] ^= 0x10;
      EXPECT_EQ(
          asym_test::Verify(Mech(CKM_ECDSA_SHA256), {}, *pub_material, View(message), View(bad))
              .rv(),
          CKR_SIGNATURE_INVALID);
    }
  }
}

// Keys made by OpenSSL, imported by value: the token computes the same point and verifies
// OpenSSL's signatures.
TEST_F(EcCurvesTest, ImportOpenSslKeys) {
  Bytes hash(32, 0xab);
  for (const CurveCase& c : NewCurves()) {
    SCOPED_TRACE(c.name);
    ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    ASSERT_EQ(EVP_PKEY_keygen_init(ctx.get()), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_group_name(ctx.get(), c.group), 1);
    EVP_PKEY* raw = nullptr;
    ASSERT_EQ(EVP_PKEY_generate(ctx.get(), &raw), 1);
    ossl::UniquePtr<EVP_PKEY> pkey(raw);
    BIGNUM* d = nullptr;
    ASSERT_EQ(EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d), 1);
    Bytes scalar(c.order_bytes);
    BN_bn2binpad(d, scalar.data(), scalar.size());
    BN_clear_free(d);
    uint8_t point[200];
    size_t point_len = 0;
    ASSERT_EQ(EVP_PKEY_get_octet_string_param(pkey.get(), OSSL_PKEY_PARAM_PUB_KEY, point,
                                              sizeof point, &point_len),
              1);

    Object priv = KeyObject(CKO_PRIVATE_KEY, CKK_EC);
    priv.Set(CKA_EC_PARAMS, View(c.oid));
    priv.Set(CKA_VALUE, View(scalar));
    ASSERT_TRUE(CompleteKeyObject(priv).ok());
    ByteView ec_point = priv.GetBytes(CKA_EC_POINT);
    std::optional<ByteView> inner = asym::ParseDerOctetString(ec_point);
    ASSERT_TRUE(inner.has_value());
    EXPECT_TRUE(std::ranges::equal(*inner, ByteView(point, point_len)));

    // OpenSSL signs, the token verifies through the imported public key.
    ossl::UniquePtr<EVP_PKEY_CTX> sctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    ASSERT_EQ(EVP_PKEY_sign_init(sctx.get()), 1);
    Bytes der(200);
    size_t der_len = der.size();
    ASSERT_EQ(EVP_PKEY_sign(sctx.get(), der.data(), &der_len, hash.data(), hash.size()), 1);
    der.resize(der_len);
    Object pub = KeyObject(CKO_PUBLIC_KEY, CKK_EC);
    pub.Set(CKA_EC_PARAMS, View(PrintableString(c.name)));
    pub.Set(CKA_EC_POINT, ec_point);
    auto pub_material = Material(pub);
    ASSERT_NE(pub_material, nullptr);
    EXPECT_EQ(pub_material->size, c.order_bytes * 8);
    EXPECT_TRUE(asym_test::Verify(Mech(CKM_ECDSA), {}, *pub_material, View(hash),
                                  View(DerToRaw(der, c.order_bytes)))
                    .ok());
  }
}

TEST_F(EcCurvesTest, UnknownCurvesStillRefused) {
  Object pub = KeyObject(CKO_PUBLIC_KEY, CKK_EC);
  Object priv = KeyObject(CKO_PRIVATE_KEY, CKK_EC);
  pub.Set(CKA_EC_PARAMS, View(Hex("06092b2403030208010109")));  // brainpoolP320r1
  EXPECT_EQ(Mech(CKM_EC_KEY_PAIR_GEN).GenerateKeyPair({}, pub, priv).rv(), CKR_CURVE_NOT_SUPPORTED);
  pub.Set(CKA_EC_PARAMS, View(PrintableString("brainpoolP256t1")));
  EXPECT_EQ(Mech(CKM_EC_KEY_PAIR_GEN).GenerateKeyPair({}, pub, priv).rv(), CKR_CURVE_NOT_SUPPORTED);
  pub.Set(CKA_EC_PARAMS, View(Hex("06032b6570")));  // Ed25519 is not a CKK_EC curve
  EXPECT_EQ(Mech(CKM_EC_KEY_PAIR_GEN).GenerateKeyPair({}, pub, priv).rv(), CKR_CURVE_NOT_SUPPORTED);
}

}  // namespace
}  // namespace p11
