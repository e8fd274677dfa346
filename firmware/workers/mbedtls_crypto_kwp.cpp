// AES key wrap with padding (RFC 5649, NIST SP 800-38F KWP) for MbedCrypto.
//
// Debian's mbedTLS 2.28 is built without MBEDTLS_NIST_KW_C (see /usr/include/mbedtls/
// config.h), so the wrapping function W of RFC 3394 section 2.2.1 and its inverse are written
// here over mbedTLS's AES block function. A board whose mbedTLS has NIST_KW_C may swap in
// mbedtls_nist_kw_wrap(MBEDTLS_KW_MODE_KWP); the RFC 5649 vectors in the tests pin both.
#include "workers/mbedtls_crypto_internal.h"

namespace hsm::mbed {
namespace {

constexpr size_t kSemi = 8;                                  // a semiblock
constexpr uint8_t kAivPrefix[4] = {0xA6, 0x59, 0x59, 0xA6};  // RFC 5649 section 3
// Largest plaintext we unwrap outside the caller's buffer (see KwpUnwrap).
constexpr size_t kMaxUnwrapScratch = wire::kMaxImport + kSemi;

// A ^= t, t as a 64-bit big-endian integer (RFC 3394: A = MSB(64, B) ^ t).
void XorCounter(uint8_t* a, uint64_t t) {
  for (size_t i = 0; i < kSemi; ++i) {
    a[kSemi - 1 - i] ^= static_cast<uint8_t>(t >> (8 * i));
  }
}

// One AES block over a (the integrity register, 8 bytes) || r (8 bytes), in place.
Status Block(mbedtls_aes_context* aes, int mode, uint8_t* a, uint8_t* r) {
  SecretArray<2 * kSemi> b;
  for (size_t i = 0; i < kSemi; ++i) {
    b.data()[i] = a[i];
    b.data()[kSemi + i] = r[i];
  }
  if (mbedtls_aes_crypt_ecb(aes, mode, b.data(), b.data()) != 0) return Status::kCryptoError;
  for (size_t i = 0; i < kSemi; ++i) {
    a[i] = b.data()[i];
    r[i] = b.data()[kSemi + i];
  }
  return Status::kOk;
}

// W (RFC 3394 2.2.1) over n >= 2 semiblocks r, with a as the initial value.
Status Wrap(mbedtls_aes_context* aes, uint8_t* a, uint8_t* r, size_t n) {
  for (uint64_t j = 0; j < 6; ++j) {
    for (size_t i = 1; i <= n; ++i) {
      if (!Ok(Block(aes, MBEDTLS_AES_ENCRYPT, a, r + (i - 1) * kSemi))) {
        return Status::kCryptoError;
      }
      XorCounter(a, n * j + i);
    }
  }
  return Status::kOk;
}

// W^-1 (RFC 3394 2.2.2).
Status Unwrap(mbedtls_aes_context* aes, uint8_t* a, uint8_t* r, size_t n) {
  for (uint64_t j = 6; j-- > 0;) {
    for (size_t i = n; i >= 1; --i) {
      XorCounter(a, n * j + i);
      if (!Ok(Block(aes, MBEDTLS_AES_DECRYPT, a, r + (i - 1) * kSemi))) {
        return Status::kCryptoError;
      }
    }
  }
  return Status::kOk;
}

// The message length from the recovered AIV, or 0 if the AIV or the padding is wrong
// (RFC 5649 section 3, the checks after unwrapping). `r` holds the n padded semiblocks.
size_t CheckAiv(const uint8_t* a, const uint8_t* r, size_t n) {
  uint8_t bad = 0;
  for (size_t i = 0; i < 4; ++i) bad |= static_cast<uint8_t>(a[i] ^ kAivPrefix[i]);
  const size_t mli = (size_t{a[4]} << 24) | (size_t{a[5]} << 16) | (size_t{a[6]} << 8) | a[7];
  if (bad != 0 || mli <= kSemi * (n - 1) || mli > kSemi * n) return 0;
  uint8_t pad = 0;
  for (size_t i = mli; i < kSemi * n; ++i) pad |= r[i];
  return pad == 0 ? mli : 0;
}

// KEK size in bits. AES-192 is accepted as well as the kAes128/kAes256 keys the core has:
// KWP is defined for all three, and RFC 5649's own test vectors use a 192-bit KEK.
unsigned KekBits(const KeyBlob& kek) { return kek.size() == 24 ? 192u : AesKeyBits(kek); }

}  // namespace

Status KwpWrap(const KeyBlob& kek, std::span<const uint8_t> plain, std::span<uint8_t> out,
               size_t* out_len) {
  const unsigned bits = KekBits(kek);
  if (bits == 0) return Status::kKeyTypeInconsistent;
  // The length must fit the AIV's 32-bit MLI (written so that a 32-bit size_t does not warn).
  const uint32_t mli = static_cast<uint32_t>(plain.size());
  if (plain.empty() || static_cast<size_t>(mli) != plain.size()) return Status::kDataLenRange;
  const size_t n = (plain.size() + kSemi - 1) / kSemi;
  const size_t total = kSemi * (n + 1);
  if (out.size() < total) return Status::kTooLarge;
  // out = AIV || P || zero padding, then wrapped in place.
  for (size_t i = 0; i < 4; ++i) out[i] = kAivPrefix[i];
  for (size_t i = 0; i < 4; ++i) out[4 + i] = static_cast<uint8_t>(mli >> (24 - 8 * i));
  for (size_t i = 0; i < kSemi * n; ++i) out[kSemi + i] = i < plain.size() ? plain[i] : 0;
  ScopedAes aes;
  Status s = FromMbed(mbedtls_aes_setkey_enc(aes.get(), kek.data(), bits));
  if (Ok(s)) {
    // One semiblock: a single AES block over AIV || P (RFC 5649 section 4.1).
    s = n == 1 ? Block(aes.get(), MBEDTLS_AES_ENCRYPT, out.data(), out.data() + kSemi)
               : Wrap(aes.get(), out.data(), out.data() + kSemi, n);
  }
  if (!Ok(s)) {
    SecureZero(out.data(), total);
    return s;
  }
  *out_len = total;
  return Status::kOk;
}

Status KwpUnwrap(const KeyBlob& kek, std::span<const uint8_t> wrapped, std::span<uint8_t> out,
                 size_t* out_len) {
  const unsigned bits = KekBits(kek);
  if (bits == 0) return Status::kKeyTypeInconsistent;
  if (wrapped.size() < 2 * kSemi || wrapped.size() % kSemi != 0) {
    return Status::kEncryptedDataInvalid;
  }
  const size_t n = wrapped.size() / kSemi - 1;
  // The padded plaintext is worked on in the caller's buffer when it fits; otherwise (a
  // buffer sized for the unpadded key) in a wiped scratch buffer.
  SecretArray<kMaxUnwrapScratch> scratch;
  const bool in_out = out.size() >= kSemi * n;
  if (!in_out && kSemi * n > kMaxUnwrapScratch) return Status::kTooLarge;
  uint8_t* r = in_out ? out.data() : scratch.data();
  SecretArray<kSemi> a;
  for (size_t i = 0; i < kSemi; ++i) a.data()[i] = wrapped[i];
  for (size_t i = 0; i < kSemi * n; ++i) r[i] = wrapped[kSemi + i];
  ScopedAes aes;
  Status s = FromMbed(mbedtls_aes_setkey_dec(aes.get(), kek.data(), bits));
  if (Ok(s)) {
    s = n == 1 ? Block(aes.get(), MBEDTLS_AES_DECRYPT, a.data(), r)
               : Unwrap(aes.get(), a.data(), r, n);
  }
  const size_t mli = Ok(s) ? CheckAiv(a.data(), r, n) : 0;
  if (Ok(s) && mli == 0) s = Status::kEncryptedDataInvalid;
  if (Ok(s) && out.size() < mli) s = Status::kTooLarge;
  if (!Ok(s)) {
    SecureZero(r, kSemi * n);
    return s;
  }
  if (!in_out) {
    for (size_t i = 0; i < mli; ++i) out[i] = r[i];
  }
  *out_len = mli;
  return Status::kOk;
}

}  // namespace hsm::mbed
