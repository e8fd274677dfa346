// EC family: NIST CAVP and RFC 6979 ECDSA vectors, generated keys checked against OpenSSL
// directly, and the PKCS#11 rules of PKCS#11 3.1 §2.3 (r‖s signatures, DER CKA_EC_POINT).
#include <openssl/ec.h>

#include <set>

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

const Bytes kP256 = Hex("06082a8648ce3d030107");
const Bytes kP384 = Hex("06052b81040022");
const Bytes kP521 = Hex("06052b81040023");

Bytes Sha256(ByteView data) {
  Bytes out(32);
  EVP_Digest(data.data(), data.size(), out.data(), nullptr, EVP_sha256(), nullptr);
  return out;
}

Bytes DerPoint(const Bytes& raw) {
  Bytes out(raw.size() + 2);
  out[0] = 0x04;
  out[1] = static_cast<uint8_t>(raw.size());
  std::copy(raw.begin(), raw.end(), out.begin() + 2);
  return out;
}

Object P256Public(const asym_test::Record& r) {
  Object pub = KeyObject(CKO_PUBLIC_KEY, CKK_EC);
  pub.Set(CKA_EC_PARAMS, View(kP256));
  pub.Set(CKA_EC_POINT, View(DerPoint(Hex("04" + r.at("Qx") + r.at("Qy")))));
  return pub;
}

class EcTest : public RegistrySuite<RegisterEc> {
 protected:
  void Generate(const Bytes& params, Object& pub, Object& priv) {
    pub = KeyObject(CKO_PUBLIC_KEY, CKK_EC);
    priv = KeyObject(CKO_PRIVATE_KEY, CKK_EC);
    pub.Set(CKA_EC_PARAMS, View(params));
    ASSERT_TRUE(Mech(CKM_EC_KEY_PAIR_GEN).GenerateKeyPair({}, pub, priv).ok());
  }
};

TEST_F(EcTest, MechanismInfoFollowsTheTable) {
  const CK_MECHANISM_INFO& gen = Mech(CKM_EC_KEY_PAIR_GEN).info();
  EXPECT_EQ(gen.ulMinKeySize, 256u);
  EXPECT_EQ(gen.ulMaxKeySize, 521u);
  EXPECT_EQ(
      gen.flags & (CKF_GENERATE_KEY_PAIR | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS),
      CKF_GENERATE_KEY_PAIR | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS);
  EXPECT_EQ(Mech(CKM_EC_KEY_PAIR_GEN).GeneratedKeyType(), CKK_EC);
  for (CK_MECHANISM_TYPE t : {CKM_ECDSA, CKM_ECDSA_SHA1, CKM_ECDSA_SHA224, CKM_ECDSA_SHA256,
                              CKM_ECDSA_SHA384, CKM_ECDSA_SHA512}) {
    EXPECT_EQ(Mech(t).info().flags & (CKF_SIGN | CKF_VERIFY), CKF_SIGN | CKF_VERIFY);
    EXPECT_TRUE(Mech(t).AcceptsKeyType(CKK_EC));
    EXPECT_FALSE(Mech(t).AcceptsKeyType(CKK_RSA));
  }
}

TEST_F(EcTest, PublishedVectorsVerify) {
  auto records = asym_test::ReadRecords("ecdsa_p256_sha256.txt");
  ASSERT_EQ(records.size(), 5u);
  for (const auto& r : records) {
    auto pub = Material(P256Public(r));
    ASSERT_TRUE(pub);
    EXPECT_EQ(pub->size, 256u);
    Bytes msg = Hex(r.at("Msg"));
    Bytes sig = Hex(r.at("R") + r.at("S"));
    CK_RV expected = r.at("Result")[0] == 'P' ? CKR_OK : CKR_SIGNATURE_INVALID;
    EXPECT_EQ(asym_test::Verify(Mech(CKM_ECDSA_SHA256), {}, *pub, View(msg), View(sig)).rv(),
              expected)
        << r.at("Source");
    // CKM_ECDSA takes the hash.
    EXPECT_EQ(asym_test::Verify(Mech(CKM_ECDSA), {}, *pub, View(Sha256(View(msg))), View(sig)).rv(),
              expected);
  }
}

