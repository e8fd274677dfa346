// Issue 3: EdDSA (Ed25519, Ed448, CK_EDDSA_PARAMS), Montgomery keys with ECDH (X25519, X448),
// ECDH1 on P-256 with CKD_NULL / CKD_SHA256_KDF, and the added Weierstrass curves (secp256k1,
// brainpool). Signatures are verified by OpenSSL on the key from CKA_PUBLIC_KEY_INFO; shared
// secrets are compared with OpenSSL's EVP_PKEY_derive.
#include <openssl/evp.h>

#include "fixture3.h"

namespace conformance {
namespace {

class Mech3EcTest : public Mech3Test {
 protected:
  CK_RV GenEdwards(const Bytes& params, CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv) {
    Template pt;
    pt.Data(CKA_EC_PARAMS, params).Bool(CKA_VERIFY, true);
    Template kt;
    kt.Bool(CKA_SIGN, true).Bool(CKA_SENSITIVE, true).Bool(CKA_PRIVATE, true);
    return GenerateKeyPair(CKM_EC_EDWARDS_KEY_PAIR_GEN, pt, kt, pub, priv);
  }
  // An Edwards private key from known bytes (RFC 8032 test vectors), through C_CreateObject.
  CK_OBJECT_HANDLE ImportEdwards(const Bytes& params, const Bytes& secret) {
    Template t;
    t.Ulong(CKA_CLASS, CKO_PRIVATE_KEY)
        .Ulong(CKA_KEY_TYPE, CKK_EC_EDWARDS)
        .Data(CKA_EC_PARAMS, params)
        .Data(CKA_VALUE, secret)
        .Bool(CKA_SIGN, true)
        .Bool(CKA_PRIVATE, true)
        .Bool(CKA_SENSITIVE, true);
    CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
    EXPECT_CKR_OK(f_->C_CreateObject(s_, t.data(), t.size(), &priv));
    return priv;
  }
  CK_RV GenMontgomery(const Bytes& params, CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv) {
    Template pt;
    pt.Data(CKA_EC_PARAMS, params).Bool(CKA_DERIVE, true);
    Template kt;
    kt.Bool(CKA_DERIVE, true).Bool(CKA_SENSITIVE, true).Bool(CKA_PRIVATE, true);
    return GenerateKeyPair(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, pt, kt, pub, priv);
  }
  // ECDH1 derivation of a readable 32-byte (or `len`) generic secret.
  CK_RV Ecdh(CK_MECHANISM_TYPE mech, CK_OBJECT_HANDLE priv, const Bytes& peer, CK_EC_KDF_TYPE kdf,
             const Bytes& shared, CK_ULONG len, Bytes* out) {
    Bytes pd = peer;
    Bytes sd = shared;
    CK_ECDH1_DERIVE_PARAMS p = {kdf, static_cast<CK_ULONG>(sd.size()),
                                sd.empty() ? nullptr : sd.data(), static_cast<CK_ULONG>(pd.size()),
                                pd.data()};
    CK_MECHANISM m = {mech, &p, sizeof p};
    return DeriveValue(&m, priv, len, out);
  }
  void SignAndVerifyEd(const Bytes& params) {
    CK_OBJECT_HANDLE pub, priv;
    ASSERT_CKR_OK(GenEdwards(params, &pub, &priv));
    EXPECT_EQ(GetUlong(s_, pub, CKA_KEY_TYPE), CKK_EC_EDWARDS);
    EXPECT_EQ(GetUlong(s_, priv, CKA_KEY_TYPE), CKK_EC_EDWARDS);
    EXPECT_EQ(GetBytes(s_, pub, CKA_EC_PARAMS), params) << "CKA_EC_PARAMS reported as given";
    EXPECT_EQ(GetBytes(s_, priv, CKA_EC_PARAMS), params) << "private key CKA_EC_PARAMS";
    Pkey k = TokenPublic(pub);
    ASSERT_NE(k, nullptr);
    Bytes msg = Str("Arca EdDSA conformance message");
    CK_MECHANISM m = {CKM_EDDSA, nullptr, 0};
    Bytes sig;
    ASSERT_CKR_OK(Sign(s_, &m, priv, msg, &sig));
    EXPECT_EQ(sig.size(), params == kEd448Oid ? 114u : 64u);
    EXPECT_TRUE(OsslVerifyAny(k.get(), nullptr, msg, sig)) << "OpenSSL rejects the signature";
    EXPECT_CKR_OK(Verify(s_, &m, pub, msg, sig));
    Bytes bad = sig;
    bad[5] ^= 0x01;
    EXPECT_RV(CKR_SIGNATURE_INVALID, Verify(s_, &m, pub, msg, bad));
  }
};

TEST_F(Mech3EcTest, Ed25519KeygenWithOidSignsForOpenssl) { SignAndVerifyEd(kEd25519Oid); }

TEST_F(Mech3EcTest, Ed25519KeygenWithPrintableStringSignsForOpenssl) {
  SignAndVerifyEd(kEd25519Printable);
}

TEST_F(Mech3EcTest, Ed448SignsForOpenssl) { SignAndVerifyEd(kEd448Oid); }

// RFC 8032 §7.1 TEST 2, through a C_CreateObject'd private key.
TEST_F(Mech3EcTest, Ed25519Rfc8032KnownAnswer) {
  Bytes seed = FromHex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
  Bytes pub_raw = FromHex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  Bytes msg = FromHex("72");
  const char* expected =
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0"
      "f11d8c387b2eaeb4302aeeb00d291612bb0c00";
  CK_OBJECT_HANDLE priv = ImportEdwards(kEd25519Oid, seed);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  CK_MECHANISM m = {CKM_EDDSA, nullptr, 0};
  Bytes sig;
  ASSERT_CKR_OK(Sign(s_, &m, priv, msg, &sig));
  EXPECT_EQ(ToHex(sig), expected);
  Pkey k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub_raw.data(), pub_raw.size()));
  EXPECT_TRUE(OsslVerifyAny(k.get(), nullptr, msg, sig));
}

