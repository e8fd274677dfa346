// MbedCrypto EC P-256 / P-384 against OpenSSL 3: device ECDSA signatures verify in OpenSSL
// and OpenSSL's on the device, ECDH equals EVP_PKEY_derive, OpenSSL's PKCS#8 imports and
// the device's PKCS#8 export parses back to the same key; and the refusals (off-curve
// points, wrong key types, garbage, short buffers, wrong signatures).
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

const SignParams kEcdsa{SignAlg::kEcdsa, HashAlg::kNone, 0};

class EcTest : public CryptoTest, public ::testing::WithParamInterface<KeyType> {
 protected:
  KeyType type() const { return GetParam(); }
  size_t size() const { return CurveSize(type()); }
  KeyType other() const { return type() == KeyType::kEcP256 ? KeyType::kEcP384 : KeyType::kEcP256; }

  void Generate(KeyBlob& blob, PublicBuf& pub) {
    ASSERT_EQ(crypto_.GenerateKey(type(), 0, blob, pub), Status::kOk);
  }

  Bytes SignOnDevice(const KeyBlob& blob, const Bytes& digest) {
    Bytes sig(2 * size());
    size_t len = 0;
    EXPECT_EQ(crypto_.Sign(type(), blob, kEcdsa, digest, sig, &len), Status::kOk);
    sig.resize(len);
    return sig;
  }
};

Bytes ToBytes(const PublicBuf& pub) { return Bytes(pub.data(), pub.data() + pub.size()); }
Bytes ToBytes(const KeyBlob& blob) { return Bytes(blob.data(), blob.data() + blob.size()); }

TEST_P(EcTest, GeneratedKeyHasTheDocumentedShape) {
  KeyBlob blob;
  PublicBuf pub;
  Generate(blob, pub);
  EXPECT_EQ(blob.size(), size());
  ASSERT_EQ(pub.size(), 1 + 2 * size());
  EXPECT_EQ(pub.data()[0], 0x04);
  EXPECT_EQ(crypto_.CheckPublic(type(), pub.span()), Status::kOk);
  EXPECT_NE(EcPublicFromPoint(type(), ToBytes(pub)), nullptr);  // OpenSSL takes the point
}

// Digests shorter than, equal to and longer than the order: SEC1 truncation on both sides.
TEST_P(EcTest, DeviceSignaturesVerifyInOpenSsl) {
  KeyBlob blob;
  PublicBuf pub;
  Generate(blob, pub);
  Pkey ossl_pub = EcPublicFromPoint(type(), ToBytes(pub));
  ASSERT_NE(ossl_pub, nullptr);
  for (HashAlg hash : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
    const Bytes digest = OsslDigest(hash, Str("firmware image"));
    const Bytes sig = SignOnDevice(blob, digest);
    ASSERT_EQ(sig.size(), 2 * size());
    EXPECT_TRUE(OsslVerify(ossl_pub.get(), digest, RsToDer(sig), NoSetup));
    EXPECT_EQ(crypto_.Verify(type(), nullptr, pub.span(), kEcdsa, digest, sig), Status::kOk);
  }
  const Bytes short_digest = Hex("0102030405060708090a0b0c0d0e0f1011121314");  // 20 bytes
  EXPECT_TRUE(
      OsslVerify(ossl_pub.get(), short_digest, RsToDer(SignOnDevice(blob, short_digest)), NoSetup));
}

