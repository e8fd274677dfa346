// Issue 3: SHA-3 and SHA-512/t digests, HMAC over them, AES-CMAC, AES-CTR / CCM / CTS,
// ChaCha20 and ChaCha20-Poly1305, with published known answers (FIPS 202 "abc", SP 800-38B,
// RFC 8439) and OpenSSL cross-checks; tampered AEAD tags are CKR_ENCRYPTED_DATA_INVALID.
#include "fixture3.h"

namespace conformance {
namespace {

class Mech3SymTest : public Mech3Test {
 protected:
  CK_OBJECT_HANDLE Key(CK_KEY_TYPE type, const Bytes& value, bool mac = false) {
    Template extra;
    if (mac || type == CKK_GENERIC_SECRET) {
      extra.Bool(CKA_SIGN, true).Bool(CKA_VERIFY, true);
    } else {
      extra.Bool(CKA_ENCRYPT, true).Bool(CKA_DECRYPT, true);
    }
    return CreateSecret(s_, type, value, &extra);
  }
  Bytes Pattern(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 13);
    return b;
  }
};

const Bytes kKey128 = FromHex("2b7e151628aed2a6abf7158809cf4f3c");

TEST_F(Mech3SymTest, Sha3_256KnownAnswer) {
  Bytes out;
  ASSERT_CKR_OK(Digest(s_, CKM_SHA3_256, Str("abc"), &out));
  EXPECT_EQ(ToHex(out), "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532");
}

TEST_F(Mech3SymTest, Sha3AndSha512tDigestsMatchOpenssl) {
  struct {
    CK_MECHANISM_TYPE mech;
    const char* md;
  } cases[] = {{CKM_SHA3_224, "SHA3-224"},     {CKM_SHA3_256, "SHA3-256"},
               {CKM_SHA3_384, "SHA3-384"},     {CKM_SHA3_512, "SHA3-512"},
               {CKM_SHA512_224, "SHA512-224"}, {CKM_SHA512_256, "SHA512-256"}};
  Bytes data = Pattern(300, 9);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.md);
    Bytes out;
    ASSERT_CKR_OK(Digest(s_, c.mech, data, &out));
    EXPECT_EQ(ToHex(out), ToHex(OpensslDigest(c.md, data)));
  }
}

TEST_F(Mech3SymTest, HmacSha3_256RoundTrip) {
  Bytes key = Pattern(32, 1);
  CK_OBJECT_HANDLE h = Key(CKK_GENERIC_SECRET, key);
  Bytes msg = Str("HMAC-SHA3-256 message");
  CK_MECHANISM m = {CKM_SHA3_256_HMAC, nullptr, 0};
  Bytes mac;
  ASSERT_CKR_OK(Sign(s_, &m, h, msg, &mac));
  EXPECT_EQ(ToHex(mac), ToHex(OsslHmac("SHA3-256", key, msg)));
  EXPECT_CKR_OK(Verify(s_, &m, h, msg, mac));
  mac[0] ^= 1;
  EXPECT_RV(CKR_SIGNATURE_INVALID, Verify(s_, &m, h, msg, mac));
}

TEST_F(Mech3SymTest, HmacOverEveryNewHashAndGeneralForms) {
  struct {
    CK_MECHANISM_TYPE mech;
    CK_MECHANISM_TYPE general;
    const char* md;
  } cases[] = {{CKM_SHA3_224_HMAC, CKM_SHA3_224_HMAC_GENERAL, "SHA3-224"},
               {CKM_SHA3_384_HMAC, CKM_SHA3_384_HMAC_GENERAL, "SHA3-384"},
               {CKM_SHA3_512_HMAC, CKM_SHA3_512_HMAC_GENERAL, "SHA3-512"},
               {CKM_SHA512_224_HMAC, CKM_SHA512_224_HMAC_GENERAL, "SHA512-224"},
               {CKM_SHA512_256_HMAC, CKM_SHA512_256_HMAC_GENERAL, "SHA512-256"}};
  Bytes key = Pattern(40, 3);
  CK_OBJECT_HANDLE h = Key(CKK_GENERIC_SECRET, key);
  Bytes msg = Str("message");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.md);
    Bytes expect = OsslHmac(c.md, key, msg);
    CK_MECHANISM m = {c.mech, nullptr, 0};
    Bytes mac;
    ASSERT_CKR_OK(Sign(s_, &m, h, msg, &mac));
    EXPECT_EQ(ToHex(mac), ToHex(expect));
    CK_MAC_GENERAL_PARAMS len = 12;
    CK_MECHANISM g = {c.general, &len, sizeof len};
    ASSERT_CKR_OK(Sign(s_, &g, h, msg, &mac));
    EXPECT_EQ(ToHex(mac), ToHex(Bytes(expect.begin(), expect.begin() + 12)));
  }
}

