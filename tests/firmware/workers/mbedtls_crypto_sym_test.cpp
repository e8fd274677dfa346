// MbedCrypto symmetric operations against OpenSSL 3 and their refusals: AES-GCM output equal
// to EVP's for every IV/tag length, CBC with PKCS#7 padding equal to EVP's, KWP equal to
// EVP's AES wrap-pad, sealing for flash, and secret-key generation / import / export.
#include <openssl/evp.h>

#include "workers/ossl_helpers.h"

namespace hsm_test {
namespace {

using hsm::CipherParams;
using hsm::KeyBlob;
using hsm::PublicBuf;
using hsm::Status;
using wire::CipherAlg;
using wire::KeyType;

Bytes Pattern(size_t n, uint8_t seed) {
  Bytes out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(seed + 31 * i);
  return out;
}

// OpenSSL AES-GCM: ciphertext || tag.
Bytes OsslGcm(const Bytes& key, const Bytes& iv, const Bytes& aad, const Bytes& plain,
              int tag_len) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  const EVP_CIPHER* cipher = key.size() == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
  int len = 0;
  Bytes out(plain.size() + 16);
  EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr);
  EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data());
  if (!aad.empty()) EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), int(aad.size()));
  EVP_EncryptUpdate(ctx.get(), out.data(), &len, plain.data(), static_cast<int>(plain.size()));
  EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &len);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, tag_len, out.data() + plain.size());
  out.resize(plain.size() + static_cast<size_t>(tag_len));
  return out;
}

// OpenSSL one-shot for CBC (with its default PKCS#7 padding) and AES wrap-pad.
Bytes OsslCipher(const EVP_CIPHER* cipher, const Bytes& key, const Bytes& iv, const Bytes& in) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  Bytes out(in.size() + 32);
  int len = 0, tail = 0;
  if (EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, key.data(),
                         iv.empty() ? nullptr : iv.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, in.data(), static_cast<int>(in.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &tail) != 1) {
    return {};
  }
  out.resize(static_cast<size_t>(len + tail));
  return out;
}

// A key blob built from bytes in one expression (KeyBlob itself is neither copied nor moved).
struct Key {
  explicit Key(const Bytes& bytes) { blob.assign(bytes); }
  operator const KeyBlob&() const { return blob; }
  KeyBlob blob;
};

class SymTest : public CryptoTest {
 protected:
  Status Enc(const KeyBlob& key, const CipherParams& p, const Bytes& in, Bytes& out) {
    size_t len = 0;
    const Status s = crypto_.Encrypt(key, p, in, out, &len);
    if (Ok(s)) out.resize(len);
    return s;
  }
  Status Dec(const KeyBlob& key, const CipherParams& p, const Bytes& in, Bytes& out) {
    size_t len = 0;
    const Status s = crypto_.Decrypt(key, p, in, out, &len);
    if (Ok(s)) out.resize(len);
    return s;
  }
};

TEST_F(SymTest, GcmEqualsOpenSslForEveryIvAndTagLength) {
  for (size_t key_len : {16u, 32u}) {
    const Bytes key_bytes = Pattern(key_len, 1);
    KeyBlob key;
    SetBlob(key, key_bytes);
    for (size_t iv_len : {1u, 8u, 12u, 16u}) {
      for (uint8_t tag_len : {4, 13, 16}) {
        const Bytes iv = Pattern(iv_len, 2), aad = Pattern(37, 3), plain = Pattern(100, 4);
        Bytes out(plain.size() + tag_len);
        ASSERT_EQ(Enc(key, {CipherAlg::kAesGcm, iv, aad, tag_len}, plain, out), Status::kOk);
        EXPECT_EQ(out, OsslGcm(key_bytes, iv, aad, plain, tag_len))
            << key_len << "/" << iv_len << "/" << int{tag_len};
      }
    }
  }
}