// The device keeps each curve's group across requests (ec_groups.h): work on the other curve
// in between must not change a signature (RFC 6979 nonces make it reproducible) or its
// validity, and the other curve's results must hold too.
TEST_P(EcTest, WorkOnTheOtherCurveInBetweenChangesNoSignature) {
  KeyBlob blob, other_blob;
  PublicBuf pub, other_pub;
  Generate(blob, pub);
  const Bytes digest = OsslDigest(HashAlg::kSha256, Str("firmware image"));
  const Bytes first = SignOnDevice(blob, digest);
  ASSERT_EQ(crypto_.GenerateKey(other(), 0, other_blob, other_pub), Status::kOk);
  const size_t other_size = CurveSize(other());
  Bytes other_sig(2 * other_size);
  size_t len = 0;
  ASSERT_EQ(crypto_.Sign(other(), other_blob, kEcdsa, digest, other_sig, &len), Status::kOk);
  ASSERT_EQ(len, 2 * other_size);
  Pkey other_ossl = EcPublicFromPoint(other(), ToBytes(other_pub));
  ASSERT_NE(other_ossl, nullptr);
  EXPECT_TRUE(OsslVerify(other_ossl.get(), digest, RsToDer(other_sig), NoSetup));
  EXPECT_EQ(crypto_.Verify(other(), nullptr, other_pub.span(), kEcdsa, digest, other_sig),
            Status::kOk);
  const Bytes again = SignOnDevice(blob, digest);
  EXPECT_EQ(again, first);
  Pkey ossl_pub = EcPublicFromPoint(type(), ToBytes(pub));
  ASSERT_NE(ossl_pub, nullptr);
  EXPECT_TRUE(OsslVerify(ossl_pub.get(), digest, RsToDer(again), NoSetup));
}

TEST_P(EcTest, OpenSslSignaturesVerifyOnDevice) {
  Pkey key = OsslEcKey(type());
  ASSERT_NE(key, nullptr);
  const Bytes point = EcPointOf(key.get());
  for (HashAlg hash : {HashAlg::kSha256, HashAlg::kSha384, HashAlg::kSha512}) {
    const Bytes digest = OsslDigest(hash, Str("abc"));
    Bytes sig = DerToRs(OsslSign(key.get(), digest, NoSetup), size());
    EXPECT_EQ(crypto_.Verify(type(), nullptr, point, kEcdsa, digest, sig), Status::kOk);
    sig[5] ^= 0x01;
    EXPECT_EQ(crypto_.Verify(type(), nullptr, point, kEcdsa, digest, sig),
              Status::kSignatureInvalid);
  }
}

TEST_P(EcTest, WrongSignaturesAreSignatureInvalid) {
  KeyBlob blob;
  PublicBuf pub;
  Generate(blob, pub);
  const Bytes digest = OsslDigest(HashAlg::kSha256, Str("abc"));
  const Bytes sig = SignOnDevice(blob, digest);
  Bytes other_digest = digest;
  other_digest[0] ^= 1;
  EXPECT_EQ(crypto_.Verify(type(), nullptr, pub.span(), kEcdsa, other_digest, sig),
            Status::kSignatureInvalid);
  EXPECT_EQ(crypto_.Verify(type(), nullptr, pub.span(), kEcdsa, digest,
                           Bytes(sig.begin(), sig.end() - 1)),
            Status::kSignatureInvalid);
  EXPECT_EQ(crypto_.Verify(type(), nullptr, pub.span(), kEcdsa, digest, Bytes(2 * size(), 0)),
            Status::kSignatureInvalid);  // r = s = 0
  EXPECT_EQ(crypto_.Verify(type(), nullptr, pub.span(), kEcdsa, digest, Bytes(2 * size(), 0xff)),
            Status::kSignatureInvalid);  // r, s >= n
  KeyBlob blob2;
  PublicBuf pub2;
  Generate(blob2, pub2);
  EXPECT_EQ(crypto_.Verify(type(), nullptr, pub2.span(), kEcdsa, digest, sig),
            Status::kSignatureInvalid);
}

TEST_P(EcTest, EcdhEqualsOpenSslDerive) {
  KeyBlob blob;
  PublicBuf pub;
  Generate(blob, pub);
  Pkey peer = OsslEcKey(type());
  hsm::SecretArray<wire::kMaxDigest> secret;
  ASSERT_EQ(crypto_.Ecdh(type(), blob, EcPointOf(peer.get()), secret), Status::kOk);
  ASSERT_EQ(secret.size(), size());
  Pkey device_pub = EcPublicFromPoint(type(), ToBytes(pub));
  EXPECT_EQ(Bytes(secret.data(), secret.data() + secret.size()),
            OsslDerive(peer.get(), device_pub.get()));
}

