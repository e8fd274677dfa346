// RSA family: NIST CAVP PKCS#1 v1.5 and PSS vectors, generated keys checked against OpenSSL
// directly, and the PKCS#11 error and buffer rules of PKCS#11 3.1 §2.1.
#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include "mechanisms/asym_test_util.h"

namespace p11 {
namespace {

using asym_test::Bytes;
using asym_test::Hex;
using asym_test::KeyObject;
using asym_test::Material;
using asym_test::ParamBytes;
using asym_test::View;

// The Mechanism base adds the message-based signing flags to every signing mechanism.
constexpr CK_FLAGS kMessageFlags = CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY;

CK_MECHANISM_TYPE Pkcs1MechanismFor(const std::string& sha) {
  if (sha == "SHA1") return CKM_SHA1_RSA_PKCS;
  if (sha == "SHA224") return CKM_SHA224_RSA_PKCS;
  if (sha == "SHA256") return CKM_SHA256_RSA_PKCS;
  if (sha == "SHA384") return CKM_SHA384_RSA_PKCS;
  return CKM_SHA512_RSA_PKCS;
}

struct PssCase {
  CK_MECHANISM_TYPE mechanism;
  CK_MECHANISM_TYPE hash;
  CK_RSA_PKCS_MGF_TYPE mgf;
  const char* md;
};

PssCase PssFor(const std::string& sha) {
  if (sha == "SHA1") return {CKM_SHA1_RSA_PKCS_PSS, CKM_SHA_1, CKG_MGF1_SHA1, "SHA1"};
  if (sha == "SHA224") return {CKM_SHA224_RSA_PKCS_PSS, CKM_SHA224, CKG_MGF1_SHA224, "SHA224"};
  return {CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, "SHA256"};
}

Bytes Digest(const char* md, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  EXPECT_EQ(
      EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_get_digestbyname(md), nullptr), 1);
  out.resize(len);
  return out;
}

Bytes BnBytes(const BIGNUM* bn) {
  Bytes out(BN_num_bytes(bn));
  BN_bn2bin(bn, out.data());
  return out;
}

class RsaTest : public asym_test::RsaPairSuite {
 protected:
  // The 1024-bit CAVP key; with CRT values computed from p and q when `crt`.
  static Object CavpPrivate(const asym_test::Record& key, bool crt) {
    Object priv = KeyObject(CKO_PRIVATE_KEY, CKK_RSA);
    priv.Set(CKA_MODULUS, View(Hex(key.at("n"))));
    priv.Set(CKA_PUBLIC_EXPONENT, View(Hex(key.at("e"))));
    priv.Set(CKA_PRIVATE_EXPONENT, View(Hex(key.at("d"))));
    if (crt) {
      Bytes p = Hex(key.at("p")), q = Hex(key.at("q")), d = Hex(key.at("d"));
      ossl::UniquePtr<BIGNUM> bp(BN_bin2bn(p.data(), p.size(), nullptr));
      ossl::UniquePtr<BIGNUM> bq(BN_bin2bn(q.data(), q.size(), nullptr));
      ossl::UniquePtr<BIGNUM> bd(BN_bin2bn(d.data(), d.size(), nullptr));
      ossl::UniquePtr<BIGNUM> p1(BN_dup(bp.get())), q1(BN_dup(bq.get()));
      BN_sub_word(p1.get(), 1);
      BN_sub_word(q1.get(), 1);
      ossl::UniquePtr<BN_CTX> ctx(BN_CTX_new());
      ossl::UniquePtr<BIGNUM> dp(BN_new()), dq(BN_new());
      BN_mod(dp.get(), bd.get(), p1.get(), ctx.get());
      BN_mod(dq.get(), bd.get(), q1.get(), ctx.get());
      ossl::UniquePtr<BIGNUM> qinv(BN_mod_inverse(nullptr, bq.get(), bp.get(), ctx.get()));
      priv.Set(CKA_PRIME_1, View(p));
      priv.Set(CKA_PRIME_2, View(q));
      priv.Set(CKA_EXPONENT_1, View(BnBytes(dp.get())));
      priv.Set(CKA_EXPONENT_2, View(BnBytes(dq.get())));
      priv.Set(CKA_COEFFICIENT, View(BnBytes(qinv.get())));
    }
    return priv;
  }

