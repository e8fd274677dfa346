// ECDH family: RFC 7748 X25519/X448 and NIST CAVP ECC CDH P-256 known answers, the KDFs
// checked against a reference built here (itself checked against the CAVP ANSI X9.63
// vectors), derivations round-tripped against OpenSSL's EVP_PKEY_derive on the peer side,
// and the parameter rules of PKCS#11 3.1 §2.3.15.
#include <openssl/core_names.h>

#include "mechanisms/asym_test_util.h"
#include "mechanisms/asym_util.h"

namespace p11 {
namespace {

using asym_test::Bytes;
using asym_test::Hex;
using asym_test::KeyObject;
using asym_test::Material;
using asym_test::ParamBytes;
using asym_test::View;

const Bytes kP256 = Hex("06082a8648ce3d030107");
const Bytes kX25519 = Hex("06032b656e");
const Bytes kX448 = Hex("06032b656f");
const Bytes kCurve25519Name = Hex("130a63757276653235353139");  // PrintableString "curve25519"

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

Bytes Bits(ByteView v) { return Bytes(v.begin(), v.end()); }

// Reference KDFs written from the standards: ANSI X9.63 §3.6.1 hashes Z ‖ counter ‖ info,
// SP 800-56C rev. 2 §4.1 (option 1) hashes counter ‖ Z ‖ info; 32-bit big-endian counters
// from 1.
Bytes ReferenceKdf(const char* digest, const Bytes& z, const Bytes& info, size_t len,
                   bool counter_first) {
  const EVP_MD* md = EVP_get_digestbyname(digest);
  Bytes out;
  for (uint32_t counter = 1; out.size() < len; ++counter) {
    uint8_t c[4] = {static_cast<uint8_t>(counter >> 24), static_cast<uint8_t>(counter >> 16),
                    static_cast<uint8_t>(counter >> 8), static_cast<uint8_t>(counter)};
    ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    EVP_DigestInit_ex(ctx.get(), md, nullptr);
    if (counter_first) EVP_DigestUpdate(ctx.get(), c, 4);
    EVP_DigestUpdate(ctx.get(), z.data(), z.size());
    if (!counter_first) EVP_DigestUpdate(ctx.get(), c, 4);
    EVP_DigestUpdate(ctx.get(), info.data(), info.size());
    uint8_t block[EVP_MAX_MD_SIZE];
    unsigned block_len = 0;
    EVP_DigestFinal_ex(ctx.get(), block, &block_len);
    out.insert(out.end(), block, block + block_len);
  }
  out.resize(len);
  return out;
}

Object Private(CK_KEY_TYPE type, const Bytes& params, const Bytes& value) {
  Object key = KeyObject(CKO_PRIVATE_KEY, type);
  key.Set(CKA_EC_PARAMS, View(params));
  key.Set(CKA_VALUE, View(value));
  return key;
}

Object SecretTemplate(CK_KEY_TYPE type, std::optional<CK_ULONG> len) {
  Object key = KeyObject(CKO_SECRET_KEY, type);
  if (len) key.SetUlong(CKA_VALUE_LEN, *len);
  return key;
}

CK_ECDH1_DERIVE_PARAMS Params(CK_EC_KDF_TYPE kdf, const Bytes& public_data,
                              const Bytes& shared = {}) {
  return CK_ECDH1_DERIVE_PARAMS{kdf, shared.size(),
                                shared.empty() ? nullptr : const_cast<uint8_t*>(shared.data()),
                                public_data.size(), const_cast<uint8_t*>(public_data.data())};
}

class EcdhTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterEcdh(registry_);
    RegisterEc(registry_);
  }
  const Mechanism& Mech(CK_MECHANISM_TYPE type) {
    const Mechanism* m = registry_.Find(type);
    EXPECT_NE(m, nullptr) << std::hex << type;
    return *m;
  }
  // Derives with `mechanism` and returns CKA_VALUE (empty on failure, with the rv).
  Result<Bytes> Derive(CK_MECHANISM_TYPE mechanism, const KeyMaterial& base,
                       const CK_ECDH1_DERIVE_PARAMS& params, Object& derived) {
    P11_TRY(Mech(mechanism).Derive(ParamBytes(params), base, derived));
    return Bits(derived.GetBytes(CKA_VALUE));
  }
  Result<Bytes> DeriveNull(const KeyMaterial& base, const Bytes& peer) {
    Object derived = SecretTemplate(CKK_GENERIC_SECRET, std::nullopt);
    return Derive(CKM_ECDH1_DERIVE, base, Params(CKD_NULL, peer), derived);
  }
  void Generate(CK_MECHANISM_TYPE mechanism, CK_KEY_TYPE type, const Bytes& params, Object& pub,
                Object& priv) {
    pub = KeyObject(CKO_PUBLIC_KEY, type);
    priv = KeyObject(CKO_PRIVATE_KEY, type);
    pub.Set(CKA_EC_PARAMS, View(params));
    ASSERT_TRUE(Mech(mechanism).GenerateKeyPair({}, pub, priv).ok());
  }
  Registry registry_;
};

