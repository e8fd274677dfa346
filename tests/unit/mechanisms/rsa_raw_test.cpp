// Raw RSA (CKM_RSA_X_509), C_SignRecover / C_VerifyRecover for CKM_RSA_PKCS and
// CKM_RSA_X_509, and the SHA-3 signature mechanisms, each checked against OpenSSL directly
// (EVP_PKEY_sign without padding, EVP_PKEY_verify_recover, EVP_DigestVerify with SHA-3).
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

constexpr size_t kModulusBytes = 256;

// C_VerifyRecover as an application does it: a length query, then the call.
Result<Bytes> Recover(const Mechanism& m, const KeyMaterial& key, ByteView sig) {
  P11_ASSIGN_OR_RETURN(auto op, m.BeginVerifyRecover({}, key));
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  Result<void> q = op->Recover(sig, query);
  if (q.ok()) return Error{CKR_GENERAL_ERROR, 0, "length query consumed the operation"};
  if (q.rv() != CKR_OK) return q.error();
  Bytes out(len);
  OutBuffer buf(out.data(), &len);
  P11_TRY(op->Recover(sig, buf));
  out.resize(len);
  return out;
}

Result<Bytes> SignRecover(const Mechanism& m, const KeyMaterial& key, ByteView data) {
  P11_ASSIGN_OR_RETURN(auto op, m.BeginSignRecover({}, key));
  Bytes sig(kModulusBytes);
  CK_ULONG len = sig.size();
  OutBuffer buf(sig.data(), &len);
  P11_TRY(op->Sign(data, buf));
  sig.resize(len);
  return sig;
}

Result<Bytes> Cipher(const Mechanism& m, const KeyMaterial& key, ByteView in, bool encrypt) {
  auto op = encrypt ? m.BeginEncrypt({}, key) : m.BeginDecrypt({}, key);
  if (!op.ok()) return op.error();
  Bytes out(kModulusBytes);
  CK_ULONG len = out.size();
  OutBuffer buf(out.data(), &len);
  P11_TRY((*op)->OneShot(in, buf));
  out.resize(len);
  return out;
}

Bytes LeftPad(const Bytes& in) {
  Bytes out(kModulusBytes - in.size(), 0);
  out.insert(out.end(), in.begin(), in.end());
  return out;
}

// OpenSSL's raw private operation (EVP_PKEY_sign, no padding) or its PKCS#1 v1.5 signature of
// caller-built data.
Bytes OsslSign(EVP_PKEY* pkey, int padding, const Bytes& in) {
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  EXPECT_EQ(EVP_PKEY_sign_init(ctx.get()), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding), 1);
  Bytes out(kModulusBytes);
  size_t len = out.size();
  EXPECT_EQ(EVP_PKEY_sign(ctx.get(), out.data(), &len, in.data(), in.size()), 1);
  out.resize(len);
  return out;
}

using RsaRawTest = asym_test::RsaPairSuite;

TEST_F(RsaRawTest, MechanismInfoIsTruthful) {
  const CK_MECHANISM_INFO& x509 = Mech(CKM_RSA_X_509).info();
  EXPECT_EQ(x509.flags, CKF_SIGN | CKF_VERIFY | kMessageFlags | CKF_SIGN_RECOVER |
                            CKF_VERIFY_RECOVER | CKF_ENCRYPT | CKF_DECRYPT);
  EXPECT_EQ(x509.ulMinKeySize, 1024u);
  EXPECT_EQ(x509.ulMaxKeySize, 8192u);
  for (CK_MECHANISM_TYPE t :
       {CKM_SHA3_224_RSA_PKCS, CKM_SHA3_256_RSA_PKCS, CKM_SHA3_384_RSA_PKCS, CKM_SHA3_512_RSA_PKCS,
        CKM_SHA3_224_RSA_PKCS_PSS, CKM_SHA3_256_RSA_PKCS_PSS, CKM_SHA3_384_RSA_PKCS_PSS,
        CKM_SHA3_512_RSA_PKCS_PSS, CKM_SHA224_RSA_PKCS_PSS}) {
    EXPECT_EQ(Mech(t).info().flags, CKF_SIGN | CKF_VERIFY | kMessageFlags) << std::hex << t;
    EXPECT_EQ(Mech(t).info().ulMaxKeySize, 8192u);
  }
  const CK_MECHANISM_INFO& gen = Mech(CKM_RSA_PKCS_KEY_PAIR_GEN).info();
  EXPECT_EQ(gen.ulMinKeySize, 2048u);
  EXPECT_EQ(gen.ulMaxKeySize, 8192u);
  Object pub = KeyObject(CKO_PUBLIC_KEY, CKK_RSA), priv = KeyObject(CKO_PRIVATE_KEY, CKK_RSA);
  pub.SetUlong(CKA_MODULUS_BITS, 8193);
  EXPECT_EQ(Mech(CKM_RSA_PKCS_KEY_PAIR_GEN).GenerateKeyPair({}, pub, priv).rv(),
            CKR_KEY_SIZE_RANGE);
}