  static Object PublicOf(const Object& priv) {
    Object pub = KeyObject(CKO_PUBLIC_KEY, CKK_RSA);
    pub.Set(CKA_MODULUS, priv.GetBytes(CKA_MODULUS));
    pub.Set(CKA_PUBLIC_EXPONENT, priv.GetBytes(CKA_PUBLIC_EXPONENT));
    return pub;
  }
};

TEST_F(RsaTest, MechanismInfoFollowsTheTable) {
  const CK_MECHANISM_INFO& gen = Mech(CKM_RSA_PKCS_KEY_PAIR_GEN).info();
  EXPECT_EQ(gen.ulMinKeySize, 2048u);
  EXPECT_EQ(gen.ulMaxKeySize, 8192u);
  EXPECT_EQ(gen.flags, CKF_GENERATE_KEY_PAIR);
  EXPECT_EQ(Mech(CKM_RSA_PKCS).info().flags, CKF_SIGN | CKF_VERIFY | kMessageFlags |
                                                 CKF_SIGN_RECOVER | CKF_VERIFY_RECOVER |
                                                 CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP);
  EXPECT_EQ(Mech(CKM_RSA_PKCS).info().ulMinKeySize, 1024u);
  for (CK_MECHANISM_TYPE t :
       {CKM_SHA1_RSA_PKCS, CKM_SHA224_RSA_PKCS, CKM_SHA256_RSA_PKCS, CKM_SHA384_RSA_PKCS,
        CKM_SHA512_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_SHA1_RSA_PKCS_PSS, CKM_SHA224_RSA_PKCS_PSS,
        CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384_RSA_PKCS_PSS, CKM_SHA512_RSA_PKCS_PSS}) {
    EXPECT_EQ(Mech(t).info().flags, CKF_SIGN | CKF_VERIFY | kMessageFlags) << std::hex << t;
    EXPECT_TRUE(Mech(t).AcceptsKeyType(CKK_RSA));
    EXPECT_FALSE(Mech(t).AcceptsKeyType(CKK_EC));
  }
  EXPECT_EQ(Mech(CKM_RSA_PKCS_KEY_PAIR_GEN).GeneratedKeyType(), CKK_RSA);
}

TEST_F(RsaTest, CavpPkcs1v15SignaturesSignAndVerify) {
  auto records = asym_test::ReadRecords("rsa_pkcs1v15_sigver_1024.txt");
  ASSERT_GT(records.size(), 2u);
  const asym_test::Record& key = records[0];
  for (bool crt : {false, true}) {
    Object priv_obj = CavpPrivate(key, crt);
    auto priv = Material(priv_obj);
    auto pub = Material(PublicOf(priv_obj));
    ASSERT_TRUE(priv && pub);
    EXPECT_EQ(pub->size, 1024u);
    int passes = 0;
    for (size_t i = 1; i < records.size(); ++i) {
      const asym_test::Record& r = records[i];
      const Mechanism& m = Mech(Pkcs1MechanismFor(r.at("SHAAlg")));
      Bytes msg = Hex(r.at("Msg")), sig = Hex(r.at("S"));
      bool pass = r.at("Result")[0] == 'P';
      Result<void> v = asym_test::Verify(m, {}, *pub, View(msg), View(sig));
      EXPECT_EQ(v.rv(), pass ? CKR_OK : CKR_SIGNATURE_INVALID) << r.at("Result");
      if (!pass) continue;
      ++passes;
      // PKCS#1 v1.5 is deterministic: signing must give the published signature.
      auto ours = asym_test::Sign(m, {}, *priv, View(msg));
      ASSERT_TRUE(ours.ok());
      EXPECT_EQ(*ours, sig) << r.at("SHAAlg");
    }
    EXPECT_EQ(passes, 4);
  }
}

TEST_F(RsaTest, RawPkcs1SignsCallerBuiltDigestInfo) {
  auto records = asym_test::ReadRecords("rsa_pkcs1v15_sigver_1024.txt");
  Object priv_obj = CavpPrivate(records[0], true);
  auto priv = Material(priv_obj);
  auto pub = Material(PublicOf(priv_obj));
  for (const auto& r : records) {
    if (r.count("SHAAlg") == 0 || r.at("SHAAlg") != "SHA256" || r.at("Result")[0] != 'P') continue;
    // RFC 8017 §9.2 note 1: DigestInfo prefix for SHA-256.
    Bytes info = Hex("3031300d060960864801650304020105000420");
    Bytes hash = Digest("SHA256", View(Hex(r.at("Msg"))));
    info.insert(info.end(), hash.begin(), hash.end());
    auto sig = asym_test::Sign(Mech(CKM_RSA_PKCS), {}, *priv, View(info));
    ASSERT_TRUE(sig.ok());
    EXPECT_EQ(*sig, Hex(r.at("S")));
    EXPECT_TRUE(asym_test::Verify(Mech(CKM_RSA_PKCS), {}, *pub, View(info), View(*sig)).ok());
    info.back() ^= 1;
    EXPECT_EQ(asym_test::Verify(Mech(CKM_RSA_PKCS), {}, *pub, View(info), View(*sig)).rv(),
              CKR_SIGNATURE_INVALID);
  }
}

TEST_F(RsaTest, CavpPssSignaturesVerify) {
  auto records = asym_test::ReadRecords("rsa_pss_siggen_1024_salt0.txt");
  ASSERT_GT(records.size(), 1u);
  Object pub_obj = KeyObject(CKO_PUBLIC_KEY, CKK_RSA);
  pub_obj.Set(CKA_MODULUS, View(Hex(records[0].at("n"))));
  pub_obj.Set(CKA_PUBLIC_EXPONENT, View(Hex(records[0].at("e"))));
  auto pub = Material(pub_obj);
  for (size_t i = 1; i < records.size(); ++i) {
    PssCase c = PssFor(records[i].at("SHAAlg"));
    CK_RSA_PKCS_PSS_PARAMS params{c.hash, c.mgf, 0};
    Bytes msg = Hex(records[i].at("Msg")), sig = Hex(records[i].at("S"));
    EXPECT_TRUE(
        asym_test::Verify(Mech(c.mechanism), ParamBytes(params), *pub, View(msg), View(sig)).ok());
    // CKM_RSA_PKCS_PSS takes the hash itself.
    Bytes hash = Digest(c.md, View(msg));
    EXPECT_TRUE(
        asym_test::Verify(Mech(CKM_RSA_PKCS_PSS), ParamBytes(params), *pub, View(hash), View(sig))
            .ok());
    sig[10] ^= 0x40;
    EXPECT_EQ(
        asym_test::Verify(Mech(c.mechanism), ParamBytes(params), *pub, View(msg), View(sig)).rv(),
        CKR_SIGNATURE_INVALID);
  }
}

TEST_F(RsaTest, GeneratedPairHasEveryAttribute) {
  EXPECT_EQ(pub_->GetUlong(CKA_MODULUS_BITS), 2048u);
  EXPECT_EQ(pub_->GetBytes(CKA_MODULUS).size(), 256u);
  EXPECT_EQ(
      Bytes(pub_->GetBytes(CKA_PUBLIC_EXPONENT).begin(), pub_->GetBytes(CKA_PUBLIC_EXPONENT).end()),
      Hex("010001"));
  for (CK_ATTRIBUTE_TYPE t :
       {CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
        CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT, CKA_PUBLIC_KEY_INFO}) {
    EXPECT_FALSE(priv_->GetBytes(t).empty()) << std::hex << t;
  }
  EXPECT_TRUE(std::ranges::equal(priv_->GetBytes(CKA_MODULUS), pub_->GetBytes(CKA_MODULUS)));
  EXPECT_TRUE(std::ranges::equal(priv_->GetBytes(CKA_PUBLIC_KEY_INFO),
                                 pub_->GetBytes(CKA_PUBLIC_KEY_INFO)));
  // The SPKI is the same key OpenSSL sees: its modulus is CKA_MODULUS.
  auto spki = asym_test::FromSpki(pub_->GetBytes(CKA_PUBLIC_KEY_INFO));
  ASSERT_TRUE(spki);
  BIGNUM* n = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(spki.get(), OSSL_PKEY_PARAM_RSA_N, &n), 1);
  ossl::UniquePtr<BIGNUM> owned(n);
  EXPECT_TRUE(std::ranges::equal(BnBytes(n), pub_->GetBytes(CKA_MODULUS)));
  // The generated values form a valid key for import as well.
  Object copy = *priv_;
  EXPECT_TRUE(CompleteKeyObject(copy).ok());
}