TEST_F(EcdhTest, MechanismInfo) {
  for (CK_MECHANISM_TYPE type : {CKM_ECDH1_DERIVE, CKM_ECDH1_COFACTOR_DERIVE}) {
    const CK_MECHANISM_INFO& info = Mech(type).info();
    EXPECT_EQ(info.ulMinKeySize, 255u);
    EXPECT_EQ(info.ulMaxKeySize, 521u);
    EXPECT_EQ(info.flags & (CKF_DERIVE | CKF_EC_OID | CKF_EC_CURVENAME | CKF_EC_F_P),
              CKF_DERIVE | CKF_EC_OID | CKF_EC_CURVENAME | CKF_EC_F_P);
    EXPECT_EQ(info.flags & (CKF_SIGN | CKF_GENERATE_KEY_PAIR), 0u);
    EXPECT_TRUE(Mech(type).AcceptsKeyType(CKK_EC));
    EXPECT_TRUE(Mech(type).AcceptsKeyType(CKK_EC_MONTGOMERY));
    EXPECT_FALSE(Mech(type).AcceptsKeyType(CKK_EC_EDWARDS));
  }
  const CK_MECHANISM_INFO& gen = Mech(CKM_EC_MONTGOMERY_KEY_PAIR_GEN).info();
  EXPECT_EQ(gen.ulMinKeySize, 255u);
  EXPECT_EQ(gen.ulMaxKeySize, 448u);
  EXPECT_NE(gen.flags & CKF_GENERATE_KEY_PAIR, 0u);
  EXPECT_EQ(Mech(CKM_EC_MONTGOMERY_KEY_PAIR_GEN).GeneratedKeyType(), CKK_EC_MONTGOMERY);
}

TEST_F(EcdhTest, Rfc7748KnownAnswers) {
  auto records = asym_test::ReadRecords("../ecdh/rfc7748.txt");
  ASSERT_EQ(records.size(), 5u);
  for (const auto& r : records) {
    SCOPED_TRACE(r.at("private"));
    const Bytes& oid = r.at("curve") == "X448" ? kX448 : kX25519;
    Object priv = Private(CKK_EC_MONTGOMERY, oid, Hex(r.at("private")));
    ASSERT_TRUE(CompleteKeyObject(priv).ok());
    if (!Field(r, "public").empty()) {
      EXPECT_EQ(Bits(priv.GetBytes(CKA_EC_POINT)), DerOctets(Hex(r.at("public"))));
    }
    auto base = Material(priv);
    ASSERT_NE(base, nullptr);
    Bytes peer = Hex(r.at("peer")), shared = Hex(r.at("shared"));
    // Public data raw (PKCS#11) and DER-wrapped (OpenSC): both accepted.
    for (const Bytes& data : {peer, DerOctets(peer)}) {
      auto z = DeriveNull(*base, data);
      ASSERT_TRUE(z.ok()) << std::hex << z.rv();
      EXPECT_EQ(*z, shared);
      Object derived = SecretTemplate(CKK_GENERIC_SECRET, std::nullopt);
      auto cz = Derive(CKM_ECDH1_COFACTOR_DERIVE, *base, Params(CKD_NULL, data), derived);
      ASSERT_TRUE(cz.ok());
      EXPECT_EQ(*cz, shared);
      EXPECT_EQ(derived.GetUlong(CKA_VALUE_LEN), shared.size());
    }
  }
}