TEST_P(EcTest, EcdhRejectsPointsNotOnTheCurve) {
  KeyBlob blob;
  PublicBuf pub;
  Generate(blob, pub);
  hsm::SecretArray<wire::kMaxDigest> secret;
  Bytes bad = EcPointOf(OsslEcKey(type()).get());
  bad.back() ^= 0x01;  // y changed: off the curve
  EXPECT_EQ(crypto_.Ecdh(type(), blob, bad, secret), Status::kParamInvalid);
  EXPECT_EQ(secret.size(), 0u);
  // A valid point of the other curve.
  EXPECT_EQ(crypto_.Ecdh(type(), blob, EcPointOf(OsslEcKey(other()).get()), secret),
            Status::kParamInvalid);
  EXPECT_EQ(crypto_.Ecdh(type(), blob, Bytes{0x00}, secret), Status::kParamInvalid);  // infinity
  Bytes compressed(1 + size(), 0);
  compressed[0] = 0x02;
  EXPECT_EQ(crypto_.Ecdh(type(), blob, compressed, secret), Status::kParamInvalid);
  EXPECT_EQ(crypto_.Ecdh(KeyType::kAes256, blob, ToBytes(pub), secret),
            Status::kKeyTypeInconsistent);
}

TEST_P(EcTest, CheckPublicRefusesBadPoints) {
  Bytes good = EcPointOf(OsslEcKey(type()).get());
  EXPECT_EQ(crypto_.CheckPublic(type(), good), Status::kOk);
  Bytes off = good;
  off[10] ^= 0x40;
  EXPECT_EQ(crypto_.CheckPublic(type(), off), Status::kParamInvalid);
  EXPECT_EQ(crypto_.CheckPublic(other(), good), Status::kParamInvalid);
  EXPECT_EQ(crypto_.CheckPublic(type(), Bytes(1 + 2 * size(), 0xff)), Status::kParamInvalid);
  EXPECT_EQ(crypto_.CheckPublic(type(), Bytes{}), Status::kParamInvalid);
  EXPECT_EQ(crypto_.CheckPublic(KeyType::kAes128, good), Status::kKeyTypeInconsistent);
}

TEST_P(EcTest, OpenSslPkcs8ImportsAndSigns) {
  Pkey key = OsslEcKey(type());
  KeyBlob blob;
  PublicBuf pub;
  ASSERT_EQ(crypto_.ImportPrivate(type(), Pkcs8Of(key.get()), blob, pub), Status::kOk);
  EXPECT_EQ(ToBytes(blob), EcScalarOf(key.get(), size()));
  EXPECT_EQ(ToBytes(pub), EcPointOf(key.get()));
  const Bytes digest = OsslDigest(HashAlg::kSha256, Str("imported"));
  EXPECT_TRUE(OsslVerify(key.get(), digest, RsToDer(SignOnDevice(blob, digest)), NoSetup));
}

TEST_P(EcTest, ExportedPkcs8ParsesInOpenSslToTheSameKey) {
  KeyBlob blob;
  PublicBuf pub;
  Generate(blob, pub);
  Bytes der(512);
  size_t len = 0;
  ASSERT_EQ(crypto_.ExportMaterial(type(), blob, der, &len), Status::kOk);
  der.resize(len);
  Pkey key = FromPkcs8(der);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(EcScalarOf(key.get(), size()), ToBytes(blob));
  EXPECT_EQ(EcPointOf(key.get()), ToBytes(pub));
  // And back in: the same blob.
  KeyBlob again;
  PublicBuf pub_again;
  ASSERT_EQ(crypto_.ImportPrivate(type(), der, again, pub_again), Status::kOk);
  EXPECT_EQ(ToBytes(again), ToBytes(blob));
  // A buffer one byte short.
  Bytes small(len - 1);
  EXPECT_EQ(crypto_.ExportMaterial(type(), blob, small, &len), Status::kTooLarge);
  EXPECT_EQ(len, 0u);
}