TEST_F(SymTest, GcmRefusesBadTagsParametersAndShortBuffers) {
  const Key key(Pattern(16, 9));
  const Bytes iv = Pattern(12, 1), aad = Str("header"), plain = Str("attack at dawn");
  const CipherParams p{CipherAlg::kAesGcm, iv, aad, 16};
  Bytes sealed(plain.size() + 16);
  ASSERT_EQ(Enc(key, p, plain, sealed), Status::kOk);
  Bytes tampered = sealed;
  tampered[3] ^= 1;
  Bytes out(plain.size(), 0xee);
  EXPECT_EQ(Dec(key, p, tampered, out), Status::kEncryptedDataInvalid);
  EXPECT_EQ(out, Bytes(plain.size(), 0));  // no unauthenticated plaintext left behind
  const Bytes other_aad = Str("heaser");
  EXPECT_EQ(Dec(key, {CipherAlg::kAesGcm, iv, other_aad, 16}, sealed, out),
            Status::kEncryptedDataInvalid);
  Bytes roomy(64);  // a 12-byte tag leaves 4 more bytes of "ciphertext"
  EXPECT_EQ(Dec(key, {CipherAlg::kAesGcm, iv, aad, 12}, sealed, roomy),
            Status::kEncryptedDataInvalid);
  EXPECT_EQ(Dec(key, p, Bytes(15), out), Status::kDataLenRange);  // shorter than the tag
  Bytes small(plain.size() - 1);
  EXPECT_EQ(Dec(key, p, sealed, small), Status::kTooLarge);
  Bytes enc_small(plain.size() + 15);
  EXPECT_EQ(Enc(key, p, plain, enc_small), Status::kTooLarge);
  Bytes big(300);
  EXPECT_EQ(Enc(key, {CipherAlg::kAesGcm, Bytes{}, aad, 16}, plain, big), Status::kParamInvalid);
  EXPECT_EQ(Enc(key, {CipherAlg::kAesGcm, Bytes(17), aad, 16}, plain, big), Status::kParamInvalid);
  EXPECT_EQ(Enc(key, {CipherAlg::kAesGcm, iv, aad, 3}, plain, big), Status::kParamInvalid);
  EXPECT_EQ(Enc(key, {CipherAlg::kAesGcm, iv, aad, 17}, plain, big), Status::kParamInvalid);
  const Bytes huge_aad(wire::kMaxAad + 1);
  EXPECT_EQ(Enc(key, {CipherAlg::kAesGcm, iv, huge_aad, 16}, plain, big), Status::kTooLarge);
  EXPECT_EQ(Enc(Key(Pattern(24, 1)), p, plain, big), Status::kKeyTypeInconsistent);
}

TEST_F(SymTest, CbcPadEqualsOpenSslForEveryTailLength) {
  const Bytes key_bytes = Pattern(32, 5), iv = Pattern(16, 6);
  const Key key(key_bytes);
  const CipherParams p{CipherAlg::kAesCbcPad, iv, {}, 16};
  for (size_t n = 0; n <= 48; ++n) {
    const Bytes plain = Pattern(n, 7);
    Bytes out(n + 16);
    ASSERT_EQ(Enc(key, p, plain, out), Status::kOk);
    EXPECT_EQ(out, OsslCipher(EVP_aes_256_cbc(), key_bytes, iv, plain)) << n;
    Bytes back(n);  // exactly the plaintext's size is enough
    ASSERT_EQ(Dec(key, p, out, back), Status::kOk) << n;
    EXPECT_EQ(back, plain);
  }
}

TEST_F(SymTest, CbcRefusesBadPaddingLengthsAndIvs) {
  const Key key(Pattern(16, 5));
  const Bytes iv = Pattern(16, 6);
  const CipherParams raw{CipherAlg::kAesCbc, iv, {}, 16};
  const CipherParams pad{CipherAlg::kAesCbcPad, iv, {}, 16};
  // Blocks whose decryption ends in a pad byte of 0, of 17, and in "03 03 04".
  Bytes bad0 = Pattern(16, 1), bad17 = Pattern(16, 2), mixed = Pattern(16, 3);
  bad0[15] = 0;
  bad17[15] = 17;
  mixed[13] = 3;
  mixed[14] = 4;
  mixed[15] = 3;
  for (const Bytes& block : {bad0, bad17, mixed}) {
    Bytes ct(16);
    ASSERT_EQ(Enc(key, raw, block, ct), Status::kOk);
    Bytes out(16);
    EXPECT_EQ(Dec(key, pad, ct, out), Status::kEncryptedDataInvalid);
  }
  Bytes out(64);
  EXPECT_EQ(Dec(key, pad, Bytes{}, out), Status::kDataLenRange);
  EXPECT_EQ(Dec(key, pad, Bytes(17), out), Status::kDataLenRange);
  EXPECT_EQ(Enc(key, raw, Bytes(15), out), Status::kDataLenRange);
  EXPECT_EQ(Dec(key, raw, Bytes(33), out), Status::kDataLenRange);
  EXPECT_EQ(Enc(key, {CipherAlg::kAesCbc, Bytes(12), {}, 16}, Bytes(16), out),
            Status::kParamInvalid);
  Bytes small(31);
  EXPECT_EQ(Enc(key, raw, Bytes(32), small), Status::kTooLarge);
  EXPECT_EQ(Enc(key, pad, Bytes(16), small), Status::kTooLarge);  // needs a full pad block
  Bytes ct(48);
  ASSERT_EQ(Enc(key, pad, Pattern(40, 1), ct), Status::kOk);
  Bytes short_plain(39);
  EXPECT_EQ(Dec(key, pad, ct, short_plain), Status::kTooLarge);
}