TEST_F(EcdhTest, CavpP256KnownAnswers) {
  auto records = asym_test::ReadRecords("../ecdh/ecc_cdh_p256.txt");
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : records) {
    Object priv = Private(CKK_EC, kP256, Hex(r.at("dIUT")));
    ASSERT_TRUE(CompleteKeyObject(priv).ok());
    EXPECT_EQ(Bits(priv.GetBytes(CKA_EC_POINT)),
              DerOctets(Hex("04" + r.at("QIUTx") + r.at("QIUTy"))));
    auto base = Material(priv);
    ASSERT_NE(base, nullptr);
    Bytes peer = Hex("04" + r.at("QCAVSx") + r.at("QCAVSy"));
    for (const Bytes& data : {peer, DerOctets(peer)}) {
      for (CK_MECHANISM_TYPE type : {CKM_ECDH1_DERIVE, CKM_ECDH1_COFACTOR_DERIVE}) {
        Object derived = SecretTemplate(CKK_GENERIC_SECRET, std::nullopt);
        auto z = Derive(type, *base, Params(CKD_NULL, data), derived);
        ASSERT_TRUE(z.ok()) << std::hex << z.rv();
        EXPECT_EQ(*z, Hex(r.at("ZIUT")));
      }
    }
    // CKD_NULL with a shorter key: the secret's rightmost bytes.
    Object aes = SecretTemplate(CKK_AES, 16);
    auto short_key = Derive(CKM_ECDH1_DERIVE, *base, Params(CKD_NULL, peer), aes);
    ASSERT_TRUE(short_key.ok());
    Bytes z = Hex(r.at("ZIUT"));
    EXPECT_EQ(*short_key, Bytes(z.end() - 16, z.end()));
  }
}

// The reference KDF reproduces the published ANSI X9.63 vectors, so it can judge the
// mechanism's output.
TEST_F(EcdhTest, ReferenceKdfMatchesCavpX963Vectors) {
  auto records = asym_test::ReadRecords("../ecdh/ansx963_2001.txt");
  ASSERT_EQ(records.size(), 3u);
  for (const auto& r : records) {
    Bytes expected = Hex(r.at("key_data"));
    EXPECT_EQ(ReferenceKdf(r.at("hash").c_str(), Hex(r.at("Z")), Hex(Field(r, "SharedInfo")),
                           expected.size(), false),
              expected);
  }
}

TEST_F(EcdhTest, KdfsOverTheCavpSecret) {
  const auto r = asym_test::ReadRecords("../ecdh/ecc_cdh_p256.txt").at(0);
  auto base = Material(Private(CKK_EC, kP256, Hex(r.at("dIUT"))));
  ASSERT_NE(base, nullptr);
  Bytes peer = Hex("04" + r.at("QCAVSx") + r.at("QCAVSy")), z = Hex(r.at("ZIUT"));
  Bytes info = Hex("75eef81aa3041e33b80971203d2c0c52");
  struct Case {
    CK_EC_KDF_TYPE kdf;
    const char* digest;
    bool counter_first;
  } cases[] = {
      {CKD_SHA1_KDF, "SHA1", false},          {CKD_SHA224_KDF, "SHA224", false},
      {CKD_SHA256_KDF, "SHA256", false},      {CKD_SHA384_KDF, "SHA384", false},
      {CKD_SHA512_KDF, "SHA512", false},      {CKD_SHA3_256_KDF, "SHA3-256", false},
      {CKD_SHA1_KDF_SP800, "SHA1", true},     {CKD_SHA224_KDF_SP800, "SHA224", true},
      {CKD_SHA256_KDF_SP800, "SHA256", true}, {CKD_SHA384_KDF_SP800, "SHA384", true},
      {CKD_SHA512_KDF_SP800, "SHA512", true}, {CKD_SHA3_512_KDF_SP800, "SHA3-512", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.kdf);
    for (const Bytes& shared : {Bytes{}, info}) {
      for (CK_ULONG len : {16ul, 32ul, 80ul}) {
        Object derived = SecretTemplate(CKK_GENERIC_SECRET, len);
        auto key = Derive(CKM_ECDH1_DERIVE, *base, Params(c.kdf, peer, shared), derived);
        ASSERT_TRUE(key.ok()) << std::hex << key.rv();
        EXPECT_EQ(*key, ReferenceKdf(c.digest, z, shared, len, c.counter_first));
      }
    }
    Object aes = SecretTemplate(CKK_AES, 32);
    ASSERT_TRUE(Derive(CKM_ECDH1_DERIVE, *base, Params(c.kdf, peer), aes).ok());
    EXPECT_EQ(aes.GetBytes(CKA_VALUE).size(), 32u);
  }
}

