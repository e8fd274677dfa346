// Keys and mechanisms: generation, import (plain and wrapped), signatures checked with
// OpenSSL, HMAC, AES-GCM/CBC against OpenSSL, ECDH, wrapping; every usage and type check;
// and that no secret ever appears in a response or in the flash image.
#include "core/key_types.h"
#include "core_harness.h"

namespace arca_test {
namespace {

using hsm::Status;

constexpr uint32_t kTok = wire::kFlagToken;
constexpr uint32_t kPriv = wire::kFlagToken | wire::kFlagPrivate | wire::kFlagSensitive;

void ExpectNowhere(Device& dev, const Bytes& secret, const char* what) {
  ASSERT_FALSE(secret.empty());
  for (const Bytes& frame : dev.transcript()) {
    EXPECT_FALSE(Contains(frame, secret)) << what << " appears in a response";
  }
  EXPECT_FALSE(Contains(dev.FlashImage(), secret)) << what << " appears in flash";
}

TEST(CoreKeys, EcdsaSignaturesVerifyWithOpensslAndOnTheDevice) {
  Device dev;
  dev.SetUpUser();
  for (auto [type, curve, md] : {std::tuple{wire::KeyType::kEcP256, "P-256", EVP_sha256()},
                                 std::tuple{wire::KeyType::kEcP384, "P-384", EVP_sha384()}}) {
    Bytes point;
    auto [pk, sk] =
        dev.GenerateKeyPair(type, kTok | wire::kFlagVerify, kPriv | wire::kFlagSign, &point);
    Pkey pub = EcPublicFromPoint(type, point);
    ASSERT_TRUE(pub) << curve;
    Bytes digest = Sha(md, ToBytes("firmware image"));
    Bytes sig = dev.Sign(sk, wire::SignAlg::kEcdsa, digest);
    EXPECT_EQ(sig.size(), 2 * hsm::CurveSize(type));
    EXPECT_TRUE(VerifyEcdsa(pub.get(), digest, sig)) << curve;
    wire::VerifyReq v;
    v.key = pk;
    v.alg = wire::SignAlg::kEcdsa;
    v.data = Span(digest);
    v.signature = Span(sig);
    EXPECT_EQ(dev.Call<wire::Op::kVerify>(v).status, Status::kOk);
    sig[3] ^= 1;
    v.signature = Span(sig);
    EXPECT_EQ(dev.Call<wire::Op::kVerify>(v).status, Status::kSignatureInvalid);
    // The private key exposes its public value, never its secret.
    wire::IdReq get;
    get.id = sk;
    auto obj = dev.Call<wire::Op::kGetObject>(get);
    ASSERT_TRUE(obj.ok());
    EXPECT_EQ(Copy(obj.rsp.public_value.span()), point);
    EXPECT_EQ(obj.rsp.secret_length, 0);
  }
}

TEST(CoreKeys, ImportedEcKeySignsAndItsScalarIsNeverExposed) {
  Device dev;
  dev.SetUpUser();
  Pkey ref = OsslEcKey(wire::KeyType::kEcP256);
  Bytes pkcs8 = Pkcs8Of(ref.get());
  wire::KeyId sk = dev.Import(wire::ObjectKind::kPrivateKey, wire::KeyType::kEcP256,
                              kPriv | wire::kFlagSign, pkcs8);
  Bytes digest = Sha(EVP_sha256(), ToBytes("hello"));
  EXPECT_TRUE(VerifyEcdsa(ref.get(), digest, dev.Sign(sk, wire::SignAlg::kEcdsa, digest)));
  // Wrong type for the material, and a private key passed off as a P-384 one.
  wire::ImportKeyReq bad;
  bad.kind = wire::ObjectKind::kPrivateKey;
  bad.type = wire::KeyType::kEcP384;
  bad.material = Span(pkcs8);
  EXPECT_NE(dev.Call<wire::Op::kImportKey>(bad).status, Status::kOk);
  bad.type = wire::KeyType::kAes128;
  EXPECT_EQ(dev.Call<wire::Op::kImportKey>(bad).status, Status::kKeyTypeInconsistent);
  bad.type = static_cast<wire::KeyType>(77);
  EXPECT_EQ(dev.Call<wire::Op::kImportKey>(bad).status, Status::kParamInvalid);
  bad.kind = wire::ObjectKind::kData;
  EXPECT_EQ(dev.Call<wire::Op::kImportKey>(bad).status, Status::kParamInvalid);
  ExpectNowhere(dev, EcScalarOf(ref.get(), 32), "the EC private scalar");
  ExpectNowhere(dev, pkcs8, "the PKCS#8 encoding");
}

TEST(CoreKeys, RsaImportAndGenerateSignPkcs1AndPss) {
  Device dev;
  dev.SetUpUser();
  Pkey ref = OsslRsaKey(2048);
  wire::KeyId imported = dev.Import(wire::ObjectKind::kPrivateKey, wire::KeyType::kRsa2048,
                                    kPriv | wire::kFlagSign, Pkcs8Of(ref.get()));
  Bytes digest = Sha(EVP_sha256(), ToBytes("release 1.0"));
  Bytes sig = dev.Sign(imported, wire::SignAlg::kRsaPkcs1, DigestInfoSha256(digest));
  EXPECT_EQ(sig.size(), 256u);
  EXPECT_TRUE(VerifyRsa(ref.get(), EVP_sha256(), digest, sig, false, 0));
  sig = dev.Sign(imported, wire::SignAlg::kRsaPss, digest, wire::HashAlg::kSha256, 32);
  EXPECT_TRUE(VerifyRsa(ref.get(), EVP_sha256(), digest, sig, true, 32));

  Bytes der;
  auto [pk, sk] = dev.GenerateKeyPair(wire::KeyType::kRsa2048, kTok | wire::kFlagVerify,
                                      kPriv | wire::kFlagSign, &der);
  Pkey pub = RsaFromPublicDer(der);
  ASSERT_TRUE(pub);
  sig = dev.Sign(sk, wire::SignAlg::kRsaPkcs1, DigestInfoSha256(digest));
  EXPECT_TRUE(VerifyRsa(pub.get(), EVP_sha256(), digest, sig, false, 0));
  wire::VerifyReq v;
  v.key = pk;
  v.alg = wire::SignAlg::kRsaPkcs1;
  Bytes info = DigestInfoSha256(digest);
  v.data = Span(info);
  v.signature = Span(sig);
  EXPECT_EQ(dev.Call<wire::Op::kVerify>(v).status, Status::kOk);
  // PSS parameters are checked before the key is used.
  wire::SignReq pss;
  pss.key = sk;
  pss.alg = wire::SignAlg::kRsaPss;
  pss.hash = wire::HashAlg::kSha384;
  pss.data = Span(digest);
  EXPECT_EQ(dev.Call<wire::Op::kSign>(pss).status, Status::kDataLenRange);
  pss.hash = static_cast<wire::HashAlg>(5);
  EXPECT_EQ(dev.Call<wire::Op::kSign>(pss).status, Status::kParamInvalid);
  // The device restarts: the generated key is still there and still signs.
  dev.Restart();
  dev.Login(wire::User::kUser, kUserPin);
  sig = dev.Sign(sk, wire::SignAlg::kRsaPss, digest, wire::HashAlg::kSha256, 20);
  EXPECT_TRUE(VerifyRsa(pub.get(), EVP_sha256(), digest, sig, true, 20));
}

TEST(CoreKeys, SignAndVerifyCheckTypeUsageAndAlgorithm) {
  Device dev;
  dev.SetUpUser();
  auto [pk, sk] = dev.GenerateKeyPair(wire::KeyType::kEcP256, kTok, kPriv);  // no usage flags
  wire::KeyId aes = dev.GenerateKey(wire::KeyType::kAes128, kPriv | wire::kFlagSign);
  Bytes digest(32, 7);
  wire::SignReq req;
  req.data = Span(digest);
  req.key = sk;
  EXPECT_EQ(dev.Call<wire::Op::kSign>(req).status, Status::kKeyFunctionNotPermitted);
  req.key = pk;
  EXPECT_EQ(dev.Call<wire::Op::kSign>(req).status, Status::kKeyTypeInconsistent);
  req.key = aes;
  EXPECT_EQ(dev.Call<wire::Op::kSign>(req).status, Status::kKeyTypeInconsistent);
  req.key = sk;
  req.alg = wire::SignAlg::kRsaPkcs1;
  EXPECT_EQ(dev.Call<wire::Op::kSign>(req).status, Status::kKeyTypeInconsistent);
  req.alg = static_cast<wire::SignAlg>(9);
  EXPECT_EQ(dev.Call<wire::Op::kSign>(req).status, Status::kMechanismInvalid);
  req.alg = wire::SignAlg::kEcdsa;
  req.data = {};
  EXPECT_EQ(dev.Call<wire::Op::kSign>(req).status, Status::kDataLenRange);
  wire::VerifyReq v;
  v.key = pk;
  v.data = Span(digest);
  v.signature = Span(digest);
  EXPECT_EQ(dev.Call<wire::Op::kVerify>(v).status, Status::kKeyFunctionNotPermitted);
  v.key = sk;
  EXPECT_EQ(dev.Call<wire::Op::kVerify>(v).status, Status::kKeyTypeInconsistent);
}

TEST(CoreKeys, HmacSha256MatchesOpenssl) {
  Device dev;
  dev.SetUpUser();
  Bytes key(32);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0x30 + 3 * i);
  wire::KeyId id = dev.Import(wire::ObjectKind::kSecretKey, wire::KeyType::kGenericSecret,
                              kPriv | wire::kFlagSign | wire::kFlagVerify, key);
  Bytes msg = ToBytes("authenticate me");
  Bytes mac = dev.Sign(id, wire::SignAlg::kHmacSha256, msg);
  EXPECT_EQ(mac, HmacSha256(key, msg));
  wire::VerifyReq v;
  v.key = id;
  v.alg = wire::SignAlg::kHmacSha256;
  v.data = Span(msg);
  v.signature = Span(mac);
  EXPECT_EQ(dev.Call<wire::Op::kVerify>(v).status, Status::kOk);
  mac[0] ^= 0x80;
  v.signature = Span(mac);
  EXPECT_EQ(dev.Call<wire::Op::kVerify>(v).status, Status::kSignatureInvalid);
  wire::IdReq get;
  get.id = id;
  EXPECT_EQ(dev.Call<wire::Op::kGetObject>(get).rsp.secret_length, 32);
  ExpectNowhere(dev, key, "the HMAC key");
}

TEST(CoreKeys, GenerateKeyChecksTypeAndLength) {
  Device dev;
  dev.SetUpUser();
  wire::GenerateKeyReq req;
  req.type = wire::KeyType::kEcP256;
  EXPECT_EQ(dev.Call<wire::Op::kGenerateKey>(req).status, Status::kKeyTypeInconsistent);
  req.type = static_cast<wire::KeyType>(0);
  EXPECT_EQ(dev.Call<wire::Op::kGenerateKey>(req).status, Status::kParamInvalid);
  req.type = wire::KeyType::kGenericSecret;
  req.length = 0;
  EXPECT_EQ(dev.Call<wire::Op::kGenerateKey>(req).status, Status::kKeySizeRange);
  req.length = 65;
  EXPECT_EQ(dev.Call<wire::Op::kGenerateKey>(req).status, Status::kKeySizeRange);
  req.length = 48;
  auto r = dev.Call<wire::Op::kGenerateKey>(req);
  ASSERT_TRUE(r.ok());
  wire::IdReq get;
  get.id = r.rsp.key;
  EXPECT_EQ(dev.Call<wire::Op::kGetObject>(get).rsp.secret_length, 48);
  wire::GenerateKeyPairReq pair;
  pair.type = wire::KeyType::kAes256;
  EXPECT_EQ(dev.Call<wire::Op::kGenerateKeyPair>(pair).status, Status::kKeyTypeInconsistent);
}

TEST(CoreKeys, AesGcmAndCbcMatchOpenssl) {
  Device dev;
  dev.SetUpUser();
  Bytes key(32, 0x5C);
  wire::KeyId id = dev.Import(wire::ObjectKind::kSecretKey, wire::KeyType::kAes256,
                              kPriv | wire::kFlagEncrypt | wire::kFlagDecrypt, key);
  wire::KeyId enc_only = dev.Import(wire::ObjectKind::kSecretKey, wire::KeyType::kAes256,
                                    kPriv | wire::kFlagEncrypt, key);
  Bytes iv(12, 9), aad = ToBytes("header"), plain = ToBytes("attack at dawn, bring snacks");
  wire::CipherReq req;
  req.key = id;
  req.iv = Span(iv);
  req.aad = Span(aad);
  req.data = Span(plain);
  auto enc = dev.Call<wire::Op::kEncrypt>(req);
  ASSERT_TRUE(enc.ok());
  Bytes ct = Copy(enc.rsp.data.span());
  EXPECT_EQ(ct, AesEncryptOpenssl(EVP_aes_256_gcm(), key, iv, plain, false, aad));
  req.data = Span(ct);
  auto dec = dev.Call<wire::Op::kDecrypt>(req);
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(Copy(dec.rsp.data.span()), plain);
  ct.back() ^= 1;
  req.data = Span(ct);
  EXPECT_EQ(dev.Call<wire::Op::kDecrypt>(req).status, Status::kEncryptedDataInvalid);
  req.key = enc_only;
  EXPECT_EQ(dev.Call<wire::Op::kDecrypt>(req).status, Status::kKeyFunctionNotPermitted);

  Bytes cbc_iv(16, 3);
  wire::CipherReq cbc;
  cbc.key = id;
  cbc.alg = wire::CipherAlg::kAesCbcPad;
  cbc.iv = Span(cbc_iv);
  cbc.data = Span(plain);
  auto padded = dev.Call<wire::Op::kEncrypt>(cbc);
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(Copy(padded.rsp.data.span()),
            AesEncryptOpenssl(EVP_aes_256_cbc(), key, cbc_iv, plain, true));
  cbc.alg = wire::CipherAlg::kAesCbc;
  EXPECT_EQ(dev.Call<wire::Op::kEncrypt>(cbc).status, Status::kDataLenRange);  // 28 bytes
  Bytes block(32, 0xEE);
  cbc.data = Span(block);
  auto raw = dev.Call<wire::Op::kEncrypt>(cbc);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(Copy(raw.rsp.data.span()),
            AesEncryptOpenssl(EVP_aes_256_cbc(), key, cbc_iv, block, false));
  cbc.iv = Span(iv);  // 12 bytes is no CBC IV
  EXPECT_EQ(dev.Call<wire::Op::kEncrypt>(cbc).status, Status::kParamInvalid);
  cbc.alg = static_cast<wire::CipherAlg>(4);
  EXPECT_EQ(dev.Call<wire::Op::kEncrypt>(cbc).status, Status::kMechanismInvalid);
  auto [pk, sk] = dev.GenerateKeyPair(wire::KeyType::kEcP256, kTok, kPriv | wire::kFlagEncrypt);
  req.key = sk;
  req.data = Span(plain);
  EXPECT_EQ(dev.Call<wire::Op::kEncrypt>(req).status, Status::kKeyTypeInconsistent);
  ExpectNowhere(dev, key, "the AES key");
}

TEST(CoreKeys, WrapOnlyExtractableKeysAndImportWrapped) {
  Device dev;
  dev.SetUpUser();
  Bytes kek(32);
  for (size_t i = 0; i < kek.size(); ++i) kek[i] = static_cast<uint8_t>(i * 7 + 1);
  wire::KeyId wrapper = dev.Import(wire::ObjectKind::kSecretKey, wire::KeyType::kAes256,
                                   kPriv | wire::kFlagWrap | wire::kFlagUnwrap, kek);
  wire::KeyId no_wrap = dev.Import(wire::ObjectKind::kSecretKey, wire::KeyType::kAes256,
                                   kPriv | wire::kFlagEncrypt, kek);
  Bytes point;
  auto [pk, sk] = dev.GenerateKeyPair(wire::KeyType::kEcP256, kTok,
                                      kPriv | wire::kFlagSign | wire::kFlagExtractable, &point);
  auto [pk2, locked] = dev.GenerateKeyPair(wire::KeyType::kEcP256, kTok, kPriv | wire::kFlagSign);
  wire::WrapReq req;
  req.wrapping_key = wrapper;
  req.key = locked;
  EXPECT_EQ(dev.Call<wire::Op::kWrapKey>(req).status, Status::kNotExtractable);
  req.key = pk;
  EXPECT_EQ(dev.Call<wire::Op::kWrapKey>(req).status, Status::kKeyTypeInconsistent);
  req.wrapping_key = no_wrap;
  req.key = sk;
  EXPECT_EQ(dev.Call<wire::Op::kWrapKey>(req).status, Status::kKeyFunctionNotPermitted);
  req.wrapping_key = wrapper;
  auto wrapped = dev.Call<wire::Op::kWrapKey>(req);
  ASSERT_TRUE(wrapped.ok());
  Bytes pkcs8 = UnwrapKwpOpenssl(kek, wrapped.rsp.wrapped.span());
  ASSERT_FALSE(pkcs8.empty());
  const unsigned char* p = pkcs8.data();
  Pkey extracted(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(pkcs8.size())));
  ASSERT_TRUE(extracted);
  EXPECT_EQ(EcPointOf(extracted.get()), point);