TEST_F(SymTest, KwpEqualsOpenSslWrapPadAndRoundTrips) {
  for (size_t key_len : {16u, 32u}) {
    const Bytes kek_bytes = Pattern(key_len, 8);
    const Key kek(kek_bytes);
    const EVP_CIPHER* cipher = key_len == 16 ? EVP_aes_128_wrap_pad() : EVP_aes_256_wrap_pad();
    for (size_t n : {1u, 7u, 8u, 9u, 16u, 31u, 32u, 121u}) {
      const Bytes plain = Pattern(n, 9);
      Bytes wrapped(n + 16);
      size_t len = 0;
      ASSERT_EQ(crypto_.WrapKwp(kek, plain, wrapped, &len), Status::kOk);
      wrapped.resize(len);
      EXPECT_EQ(wrapped, OsslCipher(cipher, kek_bytes, {}, plain)) << key_len << "/" << n;
      Bytes back(n);
      ASSERT_EQ(crypto_.UnwrapKwp(kek, wrapped, back, &len), Status::kOk);
      EXPECT_EQ(len, n);
      EXPECT_EQ(back, plain);
    }
  }
}

TEST_F(SymTest, KwpRefusesTamperingWrongKeysAndBadLengths) {
  const Key kek(Pattern(32, 8)), other(Pattern(32, 9));
  const Bytes plain = Pattern(20, 1);
  Bytes wrapped(40);
  size_t len = 0;
  ASSERT_EQ(crypto_.WrapKwp(kek, plain, wrapped, &len), Status::kOk);
  wrapped.resize(len);
  Bytes out(64);
  EXPECT_EQ(crypto_.UnwrapKwp(other, wrapped, out, &len), Status::kEncryptedDataInvalid);
  for (size_t i : {size_t{0}, size_t{7}, wrapped.size() - 1}) {
    Bytes bad = wrapped;
    bad[i] ^= 0x20;
    EXPECT_EQ(crypto_.UnwrapKwp(kek, bad, out, &len), Status::kEncryptedDataInvalid) << i;
  }
  EXPECT_EQ(crypto_.UnwrapKwp(kek, Bytes(wrapped.begin(), wrapped.end() - 8), out, &len),
            Status::kEncryptedDataInvalid);
  EXPECT_EQ(crypto_.UnwrapKwp(kek, Bytes(8), out, &len), Status::kEncryptedDataInvalid);
  EXPECT_EQ(crypto_.UnwrapKwp(kek, Bytes(25), out, &len), Status::kEncryptedDataInvalid);
  Bytes small(19);
  EXPECT_EQ(crypto_.UnwrapKwp(kek, wrapped, small, &len), Status::kTooLarge);
  EXPECT_EQ(crypto_.WrapKwp(kek, plain, small, &len), Status::kTooLarge);
  EXPECT_EQ(crypto_.WrapKwp(kek, Bytes{}, out, &len), Status::kDataLenRange);
  EXPECT_EQ(crypto_.WrapKwp(Key(Pattern(20, 1)), plain, out, &len), Status::kKeyTypeInconsistent);
}