TEST_F(Mech3SymTest, Sha3KeyGenMakesUsableHmacKey) {
  Template t;
  t.Ulong(CKA_VALUE_LEN, 32).Bool(CKA_SIGN, true).Bool(CKA_VERIFY, true);
  CK_MECHANISM g = {CKM_SHA3_256_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(f_->C_GenerateKey(s_, &g, t.data(), t.size(), &h));
  EXPECT_EQ(GetUlong(s_, h, CKA_CLASS), CKO_SECRET_KEY);
  EXPECT_TRUE(GetBool(s_, h, CKA_LOCAL));
  CK_MECHANISM m = {CKM_SHA3_256_HMAC, nullptr, 0};
  Bytes mac;
  ASSERT_CKR_OK(Sign(s_, &m, h, Str("x"), &mac));
  EXPECT_EQ(mac.size(), 32u);
  EXPECT_CKR_OK(Verify(s_, &m, h, Str("x"), mac));
}

// NIST SP 800-38B, Appendix D.1, Example 2 (AES-128, 16-byte message).
TEST_F(Mech3SymTest, AesCmacKnownAnswer) {
  CK_OBJECT_HANDLE h = Key(CKK_AES, kKey128, true);
  Bytes msg = FromHex("6bc1bee22e409f96e93d7e117393172a");
  CK_MECHANISM m = {CKM_AES_CMAC, nullptr, 0};
  Bytes mac;
  ASSERT_CKR_OK(Sign(s_, &m, h, msg, &mac));
  EXPECT_EQ(ToHex(mac), "070a16b46b4d4144f79bdd9dd04a287c");
  EXPECT_CKR_OK(Verify(s_, &m, h, msg, mac));
  CK_MAC_GENERAL_PARAMS len = 8;
  CK_MECHANISM g = {CKM_AES_CMAC_GENERAL, &len, sizeof len};
  ASSERT_CKR_OK(Sign(s_, &g, h, msg, &mac));
  EXPECT_EQ(ToHex(mac), "070a16b46b4d4144");
}

TEST_F(Mech3SymTest, AesCtrRoundTripMatchesOpenssl) {
  CK_OBJECT_HANDLE h = Key(CKK_AES, kKey128);
  CK_AES_CTR_PARAMS p = {};
  p.ulCounterBits = 128;
  Bytes cb = FromHex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
  std::copy(cb.begin(), cb.end(), p.cb);
  CK_MECHANISM m = {CKM_AES_CTR, &p, sizeof p};
  Bytes msg = Pattern(37, 5);
  Bytes ct;
  ASSERT_CKR_OK(Encrypt(s_, &m, h, msg, &ct));
  EXPECT_EQ(ct.size(), msg.size());
  EXPECT_EQ(ToHex(ct), ToHex(OsslCipher("AES-128-CTR", kKey128, cb, msg)));
  Bytes pt;
  ASSERT_CKR_OK(Decrypt(s_, &m, h, ct, &pt));
  EXPECT_EQ(pt, msg);
}

TEST_F(Mech3SymTest, AesCcmRoundTrip) {
  CK_OBJECT_HANDLE h = Key(CKK_AES, kKey128);
  Bytes nonce = FromHex("101112131415161718191a1b");
  Bytes aad = Str("ccm aad");
  Bytes msg = Pattern(45, 7);
  CK_CCM_PARAMS p = {static_cast<CK_ULONG>(msg.size()),   nonce.data(),
                     static_cast<CK_ULONG>(nonce.size()), aad.data(),
                     static_cast<CK_ULONG>(aad.size()),   16};
  CK_MECHANISM m = {CKM_AES_CCM, &p, sizeof p};
  Bytes ct;
  ASSERT_CKR_OK(Encrypt(s_, &m, h, msg, &ct));
  ASSERT_EQ(ct.size(), msg.size() + 16);
  Bytes pt;
  ASSERT_CKR_OK(Decrypt(s_, &m, h, ct, &pt));
  EXPECT_EQ(pt, msg);
  ct.back() ^= 0x01;
  EXPECT_RV(CKR_ENCRYPTED_DATA_INVALID, Decrypt(s_, &m, h, ct, &pt));
}

TEST_F(Mech3SymTest, AesCtsRoundTrip) {
  CK_OBJECT_HANDLE h = Key(CKK_AES, kKey128);
  Bytes iv = Pattern(16, 0x40);
  CK_MECHANISM m = {CKM_AES_CTS, iv.data(), static_cast<CK_ULONG>(iv.size())};
  for (size_t n : {16u, 17u, 31u, 32u, 45u}) {
    SCOPED_TRACE(n);
    Bytes msg = Pattern(n, 11);
    Bytes ct;
    ASSERT_CKR_OK(Encrypt(s_, &m, h, msg, &ct));
    EXPECT_EQ(ct.size(), msg.size()) << "ciphertext stealing keeps the length";
    Bytes pt;
    ASSERT_CKR_OK(Decrypt(s_, &m, h, ct, &pt));
    EXPECT_EQ(pt, msg);
  }
}

// RFC 8439 §2.8.2.
const Bytes kChachaKey =
    FromHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
const Bytes kChachaNonce = FromHex("070000004041424344454647");
const Bytes kChachaAad = FromHex("50515253c0c1c2c3c4c5c6c7");
const char* const kChachaPlain =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
    "future, sunscreen would be it.";
const char* const kChachaCt =
    "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da"
    "92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585"
    "808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116";
const char* const kChachaTag = "1ae10b594f09e26a7e902ecbd0600691";

TEST_F(Mech3SymTest, ChaCha20Poly1305Rfc8439KnownAnswer) {
  CK_OBJECT_HANDLE h = Key(CKK_CHACHA20, kChachaKey);
  Bytes nonce = kChachaNonce;
  Bytes aad = kChachaAad;
  CK_SALSA20_CHACHA20_POLY1305_PARAMS p = {nonce.data(), static_cast<CK_ULONG>(nonce.size()),
                                           aad.data(), static_cast<CK_ULONG>(aad.size())};
  CK_MECHANISM m = {CKM_CHACHA20_POLY1305, &p, sizeof p};
  Bytes ct;
  ASSERT_CKR_OK(Encrypt(s_, &m, h, Str(kChachaPlain), &ct));
  EXPECT_EQ(ToHex(ct), std::string(kChachaCt) + kChachaTag);
  Bytes pt;
  ASSERT_CKR_OK(Decrypt(s_, &m, h, ct, &pt));
  EXPECT_EQ(pt, Str(kChachaPlain));
}

TEST_F(Mech3SymTest, ChaCha20Poly1305TamperedTag) {
  CK_OBJECT_HANDLE h = Key(CKK_CHACHA20, kChachaKey);
  Bytes nonce = kChachaNonce;
  Bytes aad = kChachaAad;
  CK_SALSA20_CHACHA20_POLY1305_PARAMS p = {nonce.data(), static_cast<CK_ULONG>(nonce.size()),
                                           aad.data(), static_cast<CK_ULONG>(aad.size())};
  CK_MECHANISM m = {CKM_CHACHA20_POLY1305, &p, sizeof p};
  Bytes ct = FromHex(std::string(kChachaCt) + kChachaTag);
  ct.back() ^= 0x80;
  Bytes pt;
  EXPECT_RV(CKR_ENCRYPTED_DATA_INVALID, Decrypt(s_, &m, h, ct, &pt));
}

TEST_F(Mech3SymTest, AesGcmTamperedTag) {
  CK_OBJECT_HANDLE h = Key(CKK_AES, kKey128);
  Bytes iv = Pattern(12, 0x21);
  Bytes aad = Str("aad");
  CK_GCM_PARAMS p = {iv.data(), 12, 96, aad.data(), static_cast<CK_ULONG>(aad.size()), 128};
  CK_MECHANISM m = {CKM_AES_GCM, &p, sizeof p};
  Bytes msg = Pattern(40, 1);
  Bytes ct;
  ASSERT_CKR_OK(Encrypt(s_, &m, h, msg, &ct));
  ASSERT_EQ(ct.size(), msg.size() + 16);
  Bytes pt;
  ASSERT_TRUE(OsslAeadDecrypt("AES-128-GCM", kKey128, iv, aad, Bytes(ct.begin(), ct.end() - 16),
                              Bytes(ct.end() - 16, ct.end()), &pt));
  EXPECT_EQ(pt, msg);
  ct[ct.size() - 3] ^= 0x04;
  EXPECT_RV(CKR_ENCRYPTED_DATA_INVALID, Decrypt(s_, &m, h, ct, &pt));
}

TEST_F(Mech3SymTest, ChaCha20KeyGenAndStreamMatchesOpenssl) {
  Template t;
  t.Ulong(CKA_VALUE_LEN, 32)
      .Bool(CKA_ENCRYPT, true)
      .Bool(CKA_DECRYPT, true)
      .Bool(CKA_SENSITIVE, false)
      .Bool(CKA_EXTRACTABLE, true);
  CK_MECHANISM g = {CKM_CHACHA20_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(f_->C_GenerateKey(s_, &g, t.data(), t.size(), &h));
  EXPECT_EQ(GetUlong(s_, h, CKA_KEY_TYPE), CKK_CHACHA20);
  Bytes key = GetBytes(s_, h, CKA_VALUE);
  ASSERT_EQ(key.size(), 32u);
  // Block counter 0 (so its byte order does not matter), 96-bit nonce.
  Bytes counter(4, 0);
  Bytes nonce = FromHex("000000090000004a00000000");
  CK_CHACHA20_PARAMS p = {counter.data(), 32, nonce.data(), 96};
  CK_MECHANISM m = {CKM_CHACHA20, &p, sizeof p};
  Bytes msg = Pattern(100, 2);
  Bytes ct;
  ASSERT_CKR_OK(Encrypt(s_, &m, h, msg, &ct));
  // OpenSSL's ChaCha20 IV: 32-bit little-endian counter || 96-bit nonce.
  Bytes iv = FromHex("00000000" + ToHex(nonce));
  EXPECT_EQ(ToHex(ct), ToHex(OsslCipher("ChaCha20", key, iv, msg)));
  Bytes pt;
  ASSERT_CKR_OK(Decrypt(s_, &m, h, ct, &pt));
  EXPECT_EQ(pt, msg);
}

}  // namespace
}  // namespace conformance