TEST_F(RsaTest, SignaturesInteroperateWithOpenSsl) {
  auto priv = Material(*priv_);
  auto pub = Material(*pub_);
  auto spki = asym_test::FromSpki(pub_->GetBytes(CKA_PUBLIC_KEY_INFO));
  Bytes msg = Hex("48656c6c6f2c20504b435323313121");
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA384, CKG_MGF1_SHA384, 48};
  struct Case {
    CK_MECHANISM_TYPE mechanism;
    ByteView param;
    int padding;
    const char* md;
  } cases[] = {{CKM_SHA256_RSA_PKCS, {}, RSA_PKCS1_PADDING, "SHA256"},
               {CKM_SHA512_RSA_PKCS, {}, RSA_PKCS1_PADDING, "SHA512"},
               {CKM_SHA384_RSA_PKCS_PSS, ParamBytes(pss), RSA_PKCS1_PSS_PADDING, "SHA384"}};
  for (const Case& c : cases) {
    auto sig = asym_test::Sign(Mech(c.mechanism), c.param, *priv, View(msg));
    ASSERT_TRUE(sig.ok());
    ossl::UniquePtr<EVP_MD_CTX> v(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    ASSERT_EQ(EVP_DigestVerifyInit_ex(v.get(), &pctx, c.md, nullptr, nullptr, spki.get(), nullptr),
              1);
    EVP_PKEY_CTX_set_rsa_padding(pctx, c.padding);
    if (c.padding == RSA_PKCS1_PSS_PADDING) EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48);
    EXPECT_EQ(EVP_DigestVerify(v.get(), sig->data(), sig->size(), msg.data(), msg.size()), 1);

    // And the other way: OpenSSL signs, the mechanism verifies.
    ossl::UniquePtr<EVP_MD_CTX> s(EVP_MD_CTX_new());
    ASSERT_EQ(
        EVP_DigestSignInit_ex(s.get(), &pctx, c.md, nullptr, nullptr, priv->pkey.get(), nullptr),
        1);
    EVP_PKEY_CTX_set_rsa_padding(pctx, c.padding);
    if (c.padding == RSA_PKCS1_PSS_PADDING) EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48);
    Bytes theirs(256);
    size_t len = theirs.size();
    ASSERT_EQ(EVP_DigestSign(s.get(), theirs.data(), &len, msg.data(), msg.size()), 1);
    EXPECT_TRUE(asym_test::Verify(Mech(c.mechanism), c.param, *pub, View(msg), View(theirs)).ok());
  }
}