TEST_P(EcTest, ImportRefusesOtherKeysAndGarbage) {
  KeyBlob blob;
  PublicBuf pub;
  Pkey other_curve = OsslEcKey(other());
  EXPECT_EQ(crypto_.ImportPrivate(type(), Pkcs8Of(other_curve.get()), blob, pub),
            Status::kKeyTypeInconsistent);
  Pkey rsa = OsslRsaKey(1024);
  EXPECT_EQ(crypto_.ImportPrivate(type(), Pkcs8Of(rsa.get()), blob, pub),
            Status::kKeyTypeInconsistent);
  EXPECT_EQ(blob.size(), 0u);
  EXPECT_EQ(crypto_.ImportPrivate(type(), Str("not a key at all"), blob, pub),
            Status::kParamInvalid);
  EXPECT_EQ(crypto_.ImportPrivate(type(), Bytes{}, blob, pub), Status::kParamInvalid);
  Bytes truncated = Pkcs8Of(OsslEcKey(type()).get());
  truncated.resize(truncated.size() - 3);
  EXPECT_EQ(crypto_.ImportPrivate(type(), truncated, blob, pub), Status::kParamInvalid);
  // SEC1 ECPrivateKey DER is not PKCS#8.
  unsigned char* sec1 = nullptr;
  Pkey key = OsslEcKey(type());
  const int n = i2d_PrivateKey(key.get(), &sec1);
  ASSERT_GT(n, 0);
  const Bytes sec1_der(sec1, sec1 + n);
  OPENSSL_free(sec1);
  EXPECT_EQ(crypto_.ImportPrivate(type(), sec1_der, blob, pub), Status::kParamInvalid);
  EXPECT_EQ(crypto_.ImportPrivate(KeyType::kAes128, Pkcs8Of(key.get()), blob, pub),
            Status::kKeyTypeInconsistent);
}

TEST_P(EcTest, SignRefusesShortBuffersAndWrongKeyTypes) {
  KeyBlob blob;
  PublicBuf pub;
  Generate(blob, pub);
  const Bytes digest = OsslDigest(HashAlg::kSha256, Str("abc"));
  Bytes sig(2 * size() - 1);
  size_t len = 7;
  EXPECT_EQ(crypto_.Sign(type(), blob, kEcdsa, digest, sig, &len), Status::kTooLarge);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(crypto_.Sign(KeyType::kRsa2048, blob, kEcdsa, digest, sig, &len),
            Status::kKeyTypeInconsistent);
  EXPECT_EQ(crypto_.Sign(type(), blob, SignParams{SignAlg::kRsaPkcs1, HashAlg::kNone, 0}, digest,
                         sig, &len),
            Status::kKeyTypeInconsistent);
  Bytes full(2 * size());
  EXPECT_EQ(crypto_.Sign(type(), blob, kEcdsa, Bytes{}, full, &len), Status::kDataLenRange);
  KeyBlob zero;
  SetBlob(zero, Bytes(size(), 0));  // d = 0 is no key
  EXPECT_EQ(crypto_.Sign(type(), zero, kEcdsa, digest, full, &len), Status::kParamInvalid);
}

INSTANTIATE_TEST_SUITE_P(Curves, EcTest, ::testing::Values(KeyType::kEcP256, KeyType::kEcP384),
                         [](const ::testing::TestParamInfo<KeyType>& param_info) {
                           return param_info.param == KeyType::kEcP256 ? std::string("P256")
                                                                       : std::string("P384");
                         });

}  // namespace
}  // namespace hsm_test
