// EdDSA family: RFC 8032 known answers (tests/data/eddsa), Edwards key generation checked
// against OpenSSL directly, CKA_EC_PARAMS in both spellings, and the PKCS#11 rules of
// PKCS#11 3.1 §2.3.14 (single-part, CK_EDDSA_PARAMS, signature lengths).
#include "mechanisms/asym_test_util.h"
#include "mechanisms/asym_util.h"
#include "registry_suite.h"

namespace p11 {
namespace {

using asym_test::Bytes;
using asym_test::Hex;
using asym_test::KeyObject;
using asym_test::Material;
using asym_test::ParamBytes;
using asym_test::View;

const Bytes kEd25519Oid = Hex("06032b6570");
const Bytes kEd448Oid = Hex("06032b6571");
// DER PrintableString "edwards25519" / "edwards448".
const Bytes kEd25519Name = Hex("130c656477617264733235353139");
const Bytes kEd448Name = Hex("130a65647761726473343438");

std::string Field(const asym_test::Record& r, const std::string& key) {
  auto it = r.find(key);
  return it == r.end() ? "" : it->second;
}

Bytes DerOctets(const Bytes& raw) {
  Bytes out(raw.size() + 2);
  out[0] = 0x04;
  out[1] = static_cast<uint8_t>(raw.size());
  std::copy(raw.begin(), raw.end(), out.begin() + 2);
  return out;
}

Object EdPrivate(const Bytes& params, const Bytes& secret) {
  Object key = KeyObject(CKO_PRIVATE_KEY, CKK_EC_EDWARDS);
  key.Set(CKA_EC_PARAMS, View(params));
  key.Set(CKA_VALUE, View(secret));
  return key;
}

Object EdPublic(const Bytes& params, const Bytes& point) {
  Object key = KeyObject(CKO_PUBLIC_KEY, CKK_EC_EDWARDS);
  key.Set(CKA_EC_PARAMS, View(params));
  key.Set(CKA_EC_POINT, View(point));
  return key;
}

Bytes Bits(ByteView v) { return Bytes(v.begin(), v.end()); }

class EddsaTest : public RegistrySuite<RegisterEddsa> {
 protected:
  const Mechanism& Eddsa() { return Mech(CKM_EDDSA); }
  void Generate(const Bytes& params, Object& pub, Object& priv) {
    pub = KeyObject(CKO_PUBLIC_KEY, CKK_EC_EDWARDS);
    priv = KeyObject(CKO_PRIVATE_KEY, CKK_EC_EDWARDS);
    pub.Set(CKA_EC_PARAMS, View(params));
    ASSERT_TRUE(Mech(CKM_EC_EDWARDS_KEY_PAIR_GEN).GenerateKeyPair({}, pub, priv).ok());
  }
};

TEST_F(EddsaTest, NameConstantsAreDerPrintableStrings) {
  EXPECT_EQ(kEd25519Name.size(), 14u);
  EXPECT_EQ(Bytes(kEd25519Name.begin() + 2, kEd25519Name.end()),
            Bytes(AsBytes("edwards25519").begin(), AsBytes("edwards25519").end()));
}

TEST_F(EddsaTest, MechanismInfo) {
  const CK_MECHANISM_INFO& gen = Mech(CKM_EC_EDWARDS_KEY_PAIR_GEN).info();
  EXPECT_EQ(gen.ulMinKeySize, 255u);
  EXPECT_EQ(gen.ulMaxKeySize, 448u);
  EXPECT_EQ(gen.flags & (CKF_GENERATE_KEY_PAIR | CKF_EC_OID | CKF_EC_CURVENAME),
            CKF_GENERATE_KEY_PAIR | CKF_EC_OID | CKF_EC_CURVENAME);
  const CK_MECHANISM_INFO& sig = Eddsa().info();
  EXPECT_EQ(sig.flags & (CKF_SIGN | CKF_VERIFY), CKF_SIGN | CKF_VERIFY);
  EXPECT_EQ(sig.flags & (CKF_DERIVE | CKF_ENCRYPT), 0u);
  EXPECT_EQ(Mech(CKM_EC_EDWARDS_KEY_PAIR_GEN).GeneratedKeyType(), CKK_EC_EDWARDS);
  EXPECT_TRUE(Eddsa().AcceptsKeyType(CKK_EC_EDWARDS));
  EXPECT_FALSE(Eddsa().AcceptsKeyType(CKK_EC));
  EXPECT_FALSE(Eddsa().AcceptsKeyType(CKK_EC_MONTGOMERY));
}

// Deterministic: the token's signature must equal the RFC's, byte for byte.
TEST_F(EddsaTest, Rfc8032KnownAnswers) {
  auto records = asym_test::ReadRecords("../eddsa/rfc8032_pure.txt");
  ASSERT_EQ(records.size(), 5u);
  for (const auto& r : records) {
    SCOPED_TRACE(r.at("secret"));
    bool ed448 = r.at("curve") == "Ed448";
    const Bytes& oid = ed448 ? kEd448Oid : kEd25519Oid;
    Bytes secret = Hex(r.at("secret")), public_key = Hex(r.at("public"));
    Bytes message = Hex(Field(r, "message")), expected = Hex(r.at("signature"));

    Object priv = EdPrivate(oid, secret);
    ASSERT_TRUE(CompleteKeyObject(priv).ok());
    EXPECT_EQ(Bits(*priv.Get(CKA_EC_POINT)), DerOctets(public_key));
    auto priv_material = Material(priv);
    ASSERT_NE(priv_material, nullptr);
    EXPECT_EQ(priv_material->size, ed448 ? 448u : 255u);
    auto sig = asym_test::Sign(Eddsa(), {}, *priv_material, View(message));
    ASSERT_TRUE(sig.ok()) << std::hex << sig.rv();
    EXPECT_EQ(*sig, expected);

    // The public key as OpenSC writes it (DER) and as the specification describes it (raw).
    for (const Bytes& point : {DerOctets(public_key), public_key}) {
      Object pub = EdPublic(oid, point);
      ASSERT_TRUE(CompleteKeyObject(pub).ok());
      auto pub_material = Material(pub);
      ASSERT_NE(pub_material, nullptr);
      EXPECT_TRUE(
          asym_test::Verify(Eddsa(), {}, *pub_material, View(message), View(expected)).ok());
      Bytes tampered = expected;
      tampered[5] ^= 0x01;
      EXPECT_EQ(asym_test::Verify(Eddsa(), {}, *pub_material, View(message), View(tampered)).rv(),
                CKR_SIGNATURE_INVALID);
      Bytes other = message;
      other.push_back(0x00);
      EXPECT_EQ(asym_test::Verify(Eddsa(), {}, *pub_material, View(other), View(expected)).rv(),
                CKR_SIGNATURE_INVALID);
      Bytes shorter(expected.begin(), expected.end() - 1);
      EXPECT_EQ(asym_test::Verify(Eddsa(), {}, *pub_material, View(message), View(shorter)).rv(),
                CKR_SIGNATURE_LEN_RANGE);
    }
  }
}

// Pure Ed448 is Ed448 with an empty context: CK_EDDSA_PARAMS{FALSE, 0, NULL} asks for it.
TEST_F(EddsaTest, Ed448EmptyContextParamsIsPure) {
  auto records = asym_test::ReadRecords("../eddsa/rfc8032_pure.txt");
  const auto& r = records.at(4);
  auto material = Material(EdPrivate(kEd448Oid, Hex(r.at("secret"))));
  ASSERT_NE(material, nullptr);
  CK_EDDSA_PARAMS params{CK_FALSE, 0, nullptr};
  Bytes message = Hex(r.at("message"));
  auto sig = asym_test::Sign(Eddsa(), ParamBytes(params), *material, View(message));
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(*sig, Hex(r.at("signature")));
}

CK_EDDSA_PARAMS EddsaParams(bool prehash, const Bytes& context) {
  return CK_EDDSA_PARAMS{static_cast<CK_BBOOL>(prehash ? CK_TRUE : CK_FALSE),
                         static_cast<CK_ULONG>(context.size()),
                         context.empty() ? nullptr : const_cast<uint8_t*>(context.data())};
}

// Ed25519ctx, Ed25519ph, Ed448 with a context and Ed448ph, selected by CK_EDDSA_PARAMS: the
// RFC's signatures byte for byte, and each verifies only as the instance that made it.
TEST_F(EddsaTest, Rfc8032PrefixedInstancesKnownAnswers) {
  auto records = asym_test::ReadRecords("../eddsa/rfc8032_prefixed.txt");
  ASSERT_EQ(records.size(), 8u);
  for (const auto& r : records) {
    SCOPED_TRACE(r.at("signature").substr(0, 16));
    bool ed448 = r.at("curve") == "Ed448";
    const Bytes& oid = ed448 ? kEd448Oid : kEd25519Oid;
    bool prehash = r.at("prehash") == "1";
    Bytes context = Hex(Field(r, "context"));
    Bytes message = Hex(Field(r, "message")), expected = Hex(r.at("signature"));
    CK_EDDSA_PARAMS params = EddsaParams(prehash, context);

    auto priv = Material(EdPrivate(oid, Hex(r.at("secret"))));
    ASSERT_NE(priv, nullptr);
    auto sig = asym_test::Sign(Eddsa(), ParamBytes(params), *priv, View(message));
    ASSERT_TRUE(sig.ok()) << std::hex << sig.rv();
    EXPECT_EQ(*sig, expected);

    auto pub = Material(EdPublic(oid, Hex(r.at("public"))));
    ASSERT_NE(pub, nullptr);
    auto verify = [&](const CK_EDDSA_PARAMS& p, const Bytes& msg, const Bytes& signature) {
      return asym_test::Verify(Eddsa(), ParamBytes(p), *pub, View(msg), View(signature)).rv();
    };
    EXPECT_EQ(verify(params, message, expected), CKR_OK);
    Bytes tampered = expected;
    tampered[expected.size() - 3] ^= 0x01;
    EXPECT_EQ(verify(params, message, tampered), CKR_SIGNATURE_INVALID);
    Bytes other_message = message;
    other_message.push_back(0x00);
    EXPECT_EQ(verify(params, other_message, expected), CKR_SIGNATURE_INVALID);
    Bytes other_context = context;
    other_context.push_back('!');
    EXPECT_EQ(verify(EddsaParams(prehash, other_context), message, expected),
              CKR_SIGNATURE_INVALID);
    EXPECT_EQ(verify(EddsaParams(!prehash, other_context), message, expected),
              CKR_SIGNATURE_INVALID);
    EXPECT_EQ(asym_test::Verify(Eddsa(), {}, *pub, View(message), View(expected)).rv(),
              CKR_SIGNATURE_INVALID)
        << "a prefixed signature verified as pure EdDSA";
    Bytes shorter(expected.begin(), expected.end() - 1);
    EXPECT_EQ(verify(params, message, shorter), CKR_SIGNATURE_LEN_RANGE);
  }
}

// Ed25519ph with a context has no RFC vector: it round-trips, and the context is bound.
TEST_F(EddsaTest, Ed25519phWithContextBindsTheContext) {
  auto priv = Material(EdPrivate(kEd25519Oid, Bytes(32, 0x5a)));
  ASSERT_NE(priv, nullptr);
  Bytes message = Hex("616263"), context = Hex("666f6f");
  auto with =
      asym_test::Sign(Eddsa(), ParamBytes(EddsaParams(true, context)), *priv, View(message));
  auto without = asym_test::Sign(Eddsa(), ParamBytes(EddsaParams(true, {})), *priv, View(message));
  ASSERT_TRUE(with.ok() && without.ok());
  EXPECT_NE(*with, *without);
  EXPECT_TRUE(asym_test::Verify(Eddsa(), ParamBytes(EddsaParams(true, context)), *priv,
                                View(message), View(*with))
                  .ok());
  EXPECT_EQ(asym_test::Verify(Eddsa(), ParamBytes(EddsaParams(true, {})), *priv, View(message),
                              View(*with))
                .rv(),
            CKR_SIGNATURE_INVALID);
}

// PKCS#11 3.1 §2.3.14: a malformed CK_EDDSA_PARAMS is CKR_MECHANISM_PARAM_INVALID. Ed25519ctx
// with an empty context is refused too (RFC 8032 §5.1: it should not be used).
TEST_F(EddsaTest, MalformedEddsaParamsAreRefused) {
  auto ed25519 = Material(EdPrivate(kEd25519Oid, Bytes(32, 0x11)));
  auto ed448 = Material(EdPrivate(kEd448Oid, Bytes(57, 0x22)));
  ASSERT_TRUE(ed25519 && ed448);
  uint8_t long_context[256] = {};
  CK_EDDSA_PARAMS empty_ctx{CK_FALSE, 0, nullptr};
  CK_EDDSA_PARAMS bad_pointer{CK_FALSE, 3, nullptr};
  CK_EDDSA_PARAMS too_long{CK_FALSE, sizeof long_context, long_context};
  CK_EDDSA_PARAMS bad_flag{2, 0, nullptr};
  for (const CK_EDDSA_PARAMS& p : {empty_ctx, bad_pointer, too_long, bad_flag}) {
    EXPECT_EQ(Eddsa().BeginSign(ParamBytes(p), *ed25519).rv(), CKR_MECHANISM_PARAM_INVALID);
    EXPECT_EQ(Eddsa().BeginVerify(ParamBytes(p), *ed25519).rv(), CKR_MECHANISM_PARAM_INVALID);
  }
  for (const CK_EDDSA_PARAMS& p : {bad_pointer, too_long, bad_flag}) {
    EXPECT_EQ(Eddsa().BeginSign(ParamBytes(p), *ed448).rv(), CKR_MECHANISM_PARAM_INVALID);
  }
  CK_EDDSA_PARAMS longest{CK_TRUE, 255, long_context};
  EXPECT_TRUE(Eddsa().BeginSign(ParamBytes(longest), *ed448).ok());
  uint8_t short_param[3] = {};
  EXPECT_EQ(Eddsa().BeginSign(ByteView(short_param), *ed25519).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(EddsaTest, SinglePartOnly) {
  auto material = Material(EdPrivate(kEd25519Oid, Bytes(32, 0x33)));
  ASSERT_NE(material, nullptr);
  auto sign = Eddsa().BeginSign({}, *material);
  ASSERT_TRUE(sign.ok());
  uint8_t data[] = {1, 2, 3};
  EXPECT_EQ((*sign)->Update(ByteView(data)).rv(), CKR_FUNCTION_NOT_SUPPORTED);
  auto verify = Eddsa().BeginVerify({}, *material);
  ASSERT_TRUE(verify.ok());
  EXPECT_EQ((*verify)->Update(ByteView(data)).rv(), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ((*verify)->Final(ByteView(data)).rv(), CKR_FUNCTION_NOT_SUPPORTED);
}

TEST_F(EddsaTest, ShortBufferKeepsOperation) {
  auto material = Material(EdPrivate(kEd25519Oid, Bytes(32, 0x44)));
  ASSERT_NE(material, nullptr);
  auto op = Eddsa().BeginSign({}, *material);
  ASSERT_TRUE(op.ok());
  uint8_t data[] = {9};
  Bytes sig(63);
  CK_ULONG len = sig.size();
  OutBuffer small(sig.data(), &len);
  Result<void> r = (*op)->Sign(ByteView(data), small);
  EXPECT_EQ(r.rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 64u);
  sig.resize(64);
  OutBuffer out(sig.data(), &len);
  EXPECT_TRUE((*op)->Sign(ByteView(data), out).ok());
}

// Generated keys: the caller's CKA_EC_PARAMS bytes kept on both halves, CKA_EC_POINT a DER
// OCTET STRING, CKA_PUBLIC_KEY_INFO a SubjectPublicKeyInfo OpenSSL reads, and signatures
// OpenSSL verifies (and the other way round).
TEST_F(EddsaTest, GeneratedKeysInteroperateWithOpenSsl) {
  struct Case {
    const Bytes& params;
    const char* name;
    size_t key_len, sig_len;
  } cases[] = {{kEd25519Oid, "ED25519", 32, 64},
               {kEd25519Name, "ED25519", 32, 64},
               {kEd448Oid, "ED448", 57, 114},
               {kEd448Name, "ED448", 57, 114}};
  for (const Case& c : cases) {
    Object pub, priv;
    Generate(c.params, pub, priv);
    EXPECT_EQ(Bits(*pub.Get(CKA_EC_PARAMS)), c.params);
    EXPECT_EQ(Bits(*priv.Get(CKA_EC_PARAMS)), c.params);
    ByteView point = pub.GetBytes(CKA_EC_POINT);
    ASSERT_EQ(point.size(), c.key_len + 2);
    EXPECT_EQ(point[0], 0x04);
    EXPECT_EQ(priv.GetBytes(CKA_VALUE).size(), c.key_len);
    EXPECT_TRUE(std::ranges::equal(priv.GetBytes(CKA_EC_POINT), point));
    auto spki = asym_test::FromSpki(pub.GetBytes(CKA_PUBLIC_KEY_INFO));
    ASSERT_TRUE(spki);
    EXPECT_TRUE(EVP_PKEY_is_a(spki.get(), c.name));
    EXPECT_TRUE(
        std::ranges::equal(priv.GetBytes(CKA_PUBLIC_KEY_INFO), pub.GetBytes(CKA_PUBLIC_KEY_INFO)));

    Bytes message = Hex("48656c6c6f2c2045644453412e");
    auto sig = asym_test::Sign(Eddsa(), {}, *Material(priv), View(message));
    ASSERT_TRUE(sig.ok());
    ASSERT_EQ(sig->size(), c.sig_len);
    ossl::UniquePtr<EVP_MD_CTX> md(EVP_MD_CTX_new());
    ASSERT_EQ(EVP_DigestVerifyInit(md.get(), nullptr, nullptr, nullptr, spki.get()), 1);
    EXPECT_EQ(EVP_DigestVerify(md.get(), sig->data(), sig->size(), message.data(), message.size()),
              1);

    ByteView value = priv.GetBytes(CKA_VALUE);
    ossl::UniquePtr<EVP_PKEY> ossl_priv(
        EVP_PKEY_new_raw_private_key_ex(nullptr, c.name, nullptr, value.data(), value.size()));
    ASSERT_TRUE(ossl_priv);
    Bytes ossl_sig(c.sig_len);
    size_t ossl_len = ossl_sig.size();
    ossl::UniquePtr<EVP_MD_CTX> sctx(EVP_MD_CTX_new());
    ASSERT_EQ(EVP_DigestSignInit(sctx.get(), nullptr, nullptr, nullptr, ossl_priv.get()), 1);
    ASSERT_EQ(
        EVP_DigestSign(sctx.get(), ossl_sig.data(), &ossl_len, message.data(), message.size()), 1);
    EXPECT_EQ(ossl_sig, *sig);  // deterministic
    EXPECT_TRUE(asym_test::Verify(Eddsa(), {}, *Material(pub), View(message), View(ossl_sig)).ok());
  }
}

TEST_F(EddsaTest, KeyGenerationRejectsOtherCurves) {
  Object pub = KeyObject(CKO_PUBLIC_KEY, CKK_EC_EDWARDS);
  Object priv = KeyObject(CKO_PRIVATE_KEY, CKK_EC_EDWARDS);
  const Mechanism& gen = Mech(CKM_EC_EDWARDS_KEY_PAIR_GEN);
  EXPECT_EQ(gen.GenerateKeyPair({}, pub, priv).rv(), CKR_TEMPLATE_INCOMPLETE);
  pub.Set(CKA_EC_PARAMS, View(Hex("06032b656e")));  // X25519 is not an Edwards curve
  EXPECT_EQ(gen.GenerateKeyPair({}, pub, priv).rv(), CKR_CURVE_NOT_SUPPORTED);
  pub.Set(CKA_EC_PARAMS, View(Hex("06082a8648ce3d030107")));  // P-256
  EXPECT_EQ(gen.GenerateKeyPair({}, pub, priv).rv(), CKR_CURVE_NOT_SUPPORTED);
  pub.Set(CKA_EC_PARAMS, View(Hex("1305")));
  EXPECT_EQ(gen.GenerateKeyPair({}, pub, priv).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  pub.Set(CKA_EC_PARAMS, View(kEd25519Oid));
  priv.Set(CKA_EC_PARAMS, View(kEd448Oid));
  EXPECT_EQ(gen.GenerateKeyPair({}, pub, priv).rv(), CKR_TEMPLATE_INCONSISTENT);
  priv.Erase(CKA_EC_PARAMS);
  uint8_t param = 0;
  EXPECT_EQ(gen.GenerateKeyPair(ByteView(&param, 1), pub, priv).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(EddsaTest, ImportChecks) {
  // Wrong lengths.
  Object priv = EdPrivate(kEd25519Oid, Bytes(31, 1));
  EXPECT_EQ(CompleteKeyObject(priv).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  Object pub = EdPublic(kEd448Oid, DerOctets(Bytes(32, 1)));
  EXPECT_EQ(CompleteKeyObject(pub).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  // A private key whose CKA_EC_POINT is not its own public key.
  auto records = asym_test::ReadRecords("../eddsa/rfc8032_pure.txt");
  Object mismatched = EdPrivate(kEd25519Oid, Hex(records.at(0).at("secret")));
  mismatched.Set(CKA_EC_POINT, View(DerOctets(Hex(records.at(1).at("public")))));
  EXPECT_EQ(CompleteKeyObject(mismatched).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  // A public key is not a signing key.
  Object ok_pub = EdPublic(kEd25519Oid, Hex(records.at(0).at("public")));
  auto material = Material(ok_pub);
  ASSERT_NE(material, nullptr);
  EXPECT_EQ(Eddsa().BeginSign({}, *material).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

}  // namespace
}  // namespace p11