TEST_F(RsaTest, MultiPartEqualsSinglePartAndKeepsOperationOnShortBuffer) {
  auto priv = Material(*priv_);
  Bytes msg(1000, 0x5a);
  auto single = asym_test::Sign(Mech(CKM_SHA256_RSA_PKCS), {}, *priv, View(msg));
  ASSERT_TRUE(single.ok());
  auto op = Mech(CKM_SHA256_RSA_PKCS).BeginSign({}, *priv);
  ASSERT_TRUE(op.ok());
  ASSERT_TRUE((*op)->Update(ByteView(msg).first(300)).ok());
  ASSERT_TRUE((*op)->Update(ByteView(msg).subspan(300)).ok());
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  Result<void> q = (*op)->Final(query);
  EXPECT_FALSE(q.ok());
  EXPECT_EQ(q.rv(), CKR_OK);
  EXPECT_EQ(len, 256u);
  Bytes sig(255);
  len = sig.size();
  OutBuffer small(sig.data(), &len);
  Result<void> s = (*op)->Final(small);
  EXPECT_EQ(s.rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_TRUE(KeepsOperation(s.error()));
  EXPECT_EQ(len, 256u);
  sig.resize(256);
  OutBuffer out(sig.data(), &len);
  ASSERT_TRUE((*op)->Final(out).ok());
  EXPECT_EQ(sig, *single);  // PKCS#1 v1.5 is deterministic
}

TEST_F(RsaTest, RawMechanismsAreSinglePartAndBoundTheirInput) {
  auto priv = Material(*priv_);
  auto op = Mech(CKM_RSA_PKCS).BeginSign({}, *priv);
  ASSERT_TRUE(op.ok());
  EXPECT_EQ((*op)->Update(View(Bytes(4))).rv(), CKR_FUNCTION_NOT_SUPPORTED);
  // k - 11 bytes is the most PKCS#1 v1.5 can carry.
  EXPECT_TRUE(asym_test::Sign(Mech(CKM_RSA_PKCS), {}, *priv, View(Bytes(245, 1))).ok());
  EXPECT_EQ(asym_test::Sign(Mech(CKM_RSA_PKCS), {}, *priv, View(Bytes(246, 1))).rv(),
            CKR_DATA_LEN_RANGE);
  EXPECT_EQ(Mech(CKM_RSA_PKCS).BeginSign(View(Bytes(4)), *priv).rv(), CKR_MECHANISM_PARAM_INVALID);
  // CKM_RSA_PKCS_PSS input must be exactly one hash of params.hashAlg.
  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
  EXPECT_TRUE(
      asym_test::Sign(Mech(CKM_RSA_PKCS_PSS), ParamBytes(pss), *priv, View(Bytes(32, 7))).ok());
  EXPECT_EQ(
      asym_test::Sign(Mech(CKM_RSA_PKCS_PSS), ParamBytes(pss), *priv, View(Bytes(31, 7))).rv(),
      CKR_DATA_LEN_RANGE);
}

// Direct-input PKCS#1 v1.5 reuses the key's ready contexts, sign and verify apart; PSS, whose
// parameters come with each operation, always gets a context of its own.
TEST_F(RsaTest, DirectPkcs1ReusesContextsAndPssDoesNot) {
  auto priv = Material(*priv_);
  auto pub = Material(*pub_);
  Bytes info(51, 0x5c);
  for (int i = 0; i < 3; ++i) {
    auto sig = asym_test::Sign(Mech(CKM_RSA_PKCS), {}, *priv, View(info));
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(asym_test::Verify(Mech(CKM_RSA_PKCS), {}, *pub, View(info), View(*sig)).ok());
    Bytes other = info;
    other[i] ^= 1;
    EXPECT_EQ(asym_test::Verify(Mech(CKM_RSA_PKCS), {}, *pub, View(other), View(*sig)).rv(),
              CKR_SIGNATURE_INVALID);
  }
  auto& signing = priv->contexts.signature();
  ossl::UniquePtr<EVP_PKEY_CTX> ready = signing.Take({true, RSA_PKCS1_PADDING});
  EXPECT_NE(ready, nullptr);
  EXPECT_EQ(signing.Take({false, RSA_PKCS1_PADDING}), nullptr) << "no verify context on the "
                                                                  "private key's material";
  EXPECT_NE(pub->contexts.signature().Take({false, RSA_PKCS1_PADDING}), nullptr);

  CK_RSA_PKCS_PSS_PARAMS pss{CKM_SHA256, CKG_MGF1_SHA256, 32};
  ASSERT_TRUE(
      asym_test::Sign(Mech(CKM_RSA_PKCS_PSS), ParamBytes(pss), *priv, View(Bytes(32, 7))).ok());
  EXPECT_EQ(signing.Take({true, RSA_PKCS1_PSS_PADDING}), nullptr);
}

TEST_F(RsaTest, PssParametersAreChecked) {
  auto priv = Material(*priv_);
  auto begin = [&](CK_MECHANISM_TYPE m, CK_RSA_PKCS_PSS_PARAMS p) {
    return Mech(m).BeginSign(ParamBytes(p), *priv).rv();
  };
  EXPECT_EQ(begin(CKM_SHA256_RSA_PKCS_PSS, {CKM_SHA256, CKG_MGF1_SHA256, 32}), CKR_OK);
  EXPECT_EQ(begin(CKM_SHA256_RSA_PKCS_PSS, {CKM_SHA256, CKG_MGF1_SHA1, 0}), CKR_OK);
  EXPECT_EQ(begin(CKM_SHA256_RSA_PKCS_PSS, {CKM_SHA384, CKG_MGF1_SHA384, 32}),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(begin(CKM_SHA256_RSA_PKCS_PSS, {CKM_MD5, CKG_MGF1_SHA256, 32}),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(begin(CKM_RSA_PKCS_PSS, {CKM_SHA256, 0x99, 32}), CKR_MECHANISM_PARAM_INVALID);
  // 2048-bit modulus: emLen = 256, so sLen ≤ 256 - 32 - 2 = 222 with SHA-256.
  EXPECT_EQ(begin(CKM_RSA_PKCS_PSS, {CKM_SHA256, CKG_MGF1_SHA256, 222}), CKR_OK);
  EXPECT_EQ(begin(CKM_RSA_PKCS_PSS, {CKM_SHA256, CKG_MGF1_SHA256, 223}),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Mech(CKM_SHA256_RSA_PKCS_PSS).BeginSign({}, *priv).rv(), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Mech(CKM_RSA_PKCS_PSS).BeginVerify(View(Bytes(5)), *priv).rv(),
            CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(RsaTest, KeyClassTypeAndSizeAreChecked) {
  auto pub = Material(*pub_);
  auto priv = Material(*priv_);
  EXPECT_EQ(Mech(CKM_SHA256_RSA_PKCS).BeginSign({}, *pub).rv(), CKR_KEY_TYPE_INCONSISTENT);
  EXPECT_EQ(Mech(CKM_RSA_PKCS).BeginDecrypt({}, *pub).rv(), CKR_KEY_TYPE_INCONSISTENT);
  // A private key carries its public parts: it may verify and encrypt.
  EXPECT_TRUE(Mech(CKM_SHA256_RSA_PKCS).BeginVerify({}, *priv).ok());
  EXPECT_TRUE(Mech(CKM_RSA_PKCS).BeginEncrypt({}, *priv).ok());
  KeyMaterial ec;
  ec.object_class = CKO_PRIVATE_KEY;
  ec.key_type = CKK_EC;
  ec.pkey = asym_test::FromSpki(pub_->GetBytes(CKA_PUBLIC_KEY_INFO));
  ec.size = 2048;
  EXPECT_EQ(Mech(CKM_SHA256_RSA_PKCS).BeginSign({}, ec).rv(), CKR_KEY_TYPE_INCONSISTENT);
  // A 768-bit key is below every RSA mechanism's range.
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  ASSERT_EQ(EVP_PKEY_keygen_init(ctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 768), 1);
  EVP_PKEY* small = nullptr;
  ASSERT_EQ(EVP_PKEY_generate(ctx.get(), &small), 1);
  KeyMaterial tiny;
  tiny.object_class = CKO_PRIVATE_KEY;
  tiny.key_type = CKK_RSA;
  tiny.pkey.reset(small);
  tiny.size = 768;
  EXPECT_EQ(Mech(CKM_SHA256_RSA_PKCS).BeginSign({}, tiny).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(Mech(CKM_RSA_PKCS).BeginEncrypt({}, tiny).rv(), CKR_KEY_SIZE_RANGE);
}

TEST_F(RsaTest, VerifyReportsLengthAndMismatch) {
  auto pub = Material(*pub_);
  auto priv = Material(*priv_);
  Bytes msg = Hex("0102030405");
  auto sig = asym_test::Sign(Mech(CKM_SHA256_RSA_PKCS), {}, *priv, View(msg));
  ASSERT_TRUE(sig.ok());
  Bytes shorter(sig->begin(), sig->end() - 1);
  EXPECT_EQ(asym_test::Verify(Mech(CKM_SHA256_RSA_PKCS), {}, *pub, View(msg), View(shorter)).rv(),
            CKR_SIGNATURE_LEN_RANGE);
  Bytes wrong = *sig;
  wrong[100] ^= 1;
  EXPECT_EQ(asym_test::Verify(Mech(CKM_SHA256_RSA_PKCS), {}, *pub, View(msg), View(wrong)).rv(),
            CKR_SIGNATURE_INVALID);
  auto op = Mech(CKM_SHA256_RSA_PKCS).BeginVerify({}, *pub);
  ASSERT_TRUE((*op)->Update(View(msg)).ok());
  EXPECT_TRUE((*op)->Final(View(*sig)).ok());
}

TEST_F(RsaTest, EncryptDecryptRoundTripWithExactLengths) {
  auto pub = Material(*pub_);
  auto priv = Material(*priv_);
  Bytes plain = Hex("00112233445566778899aabbccddeeff");
  auto enc = Mech(CKM_RSA_PKCS).BeginEncrypt({}, *pub);
  ASSERT_TRUE(enc.ok());
  Bytes cipher(256);
  CK_ULONG len = cipher.size();
  OutBuffer out(cipher.data(), &len);
  ASSERT_TRUE((*enc)->OneShot(View(plain), out).ok());
  EXPECT_EQ(len, 256u);

  auto dec = Mech(CKM_RSA_PKCS).BeginDecrypt({}, *priv);
  ASSERT_TRUE(dec.ok());
  CK_ULONG qlen = 0;
  OutBuffer query(nullptr, &qlen);
  EXPECT_EQ((*dec)->OneShot(View(cipher), query).rv(), CKR_OK);
  EXPECT_EQ(qlen, 256u);  // the modulus size: the plaintext length is not known before
  Bytes back(plain.size() - 1);
  CK_ULONG blen = back.size();
  OutBuffer small(back.data(), &blen);
  Result<void> r = (*dec)->OneShot(View(cipher), small);
  EXPECT_EQ(r.rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(blen, plain.size());  // exact
  back.resize(blen);
  OutBuffer exact(back.data(), &blen);
  ASSERT_TRUE((*dec)->OneShot(View(cipher), exact).ok());
  EXPECT_EQ(back, plain);

  // OpenSSL decrypts what the mechanism encrypted.
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, priv->pkey.get(), nullptr));
  ASSERT_EQ(EVP_PKEY_decrypt_init(ctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING), 1);
  Bytes theirs(256);
  size_t tlen = theirs.size();
  ASSERT_EQ(EVP_PKEY_decrypt(ctx.get(), theirs.data(), &tlen, cipher.data(), cipher.size()), 1);
  theirs.resize(tlen);
  EXPECT_EQ(theirs, plain);
}

TEST_F(RsaTest, CipherErrors) {
  auto pub = Material(*pub_);
  auto priv = Material(*priv_);
  Bytes out(256);
  CK_ULONG len = out.size();
  OutBuffer buf(out.data(), &len);
  auto enc = Mech(CKM_RSA_PKCS).BeginEncrypt({}, *pub);
  EXPECT_EQ((*enc)->OneShot(View(Bytes(246)), buf).rv(), CKR_DATA_LEN_RANGE);
  EXPECT_EQ((*enc)->Update(View(Bytes(4)), buf).rv(), CKR_FUNCTION_NOT_SUPPORTED);
  auto dec = Mech(CKM_RSA_PKCS).BeginDecrypt({}, *priv);
  EXPECT_EQ((*dec)->OneShot(View(Bytes(255, 1)), buf).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  // A value above the modulus is no RSA ciphertext.
  EXPECT_EQ((*dec)->OneShot(View(Bytes(256, 0xff)), buf).rv(), CKR_ENCRYPTED_DATA_INVALID);
  EXPECT_EQ(Mech(CKM_SHA256_RSA_PKCS).BeginEncrypt({}, *pub).rv(), CKR_MECHANISM_INVALID);
}

TEST_F(RsaTest, KeyPairGenerationTemplateRules) {
  const Mechanism& gen = Mech(CKM_RSA_PKCS_KEY_PAIR_GEN);
  auto generate = [&](std::optional<CK_ULONG> bits, std::optional<Bytes> e, ByteView param = {}) {
    Object pub = KeyObject(CKO_PUBLIC_KEY, CKK_RSA), priv = KeyObject(CKO_PRIVATE_KEY, CKK_RSA);
    if (bits) pub.SetUlong(CKA_MODULUS_BITS, *bits);
    if (e) pub.Set(CKA_PUBLIC_EXPONENT, View(*e));
    return gen.GenerateKeyPair(param, pub, priv).rv();
  };
  EXPECT_EQ(generate(std::nullopt, std::nullopt), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(generate(1024, std::nullopt), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(generate(8200, std::nullopt), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(generate(2048, Hex("010000")), CKR_ATTRIBUTE_VALUE_INVALID);  // even
  EXPECT_EQ(generate(2048, Hex("01")), CKR_ATTRIBUTE_VALUE_INVALID);
  EXPECT_EQ(generate(2048, std::nullopt, View(Bytes(1))), CKR_MECHANISM_PARAM_INVALID);
  Object pub = KeyObject(CKO_PUBLIC_KEY, CKK_RSA), priv = KeyObject(CKO_PRIVATE_KEY, CKK_RSA);
  pub.Set(CKA_MODULUS_BITS, View(Bytes(3)));
  EXPECT_EQ(gen.GenerateKeyPair({}, pub, priv).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  // A chosen exponent is used.
  pub.SetUlong(CKA_MODULUS_BITS, 2048);
  pub.Set(CKA_PUBLIC_EXPONENT, View(Hex("00000003")));
  ASSERT_TRUE(gen.GenerateKeyPair({}, pub, priv).ok());
  EXPECT_TRUE(std::ranges::equal(priv.GetBytes(CKA_PUBLIC_EXPONENT), Hex("03")));
  EXPECT_EQ(Mech(CKM_SHA256_RSA_PKCS).GenerateKeyPair({}, pub, priv).rv(), CKR_MECHANISM_INVALID);
}

}  // namespace
}  // namespace p11