// RFC 8032 §7.5 Ed448ph with context "foo", through a C_CreateObject'd private key and the
// CK_EDDSA_PARAMS {phFlag = CK_TRUE, context} of PKCS#11 3.1 §2.3.14.
TEST_F(Mech3EcTest, Ed448phRfc8032KnownAnswer) {
  Bytes secret = FromHex(
      "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42ef7822e0d5104127dc05d6db"
      "efde69e3ab2cec7c867c6e2c49");
  Bytes msg = FromHex("616263");
  Bytes context = FromHex("666f6f");
  const char* expected =
      "c32299d46ec8ff02b54540982814dce9a05812f81962b649d528095916a2aa481065b1580423ef927ecf0af5"
      "888f90da0f6a9a85ad5dc3f280d91224ba9911a3653d00e484e2ce232521481c8658df304bb7745a73514cdb"
      "9bf3e15784ab71284f8d0704a608c54a6b62d97beb511d132100";
  CK_OBJECT_HANDLE priv = ImportEdwards(kEd448Oid, secret);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  CK_EDDSA_PARAMS params = {CK_TRUE, static_cast<CK_ULONG>(context.size()), context.data()};
  CK_MECHANISM m = {CKM_EDDSA, &params, sizeof params};
  Bytes sig;
  ASSERT_CKR_OK(Sign(s_, &m, priv, msg, &sig));
  EXPECT_EQ(ToHex(sig), expected);
}