// Both sides generated by the token's own mechanisms; the peer's half of the agreement is
// done by OpenSSL directly from the peer's private key, and must give the same secret.
TEST_F(EcdhTest, RoundTripWithOpenSsl) {
  struct Case {
    CK_MECHANISM_TYPE gen;
    CK_KEY_TYPE type;
    Bytes params;
  } cases[] = {
      {CKM_EC_KEY_PAIR_GEN, CKK_EC, kP256},
      {CKM_EC_KEY_PAIR_GEN, CKK_EC, Hex("06052b81040022")},          // P-384
      {CKM_EC_KEY_PAIR_GEN, CKK_EC, Hex("06052b81040023")},          // P-521
      {CKM_EC_KEY_PAIR_GEN, CKK_EC, Hex("06052b8104000a")},          // secp256k1
      {CKM_EC_KEY_PAIR_GEN, CKK_EC, Hex("06092b2403030208010107")},  // brainpoolP256r1
      {CKM_EC_KEY_PAIR_GEN, CKK_EC, Hex("06092b240303020801010d")},  // brainpoolP512r1
      {CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKK_EC_MONTGOMERY, kX25519},
      {CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKK_EC_MONTGOMERY, kCurve25519Name},
      {CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKK_EC_MONTGOMERY, kX448},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::PrintToString(c.params));
    Object pub_a, priv_a, pub_b, priv_b;
    Generate(c.gen, c.type, c.params, pub_a, priv_a);
    Generate(c.gen, c.type, c.params, pub_b, priv_b);
    EXPECT_EQ(Bits(priv_a.GetBytes(CKA_EC_PARAMS)), c.params);
    auto base = Material(priv_a);
    ASSERT_NE(base, nullptr);
    auto token_z = DeriveNull(*base, Bits(pub_b.GetBytes(CKA_EC_POINT)));
    ASSERT_TRUE(token_z.ok()) << std::hex << token_z.rv();

    // OpenSSL on B's side: B's private key from its PKCS#8 encoding, A's public key from
    // CKA_PUBLIC_KEY_INFO.
    auto b_key = Material(priv_b);
    ASSERT_NE(b_key, nullptr);
    auto a_pub = asym_test::FromSpki(pub_a.GetBytes(CKA_PUBLIC_KEY_INFO));
    ASSERT_TRUE(a_pub);
    ossl::UniquePtr<EVP_PKEY_CTX> ctx(
        EVP_PKEY_CTX_new_from_pkey(nullptr, b_key->pkey.get(), nullptr));
    ASSERT_EQ(EVP_PKEY_derive_init(ctx.get()), 1);
    ASSERT_EQ(EVP_PKEY_derive_set_peer(ctx.get(), a_pub.get()), 1);
    size_t len = 0;
    ASSERT_EQ(EVP_PKEY_derive(ctx.get(), nullptr, &len), 1);
    Bytes ossl_z(len);
    ASSERT_EQ(EVP_PKEY_derive(ctx.get(), ossl_z.data(), &len), 1);
    ossl_z.resize(len);
    EXPECT_EQ(*token_z, ossl_z);
  }
}