TEST_F(EcTest, Rfc6979PrivateKeyGivesThePublishedPointAndSigns) {
  auto records = asym_test::ReadRecords("ecdsa_p256_sha256.txt");
  const asym_test::Record& r = records[3];
  ASSERT_EQ(r.count("x"), 1u);
  Object priv = KeyObject(CKO_PRIVATE_KEY, CKK_EC);
  priv.Set(CKA_EC_PARAMS, View(kP256));
  priv.Set(CKA_VALUE, View(Hex(r.at("x"))));
  ASSERT_TRUE(CompleteKeyObject(priv).ok());
  Bytes expected_point = DerPoint(Hex("04" + r.at("Qx") + r.at("Qy")));
  EXPECT_TRUE(std::ranges::equal(priv.GetBytes(CKA_EC_POINT), expected_point));
  auto key = Material(priv);
  auto pub = Material(P256Public(r));
  Bytes msg = Hex(r.at("Msg"));
  auto sig = asym_test::Sign(Mech(CKM_ECDSA_SHA256), {}, *key, View(msg));
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_TRUE(asym_test::Verify(Mech(CKM_ECDSA_SHA256), {}, *pub, View(msg), View(*sig)).ok());
}

TEST_F(EcTest, GeneratedPairsHaveEveryAttributeAndInteroperate) {
  struct Curve {
    const Bytes& params;
    size_t order_bytes;
    CK_ULONG bits;
  } curves[] = {{kP256, 32, 256}, {kP384, 48, 384}, {kP521, 66, 521}};
  Bytes msg = Hex("6d657373616765");
  for (const Curve& c : curves) {
    Object pub, priv;
    Generate(c.params, pub, priv);
    ByteView point = pub.GetBytes(CKA_EC_POINT);
    size_t raw_len = 1 + 2 * c.order_bytes;  // field and order widths agree on these curves
    ASSERT_GE(point.size(), raw_len + 2);
    EXPECT_EQ(point[0], 0x04);                       // OCTET STRING …
    EXPECT_EQ(point[point.size() - raw_len], 0x04);  // … of an uncompressed point
    EXPECT_TRUE(std::ranges::equal(priv.GetBytes(CKA_EC_POINT), point));
    EXPECT_TRUE(std::ranges::equal(priv.GetBytes(CKA_EC_PARAMS), c.params));
    EXPECT_EQ(priv.GetBytes(CKA_VALUE).size(), c.order_bytes);
    EXPECT_TRUE(
        std::ranges::equal(priv.GetBytes(CKA_PUBLIC_KEY_INFO), pub.GetBytes(CKA_PUBLIC_KEY_INFO)));
    auto key = Material(priv);
    auto pub_key = Material(pub);
    EXPECT_EQ(key->size, c.bits);

    auto spki = asym_test::FromSpki(pub.GetBytes(CKA_PUBLIC_KEY_INFO));
    ASSERT_TRUE(spki);
    auto sig = asym_test::Sign(Mech(CKM_ECDSA_SHA384), {}, *key, View(msg));
    ASSERT_TRUE(sig.ok());
    EXPECT_EQ(sig->size(), 2 * c.order_bytes);
    Bytes der = RawToDer(*sig);
    ossl::UniquePtr<EVP_MD_CTX> v(EVP_MD_CTX_new());
    ASSERT_EQ(
        EVP_DigestVerifyInit_ex(v.get(), nullptr, "SHA384", nullptr, nullptr, spki.get(), nullptr),
        1);
    EXPECT_EQ(EVP_DigestVerify(v.get(), der.data(), der.size(), msg.data(), msg.size()), 1);

    ossl::UniquePtr<EVP_MD_CTX> s(EVP_MD_CTX_new());
    ASSERT_EQ(EVP_DigestSignInit_ex(s.get(), nullptr, "SHA384", nullptr, nullptr, key->pkey.get(),
                                    nullptr),
              1);
    Bytes theirs(200);
    size_t len = theirs.size();
    ASSERT_EQ(EVP_DigestSign(s.get(), theirs.data(), &len, msg.data(), msg.size()), 1);
    theirs.resize(len);
    Bytes raw = DerToRaw(theirs, c.order_bytes);
    EXPECT_TRUE(asym_test::Verify(Mech(CKM_ECDSA_SHA384), {}, *pub_key, View(msg), View(raw)).ok());
  }
}