// Ed25519ctx and Ed25519ph (CK_EDDSA_PARAMS): the token verifies its own signatures, and a
// signature does not verify under another context or the other variant.
TEST_F(Mech3EcTest, Ed25519ContextAndPrehashVariants) {
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_CKR_OK(GenEdwards(kEd25519Oid, &pub, &priv));
  Bytes msg = Str("message with context");
  Bytes ctx = Str("context-A");
  Bytes ctx2 = Str("context-B");
  CK_EDDSA_PARAMS pctx = {CK_FALSE, static_cast<CK_ULONG>(ctx.size()), ctx.data()};
  CK_EDDSA_PARAMS pctx2 = {CK_FALSE, static_cast<CK_ULONG>(ctx2.size()), ctx2.data()};
  CK_EDDSA_PARAMS pph = {CK_TRUE, 0, nullptr};
  CK_MECHANISM mctx = {CKM_EDDSA, &pctx, sizeof pctx};
  CK_MECHANISM mctx2 = {CKM_EDDSA, &pctx2, sizeof pctx2};
  CK_MECHANISM mph = {CKM_EDDSA, &pph, sizeof pph};
  CK_MECHANISM mpure = {CKM_EDDSA, nullptr, 0};
  Bytes sig_ctx, sig_ph, sig_pure;
  ASSERT_CKR_OK(Sign(s_, &mctx, priv, msg, &sig_ctx));
  ASSERT_CKR_OK(Sign(s_, &mph, priv, msg, &sig_ph));
  ASSERT_CKR_OK(Sign(s_, &mpure, priv, msg, &sig_pure));
  EXPECT_CKR_OK(Verify(s_, &mctx, pub, msg, sig_ctx));
  EXPECT_CKR_OK(Verify(s_, &mph, pub, msg, sig_ph));
  EXPECT_RV(CKR_SIGNATURE_INVALID, Verify(s_, &mctx2, pub, msg, sig_ctx));
  EXPECT_RV(CKR_SIGNATURE_INVALID, Verify(s_, &mpure, pub, msg, sig_ctx));
  EXPECT_RV(CKR_SIGNATURE_INVALID, Verify(s_, &mpure, pub, msg, sig_ph));
  EXPECT_NE(sig_ctx, sig_pure);
  EXPECT_NE(sig_ph, sig_pure);
}

TEST_F(Mech3EcTest, X25519TokenKeysAgreeWithEachOtherAndOpenssl) {
  CK_OBJECT_HANDLE pub_a, priv_a, pub_b, priv_b;
  ASSERT_CKR_OK(GenMontgomery(kX25519Oid, &pub_a, &priv_a));
  ASSERT_CKR_OK(GenMontgomery(kX25519Oid, &pub_b, &priv_b));
  EXPECT_EQ(GetUlong(s_, priv_a, CKA_KEY_TYPE), CKK_EC_MONTGOMERY);
  EXPECT_EQ(GetBytes(s_, pub_a, CKA_EC_PARAMS), kX25519Oid);
  Pkey ka = TokenPublic(pub_a);
  Pkey kb = TokenPublic(pub_b);
  ASSERT_NE(ka, nullptr);
  ASSERT_NE(kb, nullptr);
  Bytes raw_a = OsslRawPublic(ka.get());
  Bytes raw_b = OsslRawPublic(kb.get());
  ASSERT_EQ(raw_a.size(), 32u);
  ASSERT_EQ(raw_b.size(), 32u);

  Bytes ab, ba;
  ASSERT_CKR_OK(Ecdh(CKM_ECDH1_DERIVE, priv_a, raw_b, CKD_NULL, {}, 32, &ab));
  ASSERT_CKR_OK(Ecdh(CKM_ECDH1_DERIVE, priv_b, raw_a, CKD_NULL, {}, 32, &ba));
  EXPECT_EQ(ab.size(), 32u);
  EXPECT_EQ(ab, ba) << "both token keys derive the same secret";

  Pkey peer = OsslKeygen("X25519", nullptr);
  ASSERT_NE(peer, nullptr);
  Bytes token_side;
  ASSERT_CKR_OK(
      Ecdh(CKM_ECDH1_DERIVE, priv_a, OsslRawPublic(peer.get()), CKD_NULL, {}, 32, &token_side));
  EXPECT_EQ(token_side, OsslDerive(peer.get(), ka.get())) << "token and OpenSSL disagree";
}

TEST_F(Mech3EcTest, X448DeriveMatchesOpenssl) {
  CK_OBJECT_HANDLE pub, priv;
  ASSERT_CKR_OK(GenMontgomery(kX448Oid, &pub, &priv));
  Pkey k = TokenPublic(pub);
  ASSERT_NE(k, nullptr);
  Pkey peer = OsslKeygen("X448", nullptr);
  ASSERT_NE(peer, nullptr);
  Bytes secret;
  ASSERT_CKR_OK(Ecdh(CKM_ECDH1_DERIVE, priv, OsslRawPublic(peer.get()), CKD_NULL, {}, 56, &secret));
  EXPECT_EQ(secret, OsslDerive(peer.get(), k.get()));
}

