// AES-GCM, AES-CBC (raw and PKCS#7-padded) and HMAC-SHA-256 for MbedCrypto. Every output
// length is checked against the caller's buffer before anything is written; plaintext
// that fails a check is wiped from the caller's buffer before the error returns.
#include "workers/mbedtls_crypto_internal.h"

namespace hsm::mbed {
namespace {

constexpr size_t kBlock = 16;
constexpr size_t kMinTag = 4;
constexpr size_t kMaxTag = 16;
constexpr size_t kHmacSize = 32;

Status GcmCheck(std::span<const uint8_t> key, std::span<const uint8_t> iv,
                std::span<const uint8_t> aad, size_t tag_length) {
  if (key.size() != 16 && key.size() != 32) return Status::kKeyTypeInconsistent;
  if (iv.empty() || iv.size() > wire::kMaxIv) return Status::kParamInvalid;
  if (tag_length < kMinTag || tag_length > kMaxTag) return Status::kParamInvalid;
  if (aad.size() > wire::kMaxAad) return Status::kTooLarge;
  return Status::kOk;
}

// A CBC key schedule for `key` in the given direction, and the IV as a mutable copy
// (mbedTLS advances it in place).
Status CbcSetup(const KeyBlob& key, const CipherParams& params, bool encrypt,
                mbedtls_aes_context* aes, uint8_t (&iv)[kBlock]) {
  if (params.iv.size() != kBlock) return Status::kParamInvalid;
  for (size_t i = 0; i < kBlock; ++i) iv[i] = params.iv[i];
  const unsigned bits = AesKeyBits(key);
  const int rc = encrypt ? mbedtls_aes_setkey_enc(aes, key.data(), bits)
                         : mbedtls_aes_setkey_dec(aes, key.data(), bits);
  return FromMbed(rc);
}

// PKCS#7: the pad length byte p (1..16) repeated p times. Checked without an early exit so
// the time taken does not depend on where the padding goes wrong.
size_t PaddingLength(const uint8_t (&block)[kBlock]) {
  const uint8_t pad = block[kBlock - 1];
  uint8_t bad = static_cast<uint8_t>((pad == 0) | (pad > kBlock));
  for (size_t i = 0; i < kBlock; ++i) {
    const uint8_t in_pad = static_cast<uint8_t>(i >= kBlock - pad);
    bad |= static_cast<uint8_t>(in_pad & (block[i] != pad));
  }
  return bad ? 0 : pad;
}

}  // namespace

unsigned AesKeyBits(const KeyBlob& key) {
  if (key.size() == 16) return 128;
  if (key.size() == 32) return 256;
  return 0;
}

Status GcmEncrypt(std::span<const uint8_t> key, std::span<const uint8_t> iv,
                  std::span<const uint8_t> aad, size_t tag_length, std::span<const uint8_t> in,
                  std::span<uint8_t> out, size_t* out_len) {
  const Status ok = GcmCheck(key, iv, aad, tag_length);
  if (!Ok(ok)) return ok;
  if (out.size() < in.size() || out.size() - in.size() < tag_length) return Status::kTooLarge;
  ScopedGcm gcm;
  if (mbedtls_gcm_setkey(gcm.get(), MBEDTLS_CIPHER_ID_AES, key.data(),
                         static_cast<unsigned>(key.size() * 8)) != 0 ||
      mbedtls_gcm_crypt_and_tag(gcm.get(), MBEDTLS_GCM_ENCRYPT, in.size(), iv.data(), iv.size(),
                                aad.data(), aad.size(), in.data(), out.data(), tag_length,
                                out.data() + in.size()) != 0) {
    SecureZero(out.data(), out.size());
    return Status::kCryptoError;
  }
  *out_len = in.size() + tag_length;
  return Status::kOk;
}

Status GcmDecrypt(std::span<const uint8_t> key, std::span<const uint8_t> iv,
                  std::span<const uint8_t> aad, size_t tag_length, std::span<const uint8_t> in,
                  std::span<uint8_t> out, size_t* out_len) {
  const Status ok = GcmCheck(key, iv, aad, tag_length);
  if (!Ok(ok)) return ok;
  if (in.size() < tag_length) return Status::kDataLenRange;
  const size_t n = in.size() - tag_length;
  if (out.size() < n) return Status::kTooLarge;
  ScopedGcm gcm;
  if (mbedtls_gcm_setkey(gcm.get(), MBEDTLS_CIPHER_ID_AES, key.data(),
                         static_cast<unsigned>(key.size() * 8)) != 0) {
    return Status::kCryptoError;
  }
  const int rc =
      mbedtls_gcm_auth_decrypt(gcm.get(), n, iv.data(), iv.size(), aad.data(), aad.size(),
                               in.data() + n, tag_length, in.data(), out.data());
  if (rc != 0) {
    SecureZero(out.data(), n);  // mbedTLS wipes too; unverified plaintext never escapes
    return rc == MBEDTLS_ERR_GCM_AUTH_FAILED ? Status::kEncryptedDataInvalid : Status::kCryptoError;
  }
  *out_len = n;
  return Status::kOk;
}

Status CbcEncrypt(const KeyBlob& key, const CipherParams& params, std::span<const uint8_t> in,
                  std::span<uint8_t> out, size_t* out_len) {
  const bool pad = params.alg == wire::CipherAlg::kAesCbcPad;
  if (!pad && in.size() % kBlock != 0) return Status::kDataLenRange;
  const size_t full = in.size() - in.size() % kBlock;
  const size_t total = pad ? full + kBlock : full;
  if (out.size() < total) return Status::kTooLarge;
  ScopedAes aes;
  uint8_t iv[kBlock];
  Status s = CbcSetup(key, params, /*encrypt=*/true, aes.get(), iv);
  if (Ok(s) && full != 0) {
    s = FromMbed(
        mbedtls_aes_crypt_cbc(aes.get(), MBEDTLS_AES_ENCRYPT, full, iv, in.data(), out.data()));
  }
  if (Ok(s) && pad) {
    SecretArray<kBlock> last;  // the plaintext tail and its padding
    const size_t rest = in.size() - full;
    for (size_t i = 0; i < kBlock; ++i) {
      last.data()[i] = i < rest ? in[full + i] : static_cast<uint8_t>(kBlock - rest);
    }
    s = FromMbed(mbedtls_aes_crypt_cbc(aes.get(), MBEDTLS_AES_ENCRYPT, kBlock, iv, last.data(),
                                       out.data() + full));
  }
  if (!Ok(s)) {
    SecureZero(out.data(), total);
    return s;
  }
  *out_len = total;
  return Status::kOk;
}

Status CbcDecrypt(const KeyBlob& key, const CipherParams& params, std::span<const uint8_t> in,
                  std::span<uint8_t> out, size_t* out_len) {
  const bool pad = params.alg == wire::CipherAlg::kAesCbcPad;
  if (in.size() % kBlock != 0 || (pad && in.empty())) return Status::kDataLenRange;
  // With padding the last block is decrypted aside: its plaintext length is known only then.
  const size_t direct = pad ? in.size() - kBlock : in.size();
  if (out.size() < direct) return Status::kTooLarge;
  ScopedAes aes;
  uint8_t iv[kBlock];
  Status s = CbcSetup(key, params, /*encrypt=*/false, aes.get(), iv);
  if (Ok(s) && direct != 0) {
    s = FromMbed(
        mbedtls_aes_crypt_cbc(aes.get(), MBEDTLS_AES_DECRYPT, direct, iv, in.data(), out.data()));
  }
  size_t total = direct;
  if (Ok(s) && pad) {
    uint8_t last[kBlock];
    s = FromMbed(mbedtls_aes_crypt_cbc(aes.get(), MBEDTLS_AES_DECRYPT, kBlock, iv,
                                       in.data() + direct, last));
    const size_t pad_len = Ok(s) ? PaddingLength(last) : 0;
    if (Ok(s) && pad_len == 0) s = Status::kEncryptedDataInvalid;
    if (Ok(s) && out.size() < direct + kBlock - pad_len) s = Status::kTooLarge;
    if (Ok(s)) {
      for (size_t i = 0; i < kBlock - pad_len; ++i) out[direct + i] = last[i];
      total += kBlock - pad_len;
    }
    SecureZero(last, sizeof(last));
  }
  if (!Ok(s)) {
    SecureZero(out.data(), direct);
    return s;
  }
  *out_len = total;
  return Status::kOk;
}

Status HmacSha256Sign(const KeyBlob& key, std::span<const uint8_t> data,
                      std::span<uint8_t> signature, size_t* signature_len) {
  if (key.empty()) return Status::kParamInvalid;
  if (signature.size() < kHmacSize) return Status::kTooLarge;
  if (mbedtls_md_hmac(MdFor(wire::HashAlg::kSha256), key.data(), key.size(), data.data(),
                      data.size(), signature.data()) != 0) {
    return Status::kCryptoError;
  }
  *signature_len = kHmacSize;
  return Status::kOk;
}

Status HmacSha256Verify(const KeyBlob& key, std::span<const uint8_t> data,
                        std::span<const uint8_t> signature) {
  if (key.empty()) return Status::kParamInvalid;
  SecretArray<kHmacSize> mac;
  if (mbedtls_md_hmac(MdFor(wire::HashAlg::kSha256), key.data(), key.size(), data.data(),
                      data.size(), mac.data()) != 0) {
    return Status::kCryptoError;
  }
  mac.resize(kHmacSize);
  return ConstantTimeEqual(mac.span(), signature) ? Status::kOk : Status::kSignatureInvalid;
}

}  // namespace hsm::mbed