TEST_F(EcTest, KeyPairGenerationTemplateRules) {
  const Mechanism& gen = Mech(CKM_EC_KEY_PAIR_GEN);
  auto generate = [&](std::optional<Bytes> params) {
    Object pub = KeyObject(CKO_PUBLIC_KEY, CKK_EC), priv = KeyObject(CKO_PRIVATE_KEY, CKK_EC);
    if (params) pub.Set(CKA_EC_PARAMS, View(*params));
    return gen.GenerateKeyPair({}, pub, priv).rv();
  };
  EXPECT_EQ(generate(std::nullopt), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(generate(Hex("06052b81040021")), CKR_CURVE_NOT_SUPPORTED);  // secp224r1
  EXPECT_EQ(generate(Hex("0605")), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(generate(Hex("1303616263")), CKR_CURVE_NOT_SUPPORTED);
  // PKCS#11 also names curves by PrintableString.
  EXPECT_EQ(generate(Hex("130a7072696d65323536763")), CKR_ATTRIBUTE_VALUE_INVALID);  // truncated
  EXPECT_EQ(generate(Hex("130a7072696d65323536763"
                         "1")),
            CKR_OK);  // prime256v1
  Object pub = KeyObject(CKO_PUBLIC_KEY, CKK_EC), priv = KeyObject(CKO_PRIVATE_KEY, CKK_EC);
  pub.Set(CKA_EC_PARAMS, View(kP256));
  priv.Set(CKA_EC_PARAMS, View(kP384));
  EXPECT_EQ(gen.GenerateKeyPair({}, pub, priv).rv(), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(gen.GenerateKeyPair(View(Bytes(2)), pub, pub).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(EcTest, LengthQueryAndShortBufferKeepTheOperation) {
  Object pub, priv;
  Generate(kP256, pub, priv);
  auto key = Material(priv);
  auto pub_key = Material(pub);
  Bytes hash(32, 0xab);
  auto op = Mech(CKM_ECDSA).BeginSign({}, *key);
  ASSERT_TRUE(op.ok());
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  EXPECT_EQ((*op)->Sign(View(hash), query).rv(), CKR_OK);
  EXPECT_EQ(len, 64u);
  Bytes sig(63);
  len = sig.size();
  OutBuffer small(sig.data(), &len);
  EXPECT_EQ((*op)->Sign(View(hash), small).rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 64u);
  sig.resize(64);
  OutBuffer out(sig.data(), &len);
  ASSERT_TRUE((*op)->Sign(View(hash), out).ok());
  EXPECT_TRUE(asym_test::Verify(Mech(CKM_ECDSA), {}, *pub_key, View(hash), View(sig)).ok());
}

TEST_F(EcTest, MultiPartAndRawRules) {
  Object pub, priv;
  Generate(kP256, pub, priv);
  auto key = Material(priv);
  auto pub_key = Material(pub);
  Bytes msg(500, 0x11);
  auto op = Mech(CKM_ECDSA_SHA256).BeginSign({}, *key);
  ASSERT_TRUE((*op)->Update(ByteView(msg).first(100)).ok());
  ASSERT_TRUE((*op)->Update(ByteView(msg).subspan(100)).ok());
  Bytes sig(64);
  CK_ULONG len = sig.size();
  OutBuffer out(sig.data(), &len);
  ASSERT_TRUE((*op)->Final(out).ok());
  EXPECT_TRUE(asym_test::Verify(Mech(CKM_ECDSA_SHA256), {}, *pub_key, View(msg), View(sig)).ok());
  // The same signature over SHA-256(msg) through raw ECDSA.
  EXPECT_TRUE(
      asym_test::Verify(Mech(CKM_ECDSA), {}, *pub_key, View(Sha256(View(msg))), View(sig)).ok());
  auto vop = Mech(CKM_ECDSA_SHA256).BeginVerify({}, *pub_key);
  ASSERT_TRUE((*vop)->Update(View(msg)).ok());
  EXPECT_TRUE((*vop)->Final(View(sig)).ok());

  auto raw = Mech(CKM_ECDSA).BeginSign({}, *key);
  EXPECT_EQ((*raw)->Update(View(msg)).rv(), CKR_FUNCTION_NOT_SUPPORTED);
  // A hash longer than the order is truncated (FIPS 186-4 §6.4), not refused.
  Bytes long_hash(64, 0x42);
  auto long_sig = asym_test::Sign(Mech(CKM_ECDSA), {}, *key, View(long_hash));
  ASSERT_TRUE(long_sig.ok());
  EXPECT_TRUE(
      asym_test::Verify(Mech(CKM_ECDSA), {}, *pub_key, View(long_hash), View(*long_sig)).ok());
  EXPECT_EQ(Mech(CKM_ECDSA).BeginSign(View(Bytes(1)), *key).rv(), CKR_MECHANISM_PARAM_INVALID);
}

// Raw ECDSA operations take a ready context from the key and give it back (KeyMaterial::
// contexts). Whatever context an operation gets, each signature must carry a fresh
// nonce and verify, two operations alive at once must not share one, and a verification that
// failed must not spoil the context for the next.
TEST_F(EcTest, RawEcdsaReusesTheKeysContextsSafely) {
  Object pub, priv;
  Generate(kP256, pub, priv);
  auto key = Material(priv);
  auto pub_key = Material(pub);
  ossl::UniquePtr<EVP_PKEY> openssl_pub = asym_test::FromSpki(pub.GetBytes(CKA_PUBLIC_KEY_INFO));
  ASSERT_NE(openssl_pub, nullptr);
  Bytes hash = Sha256(View(Hex("616263")));

  auto first = Mech(CKM_ECDSA).BeginSign({}, *key);
  auto second = Mech(CKM_ECDSA).BeginSign({}, *key);  // while the first is alive
  ASSERT_TRUE(first.ok() && second.ok());
  std::set<Bytes> seen;
  for (auto* op : {&*first, &*second}) {
    Bytes sig(64);
    CK_ULONG len = sig.size();
    OutBuffer out(sig.data(), &len);
    ASSERT_TRUE((*op)->Sign(View(hash), out).ok());
    seen.insert(sig);
  }
  first->reset();
  second->reset();
  ossl::UniquePtr<EVP_PKEY_CTX> pooled = key->contexts.signature().Take({true, 0});
  ASSERT_NE(pooled, nullptr) << "a finished raw ECDSA operation gives its context back";
  key->contexts.signature().Give({true, 0}, std::move(pooled));

  for (int i = 0; i < 16; ++i) {
    auto sig = asym_test::Sign(Mech(CKM_ECDSA), {}, *key, View(hash));
    ASSERT_TRUE(sig.ok());
    seen.insert(*sig);
    // Checked by OpenSSL directly, not through the operation under test.
    Bytes der = RawToDer(*sig);
    ossl::UniquePtr<EVP_PKEY_CTX> check(
        EVP_PKEY_CTX_new_from_pkey(nullptr, openssl_pub.get(), nullptr));
    ASSERT_EQ(EVP_PKEY_verify_init(check.get()), 1);
    EXPECT_EQ(EVP_PKEY_verify(check.get(), der.data(), der.size(), hash.data(), hash.size()), 1);

    Bytes tampered = *sig;
    tampered[i] ^= 0x80;
    EXPECT_EQ(asym_test::Verify(Mech(CKM_ECDSA), {}, *pub_key, View(hash), View(tampered)).rv(),
              CKR_SIGNATURE_INVALID);
    EXPECT_TRUE(asym_test::Verify(Mech(CKM_ECDSA), {}, *pub_key, View(hash), View(*sig)).ok());
  }
  EXPECT_EQ(seen.size(), 18u) << "every signature has its own nonce";
}

// Hash-and-sign operations start from a copy of a ready context the key keeps. Two of them
// fed alternately must stay independent, and every later one must still sign and verify.
TEST_F(EcTest, HashAndSignOperationsOverOneKeyStayIndependent) {
  Object pub, priv;
  Generate(kP256, pub, priv);
  auto key = Material(priv);
  auto pub_key = Material(pub);
  Bytes first_msg(300, 0x01), second_msg(300, 0x02);
  auto first = Mech(CKM_ECDSA_SHA256).BeginSign({}, *key);
  auto second = Mech(CKM_ECDSA_SHA256).BeginSign({}, *key);
  ASSERT_TRUE(first.ok() && second.ok());
  for (size_t at = 0; at < 300; at += 100) {
    ASSERT_TRUE((*first)->Update(ByteView(first_msg).subspan(at, 100)).ok());
    ASSERT_TRUE((*second)->Update(ByteView(second_msg).subspan(at, 100)).ok());
  }
  Bytes first_sig(64), second_sig(64);
  CK_ULONG len = 64;
  OutBuffer first_out(first_sig.data(), &len);
  ASSERT_TRUE((*first)->Final(first_out).ok());
  len = 64;
  OutBuffer second_out(second_sig.data(), &len);
  ASSERT_TRUE((*second)->Final(second_out).ok());
  EXPECT_TRUE(asym_test::Verify(Mech(CKM_ECDSA), {}, *pub_key, View(Sha256(View(first_msg))),
                                View(first_sig))
                  .ok());
  EXPECT_TRUE(asym_test::Verify(Mech(CKM_ECDSA), {}, *pub_key, View(Sha256(View(second_msg))),
                                View(second_sig))
                  .ok());

  for (int i = 0; i < 8; ++i) {
    Bytes msg(100 + i, static_cast<uint8_t>(i));
    auto sig = asym_test::Sign(Mech(CKM_ECDSA_SHA256), {}, *key, View(msg));
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(
        asym_test::Verify(Mech(CKM_ECDSA), {}, *pub_key, View(Sha256(View(msg))), View(*sig)).ok());
    Bytes other = msg;
    other[0] ^= 1;
    EXPECT_EQ(asym_test::Verify(Mech(CKM_ECDSA_SHA256), {}, *pub_key, View(other), View(*sig)).rv(),
              CKR_SIGNATURE_INVALID);
    EXPECT_TRUE(
        asym_test::Verify(Mech(CKM_ECDSA_SHA256), {}, *pub_key, View(msg), View(*sig)).ok());
  }
}

TEST_F(EcTest, VerifyErrorsAndKeyChecks) {
  Object pub, priv;
  Generate(kP384, pub, priv);
  auto key = Material(priv);
  auto pub_key = Material(pub);
  Bytes msg = Hex("61626364");
  auto sig = asym_test::Sign(Mech(CKM_ECDSA_SHA512), {}, *key, View(msg));
  ASSERT_TRUE(sig.ok());
  ASSERT_EQ(sig->size(), 96u);
  Bytes shorter(sig->begin(), sig->end() - 1);
  EXPECT_EQ(asym_test::Verify(Mech(CKM_ECDSA_SHA512), {}, *pub_key, View(msg), View(shorter)).rv(),
            CKR_SIGNATURE_LEN_RANGE);
  Bytes tampered = *sig;
  tampered[70] ^= 0x01;
  EXPECT_EQ(asym_test::Verify(Mech(CKM_ECDSA_SHA512), {}, *pub_key, View(msg), View(tampered)).rv(),
            CKR_SIGNATURE_INVALID);
  Bytes zeros(96, 0);
  EXPECT_EQ(asym_test::Verify(Mech(CKM_ECDSA_SHA512), {}, *pub_key, View(msg), View(zeros)).rv(),
            CKR_SIGNATURE_INVALID);
  EXPECT_EQ(Mech(CKM_ECDSA_SHA512).BeginSign({}, *pub_key).rv(), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_TRUE(Mech(CKM_ECDSA_SHA512).BeginVerify({}, *key).ok());
  KeyMaterial small;
  small.object_class = CKO_PRIVATE_KEY;
  small.key_type = CKK_EC;
  small.pkey = asym::ShareKey(*key);
  small.size = 224;
  EXPECT_EQ(Mech(CKM_ECDSA).BeginSign({}, small).rv(), CKR_KEY_SIZE_RANGE);
  small.key_type = CKK_RSA;
  EXPECT_EQ(Mech(CKM_ECDSA).BeginSign({}, small).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

}  // namespace
}  // namespace p11