class Mech3EcdhP256Test : public Mech3EcTest {
 protected:
  void SetUp() override {
    Mech3EcTest::SetUp();
    if (HasFatalFailure()) return;
    Template kx;
    kx.Bool(CKA_DERIVE, true);
    GenerateEc(s_, kP256Params, &pub_, &priv_, nullptr, &kx);
    ASSERT_NE(priv_, CK_INVALID_HANDLE);
    token_pub_ = TokenPublic(pub_);
    ASSERT_NE(token_pub_, nullptr);
    peer_ = OsslKeygen("EC", "P-256");
    ASSERT_NE(peer_, nullptr);
    peer_point_ = OsslEcPoint(peer_.get());
    ASSERT_EQ(peer_point_.size(), 65u);
    z_ = OsslDerive(peer_.get(), token_pub_.get());
    ASSERT_EQ(z_.size(), 32u);
  }
  CK_OBJECT_HANDLE pub_ = CK_INVALID_HANDLE, priv_ = CK_INVALID_HANDLE;
  Pkey token_pub_, peer_;
  Bytes peer_point_, z_;
};

TEST_F(Mech3EcdhP256Test, NullKdfGivesTheSharedSecret) {
  Bytes secret;
  ASSERT_CKR_OK(Ecdh(CKM_ECDH1_DERIVE, priv_, peer_point_, CKD_NULL, {}, 32, &secret));
  EXPECT_EQ(ToHex(secret), ToHex(z_));
}

TEST_F(Mech3EcdhP256Test, Sha256KdfIsX963) {
  Bytes shared = Str("arca shared info");
  Bytes secret;
  ASSERT_CKR_OK(Ecdh(CKM_ECDH1_DERIVE, priv_, peer_point_, CKD_SHA256_KDF, shared, 32, &secret));
  // ANSI X9.63: SHA-256(Z || counter 00000001 || SharedInfo).
  Bytes in = z_;
  in.insert(in.end(), {0, 0, 0, 1});
  in.insert(in.end(), shared.begin(), shared.end());
  EXPECT_EQ(ToHex(secret), ToHex(OpensslDigest("SHA256", in)));
}

TEST_F(Mech3EcdhP256Test, CofactorDeriveOnP256) {
  // P-256 has cofactor 1: the cofactor variant gives the same secret.
  Bytes secret;
  ASSERT_CKR_OK(Ecdh(CKM_ECDH1_COFACTOR_DERIVE, priv_, peer_point_, CKD_NULL, {}, 32, &secret));
  EXPECT_EQ(ToHex(secret), ToHex(z_));
}

TEST_F(Mech3EcTest, Secp256k1AndBrainpoolCurves) {
  struct {
    const Bytes* params;
    const char* name;
  } curves[] = {{&kSecp256k1Params, "secp256k1"},
                {&kBrainpoolP256r1, "brainpoolP256r1"},
                {&kBrainpoolP384r1, "brainpoolP384r1"},
                {&kBrainpoolP512r1, "brainpoolP512r1"}};
  for (const auto& c : curves) {
    SCOPED_TRACE(c.name);
    CK_OBJECT_HANDLE pub, priv;
    GenerateEc(s_, *c.params, &pub, &priv);
    ASSERT_NE(priv, CK_INVALID_HANDLE);
    Pkey k = TokenPublic(pub);
    ASSERT_NE(k, nullptr);
    Bytes msg = Str("curve check");
    CK_MECHANISM m = {CKM_ECDSA_SHA256, nullptr, 0};
    Bytes sig;
    ASSERT_CKR_OK(Sign(s_, &m, priv, msg, &sig));
    EXPECT_TRUE(OsslVerifyAny(k.get(), "SHA256", msg, sig));
  }
}

}  // namespace
}  // namespace conformance