TEST_F(EcdhTest, BadParameters) {
  const auto r = asym_test::ReadRecords("../ecdh/ecc_cdh_p256.txt").at(0);
  auto base = Material(Private(CKK_EC, kP256, Hex(r.at("dIUT"))));
  ASSERT_NE(base, nullptr);
  Bytes peer = Hex("04" + r.at("QCAVSx") + r.at("QCAVSy"));
  Object derived = SecretTemplate(CKK_GENERIC_SECRET, 32);
  const Mechanism& ecdh = Mech(CKM_ECDH1_DERIVE);

  EXPECT_EQ(ecdh.Derive({}, *base, derived).rv(), CKR_MECHANISM_PARAM_INVALID);
  uint8_t short_param[8] = {};
  EXPECT_EQ(ecdh.Derive(ByteView(short_param), *base, derived).rv(), CKR_MECHANISM_PARAM_INVALID);
  auto rv = [&](const CK_ECDH1_DERIVE_PARAMS& p) {
    Object d = derived;
    return ecdh.Derive(ParamBytes(p), *base, d).rv();
  };
  EXPECT_EQ(rv(Params(0x7777, peer)), CKR_MECHANISM_PARAM_INVALID);             // unknown kdf
  EXPECT_EQ(rv(Params(CKD_SHA1_KDF_ASN1, peer)), CKR_MECHANISM_PARAM_INVALID);  // unsupported
  EXPECT_EQ(rv(Params(CKD_NULL, peer, Bytes{1, 2})), CKR_MECHANISM_PARAM_INVALID);
  CK_ECDH1_DERIVE_PARAMS null_public = Params(CKD_NULL, peer);
  null_public.pPublicData = nullptr;
  EXPECT_EQ(rv(null_public), CKR_MECHANISM_PARAM_INVALID);
  CK_ECDH1_DERIVE_PARAMS null_shared = Params(CKD_SHA256_KDF, peer);
  null_shared.ulSharedDataLen = 4;
  EXPECT_EQ(rv(null_shared), CKR_MECHANISM_PARAM_INVALID);
  Bytes off_curve = peer;
  off_curve.back() ^= 0x01;
  EXPECT_EQ(rv(Params(CKD_NULL, off_curve)), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv(Params(CKD_NULL, Bytes(peer.begin(), peer.end() - 1))), CKR_MECHANISM_PARAM_INVALID);

  // Template rules: a KDF needs a length; AES keys have three; CKD_NULL cannot stretch.
  auto with = [&](Object d, CK_EC_KDF_TYPE kdf) {
    return ecdh.Derive(ParamBytes(Params(kdf, peer)), *base, d).rv();
  };
  EXPECT_EQ(with(SecretTemplate(CKK_GENERIC_SECRET, std::nullopt), CKD_SHA256_KDF),
            CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(with(SecretTemplate(CKK_AES, 20), CKD_SHA256_KDF), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(with(SecretTemplate(CKK_GENERIC_SECRET, 33), CKD_NULL), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(with(SecretTemplate(CKK_GENERIC_SECRET, 0), CKD_SHA256_KDF),
            CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(with(KeyObject(CKO_PRIVATE_KEY, CKK_EC), CKD_NULL), CKR_TEMPLATE_INCONSISTENT);

  // The base key must be a private EC or Montgomery key.
  Object pub = KeyObject(CKO_PUBLIC_KEY, CKK_EC);
  pub.Set(CKA_EC_PARAMS, View(kP256));
  pub.Set(CKA_EC_POINT, View(DerOctets(peer)));
  auto pub_material = Material(pub);
  ASSERT_NE(pub_material, nullptr);
  Object d = derived;
  EXPECT_EQ(ecdh.Derive(ParamBytes(Params(CKD_NULL, peer)), *pub_material, d).rv(),
            CKR_KEY_TYPE_INCONSISTENT);
  auto edwards = Material(Private(CKK_EC_EDWARDS, Hex("06032b6570"), Bytes(32, 7)));
  ASSERT_NE(edwards, nullptr);
  EXPECT_EQ(ecdh.Derive(ParamBytes(Params(CKD_NULL, peer)), *edwards, d).rv(),
            CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(EcdhTest, MontgomeryBadPeers) {
  auto base = Material(Private(CKK_EC_MONTGOMERY, kX25519, Bytes(32, 0x5a)));
  ASSERT_NE(base, nullptr);
  // A small-order point gives the all-zero secret RFC 7748 §6.1 says to refuse.
  EXPECT_EQ(DeriveNull(*base, Bytes(32, 0)).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(DeriveNull(*base, Bytes(31, 9)).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(DeriveNull(*base, Bytes(56, 9)).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(EcdhTest, MontgomeryKeyGeneration) {
  Object pub, priv;
  Generate(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKK_EC_MONTGOMERY, kX448, pub, priv);
  EXPECT_EQ(priv.GetBytes(CKA_VALUE).size(), 56u);
  EXPECT_EQ(pub.GetBytes(CKA_EC_POINT).size(), 58u);
  auto spki = asym_test::FromSpki(pub.GetBytes(CKA_PUBLIC_KEY_INFO));
  ASSERT_TRUE(spki);
  EXPECT_TRUE(EVP_PKEY_is_a(spki.get(), "X448"));
  auto material = Material(priv);
  ASSERT_NE(material, nullptr);
  EXPECT_EQ(material->size, 448u);

  Object p2 = KeyObject(CKO_PUBLIC_KEY, CKK_EC_MONTGOMERY);
  Object k2 = KeyObject(CKO_PRIVATE_KEY, CKK_EC_MONTGOMERY);
  p2.Set(CKA_EC_PARAMS, View(Hex("06032b6570")));  // Ed25519 is not a Montgomery curve
  EXPECT_EQ(Mech(CKM_EC_MONTGOMERY_KEY_PAIR_GEN).GenerateKeyPair({}, p2, k2).rv(),
            CKR_CURVE_NOT_SUPPORTED);
}

}  // namespace
}  // namespace p11