  // Back in under the wrapping key: a working signing key.
  wire::KeyId back = dev.Import(wire::ObjectKind::kPrivateKey, wire::KeyType::kEcP256,
                                kPriv | wire::kFlagSign, wrapped.rsp.wrapped.span(), wrapper);
  Bytes digest(32, 1);
  EXPECT_TRUE(VerifyEcdsa(extracted.get(), digest, dev.Sign(back, wire::SignAlg::kEcdsa, digest)));
  wire::ImportKeyReq imp;
  imp.kind = wire::ObjectKind::kPrivateKey;
  imp.type = wire::KeyType::kEcP256;
  imp.material = wrapped.rsp.wrapped.span();
  imp.unwrapping_key = no_wrap;
  EXPECT_EQ(dev.Call<wire::Op::kImportKey>(imp).status, Status::kKeyFunctionNotPermitted);
  Bytes garbage = WrapKwpOpenssl(Bytes(32, 0), pkcs8);
  imp.material = Span(garbage);
  imp.unwrapping_key = wrapper;
  EXPECT_EQ(dev.Call<wire::Op::kImportKey>(imp).status, Status::kEncryptedDataInvalid);
  ExpectNowhere(dev, EcScalarOf(extracted.get(), 32), "the wrapped key's scalar");
  ExpectNowhere(dev, kek, "the wrapping key");
}