TEST_F(SymTest, SealOpensOnlyWithTheSameKeyAadAndBytes) {
  uint8_t key[32], other_key[32];
  for (int i = 0; i < 32; ++i) {
    key[i] = static_cast<uint8_t>(i);
    other_key[i] = static_cast<uint8_t>(i + 1);
  }
  const Bytes plain = Str("user pin verifier"), aad = Str("record 7");
  Bytes sealed(plain.size() + 28), sealed2(plain.size() + 28);
  size_t len = 0;
  ASSERT_EQ(crypto_.Seal(key, plain, aad, sealed, &len), Status::kOk);
  EXPECT_EQ(len, plain.size() + 28);
  ASSERT_EQ(crypto_.Seal(key, plain, aad, sealed2, &len), Status::kOk);
  EXPECT_NE(sealed, sealed2);  // a fresh nonce each time
  // The layout is nonce | ciphertext | tag, as OpenSSL's GCM computes it.
  const Bytes nonce(sealed.begin(), sealed.begin() + 12);
  EXPECT_EQ(Bytes(sealed.begin() + 12, sealed.end()),
            OsslGcm(Bytes(key, key + 32), nonce, aad, plain, 16));
  Bytes out(plain.size());
  ASSERT_EQ(crypto_.Open(key, sealed, aad, out, &len), Status::kOk);
  EXPECT_EQ(out, plain);
  EXPECT_EQ(crypto_.Open(other_key, sealed, aad, out, &len), Status::kEncryptedDataInvalid);
  EXPECT_EQ(crypto_.Open(key, sealed, Str("record 8"), out, &len), Status::kEncryptedDataInvalid);
  for (size_t i : {size_t{0}, size_t{12}, sealed.size() - 1}) {  // nonce, body, tag
    Bytes bad = sealed;
    bad[i] ^= 0x01;
    EXPECT_EQ(crypto_.Open(key, bad, aad, out, &len), Status::kEncryptedDataInvalid) << i;
  }
  EXPECT_EQ(crypto_.Open(key, Bytes(27), aad, out, &len), Status::kEncryptedDataInvalid);
  Bytes small(plain.size() + 27);
  EXPECT_EQ(crypto_.Seal(key, plain, aad, small, &len), Status::kTooLarge);
  Bytes small_plain(plain.size() - 1);
  EXPECT_EQ(crypto_.Open(key, sealed, aad, small_plain, &len), Status::kTooLarge);
}

TEST_F(SymTest, SecretKeysGenerateImportAndExport) {
  KeyBlob blob;
  PublicBuf pub;
  ASSERT_EQ(crypto_.GenerateKey(KeyType::kAes128, 0, blob, pub), Status::kOk);
  EXPECT_EQ(blob.size(), 16u);
  EXPECT_TRUE(pub.empty());
  ASSERT_EQ(crypto_.GenerateKey(KeyType::kAes256, 99, blob, pub), Status::kOk);
  EXPECT_EQ(blob.size(), 32u);
  for (size_t n : {1u, 20u, 64u}) {
    ASSERT_EQ(crypto_.GenerateKey(KeyType::kGenericSecret, n, blob, pub), Status::kOk);
    EXPECT_EQ(blob.size(), n);
  }
  EXPECT_EQ(crypto_.GenerateKey(KeyType::kGenericSecret, 0, blob, pub), Status::kKeySizeRange);
  EXPECT_EQ(crypto_.GenerateKey(KeyType::kGenericSecret, 65, blob, pub), Status::kKeySizeRange);
  EXPECT_EQ(crypto_.GenerateKey(KeyType::kNone, 16, blob, pub), Status::kParamInvalid);

  const Bytes raw = Pattern(32, 3);
  ASSERT_EQ(crypto_.ImportSecret(KeyType::kAes256, raw, blob), Status::kOk);
  Bytes out(32);
  size_t len = 0;
  ASSERT_EQ(crypto_.ExportMaterial(KeyType::kAes256, blob, out, &len), Status::kOk);
  EXPECT_EQ(out, raw);
  Bytes small(31);
  EXPECT_EQ(crypto_.ExportMaterial(KeyType::kAes256, blob, small, &len), Status::kTooLarge);
  EXPECT_EQ(crypto_.ImportSecret(KeyType::kAes128, raw, blob), Status::kKeySizeRange);
  EXPECT_EQ(crypto_.ImportSecret(KeyType::kGenericSecret, Bytes(65), blob), Status::kKeySizeRange);
  EXPECT_EQ(crypto_.ImportSecret(KeyType::kEcP256, raw, blob), Status::kKeyTypeInconsistent);
}

}  // namespace
}  // namespace hsm_test
