// MbedCrypto RSA-2048 against OpenSSL 3: PKCS#1 v1.5 signatures byte-for-byte equal to
// EVP_PKEY_sign with RSA_PKCS1_PADDING and no digest, PSS signatures that OpenSSL verifies
// (and OpenSSL's that the device verifies), PKCS#8 import and export, on-device key
// generation, and the refusals.
#include "workers/ossl_helpers.h"

namespace hsm_test {
namespace {

using hsm::KeyBlob;
using hsm::PublicBuf;
using hsm::SignParams;
using hsm::Status;
using wire::HashAlg;
using wire::KeyType;
using wire::SignAlg;

const SignParams kPkcs1{SignAlg::kRsaPkcs1, HashAlg::kNone, 0};

// DigestInfo for SHA-256 (RFC 8017 section 9.2, note 1) followed by the digest.
Bytes DigestInfoSha256(const Bytes& message) {
  Bytes out = Hex("3031300d060960864801650304020105000420");
  const Bytes digest = OsslDigest(HashAlg::kSha256, message);
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

Bytes ToBytes(const PublicBuf& pub) { return Bytes(pub.data(), pub.data() + pub.size()); }

// One OpenSSL key for the suite (RSA key generation is the slow part), imported once per test.
class RsaTest : public CryptoTest {
 protected:
  static void SetUpTestSuite() { key_ = OsslRsaKey(2048).release(); }
  static void TearDownTestSuite() { EVP_PKEY_free(key_); }

  void SetUp() override {
    CryptoTest::SetUp();
    ASSERT_NE(key_, nullptr);
    ASSERT_EQ(crypto_.ImportPrivate(KeyType::kRsa2048, Pkcs8Of(key_), blob_, pub_), Status::kOk);
  }

  Bytes SignOnDevice(const SignParams& params, const Bytes& data, Status expect = Status::kOk) {
    Bytes sig(256);
    size_t len = 0;
    EXPECT_EQ(crypto_.Sign(KeyType::kRsa2048, blob_, params, data, sig, &len), expect);
    sig.resize(len);
    return sig;
  }

  Status VerifyOnDevice(const SignParams& params, const Bytes& data, const Bytes& sig) {
    return crypto_.Verify(KeyType::kRsa2048, nullptr, pub_.span(), params, data, sig);
  }

  static EVP_PKEY* key_;
  KeyBlob blob_;
  PublicBuf pub_;
};

EVP_PKEY* RsaTest::key_ = nullptr;

TEST_F(RsaTest, ImportGivesPkcs1PublicKeyDer) {
  EXPECT_EQ(ToBytes(pub_), RsaPublicDer(key_));
  EXPECT_EQ(crypto_.CheckPublic(KeyType::kRsa2048, pub_.span()), Status::kOk);
  EXPECT_LE(blob_.size(), wire::kMaxKeyBlob);
}

TEST_F(RsaTest, Pkcs1SignatureEqualsOpenSslBytes) {
  for (const Bytes& input : {DigestInfoSha256(Str("abc")), Bytes(245, 0x5a), Bytes{0x01}}) {
    const Bytes device = SignOnDevice(kPkcs1, input);
    ASSERT_EQ(device.size(), 256u);
    EXPECT_EQ(device, OsslSign(key_, input, Pkcs1NoDigest)) << input.size();
    EXPECT_EQ(VerifyOnDevice(kPkcs1, input, device), Status::kOk);
  }
  SignOnDevice(kPkcs1, Bytes(246, 0x5a), Status::kDataLenRange);  // over k - 11
  SignOnDevice(kPkcs1, Bytes{}, Status::kDataLenRange);
}

TEST_F(RsaTest, OpenSslPkcs1SignaturesVerifyOnDevice) {
  const Bytes info = DigestInfoSha256(Str("firmware"));
  Bytes sig = OsslSign(key_, info, Pkcs1NoDigest);
  EXPECT_EQ(VerifyOnDevice(kPkcs1, info, sig), Status::kOk);
  sig[100] ^= 0x10;
  EXPECT_EQ(VerifyOnDevice(kPkcs1, info, sig), Status::kSignatureInvalid);
  sig[100] ^= 0x10;
  EXPECT_EQ(VerifyOnDevice(kPkcs1, DigestInfoSha256(Str("firmwarf")), sig),
            Status::kSignatureInvalid);
  EXPECT_EQ(VerifyOnDevice(kPkcs1, info, Bytes(sig.begin(), sig.end() - 1)),
            Status::kSignatureInvalid);
  EXPECT_EQ(VerifyOnDevice(kPkcs1, info, Bytes(256, 0xff)), Status::kSignatureInvalid);  // >= n
  EXPECT_EQ(VerifyOnDevice(kPkcs1, info, Bytes{}), Status::kSignatureInvalid);
}

TEST_F(RsaTest, PssSignaturesVerifyInOpenSsl) {
  for (HashAlg hash : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
    const Bytes digest = OsslDigest(hash, Str("pss message"));
    for (uint16_t salt : {uint16_t{0}, uint16_t{20}, static_cast<uint16_t>(digest.size())}) {
      const SignParams params{SignAlg::kRsaPss, hash, salt};
      const Bytes sig = SignOnDevice(params, digest);
      ASSERT_EQ(sig.size(), 256u);
      EXPECT_TRUE(OsslVerify(key_, digest, sig, Pss(hash, salt)))
          << static_cast<int>(hash) << "/" << salt;
      EXPECT_EQ(VerifyOnDevice(params, digest, sig), Status::kOk);
    }
  }
}

TEST_F(RsaTest, OpenSslPssSignaturesVerifyOnDevice) {
  const Bytes digest = OsslDigest(HashAlg::kSha384, Str("from openssl"));
  Bytes sig = OsslSign(key_, digest, Pss(HashAlg::kSha384, 48));
  ASSERT_EQ(sig.size(), 256u);
  const SignParams params{SignAlg::kRsaPss, HashAlg::kSha384, 48};
  EXPECT_EQ(VerifyOnDevice(params, digest, sig), Status::kOk);
  EXPECT_EQ(VerifyOnDevice(SignParams{SignAlg::kRsaPss, HashAlg::kSha384, 32}, digest, sig),
            Status::kSignatureInvalid);  // not the salt length it was made with
  sig[0] ^= 0x01;
  EXPECT_EQ(VerifyOnDevice(params, digest, sig), Status::kSignatureInvalid);
}

TEST_F(RsaTest, PssRefusesBadParameters) {
  const Bytes digest = OsslDigest(HashAlg::kSha256, Str("x"));
  SignOnDevice(SignParams{SignAlg::kRsaPss, HashAlg::kSha384, 0}, digest, Status::kDataLenRange);
  SignOnDevice(SignParams{SignAlg::kRsaPss, HashAlg::kNone, 0}, digest, Status::kParamInvalid);
  SignOnDevice(SignParams{SignAlg::kRsaPss, HashAlg::kSha256, 223}, digest, Status::kParamInvalid);
  SignOnDevice(SignParams{SignAlg::kRsaPss, HashAlg::kSha256, 222}, digest);  // the largest
}

TEST_F(RsaTest, SignRefusesShortBuffersAndWrongTypes) {
  Bytes sig(255);
  size_t len = 3;
  const Bytes info = DigestInfoSha256(Str("abc"));
  EXPECT_EQ(crypto_.Sign(KeyType::kRsa2048, blob_, kPkcs1, info, sig, &len), Status::kTooLarge);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(crypto_.Sign(KeyType::kEcP256, blob_, kPkcs1, info, sig, &len),
            Status::kKeyTypeInconsistent);
  EXPECT_EQ(crypto_.Verify(KeyType::kRsa2048, nullptr, pub_.span(),
                           SignParams{SignAlg::kEcdsa, HashAlg::kNone, 0}, info, sig),
            Status::kKeyTypeInconsistent);
  KeyBlob garbage;
  SetBlob(garbage, Bytes(100, 0x30));
  Bytes full(256);
  EXPECT_EQ(crypto_.Sign(KeyType::kRsa2048, garbage, kPkcs1, info, full, &len),
            Status::kParamInvalid);
}

TEST_F(RsaTest, ExportedPkcs8ParsesInOpenSslToTheSameKey) {
  Bytes der(2048);
  size_t len = 0;
  ASSERT_EQ(crypto_.ExportMaterial(KeyType::kRsa2048, blob_, der, &len), Status::kOk);
  der.resize(len);
  Pkey back = FromPkcs8(der);
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(back.get(), key_), 1);
  EXPECT_EQ(Pkcs8Of(back.get()), der);  // the same DER OpenSSL itself would write
  const Bytes info = DigestInfoSha256(Str("exported"));
  EXPECT_EQ(OsslSign(back.get(), info, Pkcs1NoDigest), SignOnDevice(kPkcs1, info));
  Bytes small(len - 1);
  EXPECT_EQ(crypto_.ExportMaterial(KeyType::kRsa2048, blob_, small, &len), Status::kTooLarge);
}

TEST_F(RsaTest, ImportRefusesOtherKeysAndGarbage) {
  KeyBlob blob;
  PublicBuf pub;
  Pkey small = OsslRsaKey(1024);
  EXPECT_EQ(crypto_.ImportPrivate(KeyType::kRsa2048, Pkcs8Of(small.get()), blob, pub),
            Status::kKeyTypeInconsistent);
  Pkey ec = OsslEcKey(KeyType::kEcP256);
  EXPECT_EQ(crypto_.ImportPrivate(KeyType::kRsa2048, Pkcs8Of(ec.get()), blob, pub),
            Status::kKeyTypeInconsistent);
  EXPECT_EQ(crypto_.ImportPrivate(KeyType::kRsa2048, Bytes(300, 0x00), blob, pub),
            Status::kParamInvalid);
  Bytes broken = Pkcs8Of(key_);
  broken[broken.size() / 2] ^= 0xff;  // inside a CRT integer: the key no longer checks
  EXPECT_NE(crypto_.ImportPrivate(KeyType::kRsa2048, broken, blob, pub), Status::kOk);
  EXPECT_EQ(blob.size(), 0u);
}

TEST_F(RsaTest, CheckPublicRefusesMalformedAndOtherSizes) {
  Bytes der = ToBytes(pub_);
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_EQ(crypto_.CheckPublic(KeyType::kRsa2048, trailing), Status::kParamInvalid);
  EXPECT_EQ(crypto_.CheckPublic(KeyType::kRsa2048, Bytes(der.begin(), der.end() - 1)),
            Status::kParamInvalid);
  EXPECT_EQ(crypto_.CheckPublic(KeyType::kRsa2048, Str("garbage")), Status::kParamInvalid);
  Pkey small = OsslRsaKey(1024);
  EXPECT_EQ(crypto_.CheckPublic(KeyType::kRsa2048, RsaPublicDer(small.get())),
            Status::kKeySizeRange);
  // A verify with a bad public key is a parameter error, not a bad signature.
  EXPECT_EQ(
      crypto_.Verify(KeyType::kRsa2048, nullptr, Str("garbage"), kPkcs1, Bytes{1}, Bytes(256)),
      Status::kParamInvalid);
}

TEST(MbedCryptoRsaKeygen, GeneratedKeyWorksInOpenSsl) {
  DeterministicEntropy entropy(2048);
  hsm::MbedCrypto crypto(entropy);
  ASSERT_EQ(crypto.Init(), Status::kOk);
  KeyBlob blob;
  PublicBuf pub;
  ASSERT_EQ(crypto.GenerateKey(KeyType::kRsa2048, 0, blob, pub), Status::kOk);
  Pkey ossl_pub = RsaFromPublicDer(ToBytes(pub));
  ASSERT_NE(ossl_pub, nullptr);
  EXPECT_EQ(EVP_PKEY_get_bits(ossl_pub.get()), 2048);
  BIGNUM* e = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(ossl_pub.get(), OSSL_PKEY_PARAM_RSA_E, &e), 1);
  EXPECT_EQ(BN_get_word(e), 65537u);
  BN_free(e);

  const Bytes info = DigestInfoSha256(Str("generated"));
  Bytes sig(256);
  size_t len = 0;
  ASSERT_EQ(crypto.Sign(KeyType::kRsa2048, blob, kPkcs1, info, sig, &len), Status::kOk);
  EXPECT_TRUE(OsslVerify(ossl_pub.get(), info, sig, Pkcs1NoDigest));

  Bytes der(2048);
  ASSERT_EQ(crypto.ExportMaterial(KeyType::kRsa2048, blob, der, &len), Status::kOk);
  der.resize(len);
  Pkey priv = FromPkcs8(der);
  ASSERT_NE(priv, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(priv.get(), ossl_pub.get()), 1);
  PkeyCtx check = CtxFor(priv.get());
  EXPECT_EQ(EVP_PKEY_private_check(check.get()), 1);
}

}  // namespace
}  // namespace hsm_test