TEST(CoreKeys, EcdhDerivesTheSharedSecretIntoANewKey) {
  Device dev;
  dev.SetUpUser();
  Bytes kek(16, 0x77);
  wire::KeyId wrapper = dev.Import(wire::ObjectKind::kSecretKey, wire::KeyType::kAes128,
                                   kPriv | wire::kFlagWrap, kek);
  Bytes point;
  auto [pk, sk] =
      dev.GenerateKeyPair(wire::KeyType::kEcP256, kTok, kPriv | wire::kFlagDerive, &point);
  Pkey peer = OsslEcKey(wire::KeyType::kEcP256);
  Bytes peer_point = EcPointOf(peer.get());
  wire::DeriveReq req;
  req.key = sk;
  req.peer_point = Span(peer_point);
  req.type = wire::KeyType::kGenericSecret;
  req.length = 24;
  req.flags = kPriv | wire::kFlagExtractable | wire::kFlagSign;
  auto derived = dev.Call<wire::Op::kDerive>(req);
  ASSERT_TRUE(derived.ok());
  wire::WrapReq wrap;
  wrap.wrapping_key = wrapper;
  wrap.key = derived.rsp.key;
  auto wrapped = dev.Call<wire::Op::kWrapKey>(wrap);
  ASSERT_TRUE(wrapped.ok());
  Pkey mine = EcPublicFromPoint(wire::KeyType::kEcP256, point);
  Bytes expected = OsslDerive(peer.get(), mine.get());
  expected.resize(24);
  EXPECT_EQ(UnwrapKwpOpenssl(kek, wrapped.rsp.wrapped.span()), expected);

  req.type = wire::KeyType::kAes256;
  req.length = 0;
  ASSERT_TRUE(dev.Call<wire::Op::kDerive>(req).ok());
  req.length = 16;
  EXPECT_EQ(dev.Call<wire::Op::kDerive>(req).status, Status::kKeySizeRange);
  req.type = wire::KeyType::kGenericSecret;
  req.length = 33;
  EXPECT_EQ(dev.Call<wire::Op::kDerive>(req).status, Status::kKeySizeRange);
  req.length = 32;
  Bytes off_curve = peer_point;
  off_curve[40] ^= 1;
  req.peer_point = Span(off_curve);
  EXPECT_EQ(dev.Call<wire::Op::kDerive>(req).status, Status::kParamInvalid);
  req.peer_point = Span(peer_point);
  req.type = wire::KeyType::kRsa2048;
  EXPECT_EQ(dev.Call<wire::Op::kDerive>(req).status, Status::kKeyTypeInconsistent);
  auto [pk2, no_derive] = dev.GenerateKeyPair(wire::KeyType::kEcP256, kTok, kPriv);
  req.type = wire::KeyType::kGenericSecret;
  req.key = no_derive;
  EXPECT_EQ(dev.Call<wire::Op::kDerive>(req).status, Status::kKeyFunctionNotPermitted);
  Bytes shared = OsslDerive(peer.get(), mine.get());
  ExpectNowhere(dev, Bytes(shared.begin(), shared.begin() + 24), "the ECDH secret");
}