TEST_F(RsaRawTest, X509SignIsTheModularExponentiation) {
  auto priv = Material(*priv_);
  auto pub = Material(*pub_);
  const Mechanism& m = Mech(CKM_RSA_X_509);
  Bytes data = Hex("00ff00112233445566778899aabbccddeeff0102030405");
  auto sig = asym_test::Sign(m, {}, *priv, View(data));
  ASSERT_TRUE(sig.ok()) << std::hex << sig.rv();
  ASSERT_EQ(sig->size(), kModulusBytes);
  // Short input is left-padded with zeros: the same as OpenSSL's raw operation on the block.
  EXPECT_EQ(*sig, OsslSign(priv->pkey.get(), RSA_NO_PADDING, LeftPad(data)));
  // And it is m^d mod n, computed here with BIGNUMs from the key's own attributes.
  auto bn = [](ByteView b) {
    return ossl::UniquePtr<BIGNUM>(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
  };
  auto n = bn(priv_->GetBytes(CKA_MODULUS)), d = bn(priv_->GetBytes(CKA_PRIVATE_EXPONENT));
  auto x = bn(View(data));
  ossl::UniquePtr<BIGNUM> s(BN_new());
  ossl::UniquePtr<BN_CTX> ctx(BN_CTX_new());
  ASSERT_EQ(BN_mod_exp(s.get(), x.get(), d.get(), n.get(), ctx.get()), 1);
  Bytes expected(kModulusBytes);
  ASSERT_EQ(BN_bn2binpad(s.get(), expected.data(), kModulusBytes), 256);
  EXPECT_EQ(*sig, expected);

  EXPECT_TRUE(asym_test::Verify(m, {}, *pub, View(data), View(*sig)).ok());
  // Leading zeros are not significant for X.509: the padded block verifies too.
  EXPECT_TRUE(asym_test::Verify(m, {}, *pub, View(LeftPad(data)), View(*sig)).ok());
  Bytes other = data;
  other.back() ^= 1;
  EXPECT_EQ(asym_test::Verify(m, {}, *pub, View(other), View(*sig)).rv(), CKR_SIGNATURE_INVALID);
  Bytes bad = *sig;
  bad[3] ^= 1;
  EXPECT_EQ(asym_test::Verify(m, {}, *pub, View(data), View(bad)).rv(), CKR_SIGNATURE_INVALID);
  EXPECT_EQ(asym_test::Verify(m, {}, *pub, View(data), View(Bytes(255, 1))).rv(),
            CKR_SIGNATURE_LEN_RANGE);
  EXPECT_EQ(asym_test::Verify(m, {}, *pub, View(data), View(Bytes(256, 0xff))).rv(),
            CKR_SIGNATURE_INVALID);
}

TEST_F(RsaRawTest, X509InputRules) {
  auto priv = Material(*priv_);
  const Mechanism& m = Mech(CKM_RSA_X_509);
  EXPECT_TRUE(asym_test::Sign(m, {}, *priv, View(Bytes{})).ok());
  EXPECT_TRUE(asym_test::Sign(m, {}, *priv, View(Bytes(255, 0xff))).ok());
  EXPECT_EQ(asym_test::Sign(m, {}, *priv, View(Bytes(257, 0))).rv(), CKR_DATA_LEN_RANGE);
  // A full-length value at or above the modulus is no RSA input.
  EXPECT_EQ(asym_test::Sign(m, {}, *priv, View(Bytes(256, 0xff))).rv(), CKR_DATA_INVALID);
  Bytes n(priv_->GetBytes(CKA_MODULUS).begin(), priv_->GetBytes(CKA_MODULUS).end());
  EXPECT_EQ(asym_test::Sign(m, {}, *priv, View(n)).rv(), CKR_DATA_INVALID);
  n.back() -= 1;
  EXPECT_TRUE(asym_test::Sign(m, {}, *priv, View(n)).ok());
  EXPECT_EQ(m.BeginSign(View(Bytes(2)), *priv).rv(), CKR_MECHANISM_PARAM_INVALID);
  auto op = m.BeginSign({}, *priv);
  ASSERT_TRUE(op.ok());
  EXPECT_EQ((*op)->Update(View(Bytes(3))).rv(), CKR_FUNCTION_NOT_SUPPORTED);
  EXPECT_EQ(m.BeginSign({}, *Material(*pub_)).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(RsaRawTest, X509EncryptDecryptGiveTheFullBlock) {
  auto priv = Material(*priv_);
  auto pub = Material(*pub_);
  const Mechanism& m = Mech(CKM_RSA_X_509);
  Bytes plain = Hex("0102030405060708");
  auto cipher = Cipher(m, *pub, View(plain), true);
  ASSERT_TRUE(cipher.ok()) << std::hex << cipher.rv();
  ASSERT_EQ(cipher->size(), kModulusBytes);
  // Raw encryption is deterministic: OpenSSL's raw public operation on the block agrees.
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pub->pkey.get(), nullptr));
  ASSERT_EQ(EVP_PKEY_encrypt_init(ctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING), 1);
  Bytes theirs(kModulusBytes), block = LeftPad(plain);
  size_t len = theirs.size();
  ASSERT_EQ(EVP_PKEY_encrypt(ctx.get(), theirs.data(), &len, block.data(), block.size()), 1);
  EXPECT_EQ(*cipher, theirs);
  auto back = Cipher(m, *priv, View(*cipher), false);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, block);  // modulus length, leading zeros kept
  EXPECT_EQ(Cipher(m, *priv, View(Bytes(256, 0xff)), false).rv(), CKR_ENCRYPTED_DATA_INVALID);
  EXPECT_EQ(Cipher(m, *priv, View(Bytes(200, 1)), false).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(Cipher(m, *pub, View(Bytes(256, 0xff)), true).rv(), CKR_DATA_INVALID);
  EXPECT_EQ(Cipher(m, *pub, View(Bytes(257, 1)), true).rv(), CKR_DATA_LEN_RANGE);
}

TEST_F(RsaRawTest, Pkcs1SignRecoverAndVerifyRecover) {
  auto priv = Material(*priv_);
  auto pub = Material(*pub_);
  const Mechanism& m = Mech(CKM_RSA_PKCS);
  Bytes data = Hex("54686520717569636b2062726f776e20666f78");
  auto sig = SignRecover(m, *priv, View(data));
  ASSERT_TRUE(sig.ok()) << std::hex << sig.rv();
  // C_SignRecover is the ordinary PKCS#1 v1.5 signature, which OpenSSL makes the same way.
  EXPECT_EQ(*sig, OsslSign(priv->pkey.get(), RSA_PKCS1_PADDING, data));
  auto recovered = Recover(m, *pub, View(*sig));
  ASSERT_TRUE(recovered.ok()) << std::hex << recovered.rv();
  EXPECT_EQ(*recovered, data);

  // The length query reports the most the block can carry; a short buffer learns the exact
  // length and keeps the operation.
  auto op = m.BeginVerifyRecover({}, *pub);
  ASSERT_TRUE(op.ok());
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  EXPECT_EQ((*op)->Recover(View(*sig), query).rv(), CKR_OK);
  EXPECT_EQ(len, kModulusBytes - 11);
  Bytes out(4);
  len = out.size();
  OutBuffer small(out.data(), &len);
  Result<void> r = (*op)->Recover(View(*sig), small);
  EXPECT_EQ(r.rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, data.size());

  Bytes bad = *sig;
  bad[9] ^= 4;
  EXPECT_EQ(Recover(m, *pub, View(bad)).rv(), CKR_SIGNATURE_INVALID);
  EXPECT_EQ(Recover(m, *pub, View(Bytes(255, 1))).rv(), CKR_SIGNATURE_LEN_RANGE);
  EXPECT_EQ(Recover(m, *pub, View(Bytes(256, 0xff))).rv(), CKR_SIGNATURE_INVALID);
  // A PKCS#1 v1.5 encryption block (type 2) is no signature.
  auto enc = Cipher(m, *pub, View(data), true);
  ASSERT_TRUE(enc.ok());
  auto type2_block = Cipher(Mech(CKM_RSA_X_509), *priv, View(*enc), false);
  ASSERT_TRUE(type2_block.ok());
  auto type2_sig = asym_test::Sign(Mech(CKM_RSA_X_509), {}, *priv, View(*type2_block));
  ASSERT_TRUE(type2_sig.ok());
  EXPECT_EQ(Recover(m, *pub, View(*type2_sig)).rv(), CKR_SIGNATURE_INVALID);
  EXPECT_EQ(SignRecover(m, *priv, View(Bytes(246, 1))).rv(), CKR_DATA_LEN_RANGE);
}

TEST_F(RsaRawTest, X509SignRecoverAndVerifyRecover) {
  auto priv = Material(*priv_);
  auto pub = Material(*pub_);
  const Mechanism& m = Mech(CKM_RSA_X_509);
  Bytes data = Hex("cafebabe");
  auto sig = SignRecover(m, *priv, View(data));
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(*sig, OsslSign(priv->pkey.get(), RSA_NO_PADDING, LeftPad(data)));
  auto recovered = Recover(m, *pub, View(*sig));
  ASSERT_TRUE(recovered.ok());
  EXPECT_EQ(*recovered, LeftPad(data));  // the whole block, as PKCS#11 3.1 §2.1.9 says
  EXPECT_EQ(Recover(m, *pub, View(Bytes(256, 0xff))).rv(), CKR_SIGNATURE_INVALID);
}

TEST_F(RsaRawTest, RecoverIsOnlyForPkcs1AndX509) {
  auto priv = Material(*priv_);
  auto pub = Material(*pub_);
  for (CK_MECHANISM_TYPE t : {CKM_SHA256_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_SHA3_256_RSA_PKCS}) {
    EXPECT_EQ(Mech(t).BeginSignRecover({}, *priv).rv(), CKR_MECHANISM_INVALID) << std::hex << t;
    EXPECT_EQ(Mech(t).BeginVerifyRecover({}, *pub).rv(), CKR_MECHANISM_INVALID) << std::hex << t;
  }
  EXPECT_EQ(Mech(CKM_RSA_PKCS).BeginVerifyRecover(View(Bytes(1)), *pub).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Mech(CKM_RSA_PKCS).BeginSignRecover({}, *pub).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

struct Sha3Case {
  CK_MECHANISM_TYPE pkcs1;
  CK_MECHANISM_TYPE pss;
  CK_MECHANISM_TYPE hash;
  CK_RSA_PKCS_MGF_TYPE mgf;
  const char* md;
  size_t size;
};

constexpr Sha3Case kSha3[] = {
    {CKM_SHA3_224_RSA_PKCS, CKM_SHA3_224_RSA_PKCS_PSS, CKM_SHA3_224, CKG_MGF1_SHA3_224, "SHA3-224",
     28},
    {CKM_SHA3_256_RSA_PKCS, CKM_SHA3_256_RSA_PKCS_PSS, CKM_SHA3_256, CKG_MGF1_SHA3_256, "SHA3-256",
     32},
    {CKM_SHA3_384_RSA_PKCS, CKM_SHA3_384_RSA_PKCS_PSS, CKM_SHA3_384, CKG_MGF1_SHA3_384, "SHA3-384",
     48},
    {CKM_SHA3_512_RSA_PKCS, CKM_SHA3_512_RSA_PKCS_PSS, CKM_SHA3_512, CKG_MGF1_SHA3_512, "SHA3-512",
     64},
};

// OpenSSL verifies `sig` over `msg` with `md` and the given padding (PSS: MGF1 with the same
// digest, salt of `salt` bytes).
int OsslVerify(EVP_PKEY* pkey, const char* md, int padding, int salt, const Bytes& msg,
               const Bytes& sig) {
  ossl::UniquePtr<EVP_MD_CTX> v(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestVerifyInit_ex(v.get(), &pctx, md, nullptr, nullptr, pkey, nullptr), 1);
  EVP_PKEY_CTX_set_rsa_padding(pctx, padding);
  if (padding == RSA_PKCS1_PSS_PADDING) EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt);
  return EVP_DigestVerify(v.get(), sig.data(), sig.size(), msg.data(), msg.size());
}

TEST_F(RsaRawTest, Sha3Pkcs1SignaturesVerifyWithOpenSsl) {
  auto priv = Material(*priv_);
  auto pub = Material(*pub_);
  auto spki = asym_test::FromSpki(pub_->GetBytes(CKA_PUBLIC_KEY_INFO));
  Bytes msg = Hex("6d65737361676520666f7220534841332d525341");
  for (const Sha3Case& c : kSha3) {
    auto sig = asym_test::Sign(Mech(c.pkcs1), {}, *priv, View(msg));
    ASSERT_TRUE(sig.ok()) << c.md << " " << std::hex << sig.rv();
    EXPECT_EQ(OsslVerify(spki.get(), c.md, RSA_PKCS1_PADDING, 0, msg, *sig), 1) << c.md;
    EXPECT_TRUE(asym_test::Verify(Mech(c.pkcs1), {}, *pub, View(msg), View(*sig)).ok());
    // PKCS#1 v1.5 is deterministic: OpenSSL's own SHA-3 signature is the same bytes.
    ossl::UniquePtr<EVP_MD_CTX> s(EVP_MD_CTX_new());
    ASSERT_EQ(
        EVP_DigestSignInit_ex(s.get(), nullptr, c.md, nullptr, nullptr, priv->pkey.get(), nullptr),
        1);
    Bytes theirs(kModulusBytes);
    size_t len = theirs.size();
    ASSERT_EQ(EVP_DigestSign(s.get(), theirs.data(), &len, msg.data(), msg.size()), 1);
    EXPECT_EQ(theirs, *sig) << c.md;
    Bytes other = msg;
    other[0] ^= 1;
    EXPECT_EQ(asym_test::Verify(Mech(c.pkcs1), {}, *pub, View(other), View(*sig)).rv(),
              CKR_SIGNATURE_INVALID);
  }
}

TEST_F(RsaRawTest, Sha3PssSignaturesVerifyWithOpenSsl) {
  auto priv = Material(*priv_);
  auto pub = Material(*pub_);
  auto spki = asym_test::FromSpki(pub_->GetBytes(CKA_PUBLIC_KEY_INFO));
  Bytes msg = Hex("707373207769746820736861332068617368657321");
  for (const Sha3Case& c : kSha3) {
    CK_RSA_PKCS_PSS_PARAMS p{c.hash, c.mgf, c.size};
    auto sig = asym_test::Sign(Mech(c.pss), ParamBytes(p), *priv, View(msg));
    ASSERT_TRUE(sig.ok()) << c.md << " " << std::hex << sig.rv();
    EXPECT_EQ(
        OsslVerify(spki.get(), c.md, RSA_PKCS1_PSS_PADDING, static_cast<int>(c.size), msg, *sig), 1)
        << c.md;
    EXPECT_TRUE(asym_test::Verify(Mech(c.pss), ParamBytes(p), *pub, View(msg), View(*sig)).ok());
    // CKM_RSA_PKCS_PSS takes the SHA-3 hash itself.
    Bytes hash(EVP_MAX_MD_SIZE);
    unsigned int hlen = 0;
    ossl::UniquePtr<EVP_MD> md(EVP_MD_fetch(nullptr, c.md, nullptr));
    ASSERT_EQ(EVP_Digest(msg.data(), msg.size(), hash.data(), &hlen, md.get(), nullptr), 1);
    hash.resize(hlen);
    EXPECT_TRUE(
        asym_test::Verify(Mech(CKM_RSA_PKCS_PSS), ParamBytes(p), *pub, View(hash), View(*sig))
            .ok());
    auto direct = asym_test::Sign(Mech(CKM_RSA_PKCS_PSS), ParamBytes(p), *priv, View(hash));
    ASSERT_TRUE(direct.ok());
    EXPECT_EQ(
        OsslVerify(spki.get(), c.md, RSA_PKCS1_PSS_PADDING, static_cast<int>(c.size), msg, *direct),
        1);
    // The hash-and-sign form insists on its own hash.
    CK_RSA_PKCS_PSS_PARAMS wrong{CKM_SHA256, c.mgf, c.size};
    EXPECT_EQ(Mech(c.pss).BeginSign(ParamBytes(wrong), *priv).rv(), CKR_MECHANISM_PARAM_INVALID);
  }
  // SHA-224 PSS, mixing in an MGF1 over SHA3-256.
  CK_RSA_PKCS_PSS_PARAMS p224{CKM_SHA224, CKG_MGF1_SHA3_256, 28};
  auto sig = asym_test::Sign(Mech(CKM_SHA224_RSA_PKCS_PSS), ParamBytes(p224), *priv, View(msg));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(asym_test::Verify(Mech(CKM_SHA224_RSA_PKCS_PSS), ParamBytes(p224), *pub, View(msg),
                                View(*sig))
                  .ok());
}

}  // namespace
}  // namespace p11