TEST(CoreKeys, PublicKeyImportVerifies) {
  Device dev;
  dev.SetUpUser();
  Pkey ref = OsslEcKey(wire::KeyType::kEcP384);
  Bytes point = EcPointOf(ref.get());
  wire::KeyId pk = dev.Import(wire::ObjectKind::kPublicKey, wire::KeyType::kEcP384,
                              kTok | wire::kFlagVerify, point);
  wire::KeyId sk = dev.Import(wire::ObjectKind::kPrivateKey, wire::KeyType::kEcP384,
                              kPriv | wire::kFlagSign, Pkcs8Of(ref.get()));
  Bytes digest = Sha(EVP_sha384(), ToBytes("x"));
  Bytes sig = dev.Sign(sk, wire::SignAlg::kEcdsa, digest);
  wire::VerifyReq v;
  v.key = pk;
  v.data = Span(digest);
  v.signature = Span(sig);
  EXPECT_EQ(dev.Call<wire::Op::kVerify>(v).status, Status::kOk);
  Bytes bad = point;
  bad[10] ^= 0x40;
  wire::ImportKeyReq imp;
  imp.kind = wire::ObjectKind::kPublicKey;
  imp.type = wire::KeyType::kEcP384;
  imp.material = Span(bad);
  EXPECT_NE(dev.Call<wire::Op::kImportKey>(imp).status, Status::kOk);
}

}  // namespace
}  // namespace arca_test
