// MbedCrypto: the DRBG, the dispatch from CryptoPort calls to the per-family functions
// (mbedtls_crypto_{ec,rsa,sym,kwp,pkcs8}.cpp), digests and the PIN verifier KDF.
#include "workers/mbedtls_crypto.h"

#include <mbedtls/entropy.h>
#include <mbedtls/pkcs5.h>

#include "workers/mbedtls_crypto_internal.h"

namespace hsm {
namespace {

using mbed::Rng;

constexpr char kPersonalisation[] = "arca-fw";
constexpr size_t kSealNonce = 12;
constexpr size_t kSealTag = 16;

Rng DrbgRng(mbedtls_ctr_drbg_context* drbg) { return {mbedtls_ctr_drbg_random, drbg}; }

// The fixed length of a secret key type, 0 for kGenericSecret (variable) and non-secret types.
size_t SecretLength(wire::KeyType type) {
  switch (type) {
    case wire::KeyType::kAes128:
      return 16;
    case wire::KeyType::kAes256:
      return 32;
    default:
      return 0;
  }
}

bool IsSecret(wire::KeyType type) {
  return SecretLength(type) != 0 || type == wire::KeyType::kGenericSecret;
}

// Whether `n` bytes are a valid length for a secret key of `type`.
bool SecretLengthOk(wire::KeyType type, size_t n) {
  if (type == wire::KeyType::kGenericSecret) return n >= 1 && n <= 64;
  return n != 0 && n == SecretLength(type);
}

}  // namespace

namespace mbed {

const mbedtls_md_info_t* MdFor(wire::HashAlg hash) {
  switch (hash) {
    case wire::HashAlg::kSha256:
      return mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    case wire::HashAlg::kSha384:
      return mbedtls_md_info_from_type(MBEDTLS_MD_SHA384);
    case wire::HashAlg::kSha512:
      return mbedtls_md_info_from_type(MBEDTLS_MD_SHA512);
    default:
      return nullptr;
  }
}

}  // namespace mbed

MbedCrypto::MbedCrypto(EntropySource& entropy) : entropy_(entropy) {
  mbedtls_ctr_drbg_init(&drbg_);
}

MbedCrypto::~MbedCrypto() { mbedtls_ctr_drbg_free(&drbg_); }  // zeroises the DRBG state

int MbedCrypto::GatherEntropy(void* self, unsigned char* out, size_t len) {
  auto* crypto = static_cast<MbedCrypto*>(self);
  return Ok(crypto->entropy_.Gather({out, len})) ? 0 : MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
}

Status MbedCrypto::Init() {
  if (seeded_) return Status::kOk;
  const int rc = mbedtls_ctr_drbg_seed(&drbg_, &MbedCrypto::GatherEntropy, this,
                                       reinterpret_cast<const unsigned char*>(kPersonalisation),
                                       sizeof(kPersonalisation) - 1);
  if (rc != 0) return Status::kCryptoError;
  seeded_ = true;
  return Status::kOk;
}

Status MbedCrypto::Random(std::span<uint8_t> out) {
  if (!seeded_) return Status::kBadState;
  // CTR_DRBG serves at most MBEDTLS_CTR_DRBG_MAX_REQUEST bytes per call.
  while (!out.empty()) {
    const size_t n =
        out.size() < MBEDTLS_CTR_DRBG_MAX_REQUEST ? out.size() : MBEDTLS_CTR_DRBG_MAX_REQUEST;
    if (mbedtls_ctr_drbg_random(&drbg_, out.data(), n) != 0) return Status::kCryptoError;
    out = out.subspan(n);
  }
  return Status::kOk;
}

Status MbedCrypto::GenerateKey(wire::KeyType type, size_t length, KeyBlob& blob,
                               PublicBuf& public_value) {
  if (!seeded_) return Status::kBadState;
  blob.wipe();
  public_value.clear();
  Status s = Status::kOk;
  if (const mbed::Curve* curve = mbed::CurveFor(type)) {
    s = mbed::EcGenerate(*curve, ec_groups_, DrbgRng(&drbg_), blob, public_value);
  } else if (type == wire::KeyType::kRsa2048) {
    s = mbed::RsaGenerate(DrbgRng(&drbg_), blob, public_value);
  } else if (!IsSecret(type)) {
    return Status::kParamInvalid;
  } else {
    const size_t n = type == wire::KeyType::kGenericSecret ? length : SecretLength(type);
    if (!SecretLengthOk(type, n)) return Status::kKeySizeRange;
    blob.resize(n);
    s = Random(blob.span());
  }
  if (!Ok(s)) {  // no half-made key is left behind
    blob.wipe();
    public_value.clear();
  }
  return s;
}

Status MbedCrypto::ImportPrivate(wire::KeyType type, std::span<const uint8_t> pkcs8, KeyBlob& blob,
                                 PublicBuf& public_value) {
  if (!seeded_) return Status::kBadState;
  blob.wipe();
  public_value.clear();
  const mbed::Curve* curve = mbed::CurveFor(type);
  if (curve == nullptr && type != wire::KeyType::kRsa2048) return Status::kKeyTypeInconsistent;
  mbed::ScopedPk pk;
  const Status parsed = mbed::ParsePkcs8(pkcs8, pk.get());
  if (!Ok(parsed)) return parsed;
  const Status s = curve != nullptr ? mbed::EcFromPk(*curve, ec_groups_, pk.get(), DrbgRng(&drbg_),
                                                     blob, public_value)
                                    : mbed::RsaFromPk(pk.get(), blob, public_value);
  if (!Ok(s)) {
    blob.wipe();
    public_value.clear();
  }
  return s;
}

Status MbedCrypto::ImportSecret(wire::KeyType type, std::span<const uint8_t> raw, KeyBlob& blob) {
  blob.wipe();
  if (!IsSecret(type)) return Status::kKeyTypeInconsistent;
  if (!SecretLengthOk(type, raw.size())) return Status::kKeySizeRange;
  return blob.assign(raw) ? Status::kOk : Status::kTooLarge;
}

Status MbedCrypto::CheckPublic(wire::KeyType type, std::span<const uint8_t> public_value) {
  if (const mbed::Curve* curve = mbed::CurveFor(type)) {
    return mbed::EcCheckPublic(*curve, ec_groups_, public_value);
  }
  if (type == wire::KeyType::kRsa2048) return mbed::RsaCheckPublic(public_value);
  return Status::kKeyTypeInconsistent;  // secret keys have no public value
}

Status MbedCrypto::ExportMaterial(wire::KeyType type, const KeyBlob& blob, std::span<uint8_t> out,
                                  size_t* out_len) {
  *out_len = 0;
  if (const mbed::Curve* curve = mbed::CurveFor(type)) {
    if (!seeded_) return Status::kBadState;  // the public point is recomputed, blinded
    return mbed::EcExport(*curve, ec_groups_, blob, DrbgRng(&drbg_), out, out_len);
  }
  if (type == wire::KeyType::kRsa2048) return mbed::RsaExport(blob, out, out_len);
  if (!IsSecret(type)) return Status::kKeyTypeInconsistent;
  if (!SecretLengthOk(type, blob.size())) return Status::kParamInvalid;
  if (out.size() < blob.size()) return Status::kTooLarge;
  for (size_t i = 0; i < blob.size(); ++i) out[i] = blob.data()[i];
  *out_len = blob.size();
  return Status::kOk;
}

Status MbedCrypto::Sign(wire::KeyType type, const KeyBlob& blob, const SignParams& params,
                        std::span<const uint8_t> data, std::span<uint8_t> signature,
                        size_t* signature_len) {
  *signature_len = 0;
  switch (params.alg) {
    case wire::SignAlg::kEcdsa: {
      const mbed::Curve* curve = mbed::CurveFor(type);
      if (curve == nullptr) return Status::kKeyTypeInconsistent;
      if (!seeded_) return Status::kBadState;
      return mbed::EcdsaSign(*curve, ec_groups_, blob, DrbgRng(&drbg_), data, signature,
                             signature_len);
    }
    case wire::SignAlg::kRsaPkcs1:
    case wire::SignAlg::kRsaPss:
      if (type != wire::KeyType::kRsa2048) return Status::kKeyTypeInconsistent;
      if (!seeded_) return Status::kBadState;
      return mbed::RsaSign(blob, DrbgRng(&drbg_), params, data, signature, signature_len);
    case wire::SignAlg::kHmacSha256:
      if (type != wire::KeyType::kGenericSecret) return Status::kKeyTypeInconsistent;
      return mbed::HmacSha256Sign(blob, data, signature, signature_len);
  }
  return Status::kMechanismInvalid;
}

Status MbedCrypto::Verify(wire::KeyType type, const KeyBlob* key,
                          std::span<const uint8_t> public_value, const SignParams& params,
                          std::span<const uint8_t> data, std::span<const uint8_t> signature) {
  switch (params.alg) {
    case wire::SignAlg::kEcdsa: {
      const mbed::Curve* curve = mbed::CurveFor(type);
      if (curve == nullptr) return Status::kKeyTypeInconsistent;
      return mbed::EcdsaVerify(*curve, ec_groups_, public_value, data, signature);
    }
    case wire::SignAlg::kRsaPkcs1:
    case wire::SignAlg::kRsaPss:
      if (type != wire::KeyType::kRsa2048) return Status::kKeyTypeInconsistent;
      return mbed::RsaVerify(public_value, params, data, signature);
    case wire::SignAlg::kHmacSha256:
      if (type != wire::KeyType::kGenericSecret) return Status::kKeyTypeInconsistent;
      if (key == nullptr) return Status::kParamInvalid;
      return mbed::HmacSha256Verify(*key, data, signature);
  }
  return Status::kMechanismInvalid;
}

Status MbedCrypto::Encrypt(const KeyBlob& key, const CipherParams& params,
                           std::span<const uint8_t> in, std::span<uint8_t> out, size_t* out_len) {
  *out_len = 0;
  if (mbed::AesKeyBits(key) == 0) return Status::kKeyTypeInconsistent;
  switch (params.alg) {
    case wire::CipherAlg::kAesGcm:
      return mbed::GcmEncrypt(key.span(), params.iv, params.aad, params.tag_length, in, out,
                              out_len);
    case wire::CipherAlg::kAesCbc:
    case wire::CipherAlg::kAesCbcPad:
      return mbed::CbcEncrypt(key, params, in, out, out_len);
  }
  return Status::kMechanismInvalid;
}

Status MbedCrypto::Decrypt(const KeyBlob& key, const CipherParams& params,
                           std::span<const uint8_t> in, std::span<uint8_t> out, size_t* out_len) {
  *out_len = 0;
  if (mbed::AesKeyBits(key) == 0) return Status::kKeyTypeInconsistent;
  switch (params.alg) {
    case wire::CipherAlg::kAesGcm:
      return mbed::GcmDecrypt(key.span(), params.iv, params.aad, params.tag_length, in, out,
                              out_len);
    case wire::CipherAlg::kAesCbc:
    case wire::CipherAlg::kAesCbcPad:
      return mbed::CbcDecrypt(key, params, in, out, out_len);
  }
  return Status::kMechanismInvalid;
}

Status MbedCrypto::Ecdh(wire::KeyType type, const KeyBlob& private_key,
                        std::span<const uint8_t> peer_point,
                        SecretArray<wire::kMaxDigest>& secret) {
  secret.wipe();
  const mbed::Curve* curve = mbed::CurveFor(type);
  if (curve == nullptr) return Status::kKeyTypeInconsistent;
  if (!seeded_) return Status::kBadState;
  return mbed::EcdhX(*curve, ec_groups_, private_key, DrbgRng(&drbg_), peer_point, secret);
}

Status MbedCrypto::Digest(wire::HashAlg hash, std::span<const uint8_t> data, std::span<uint8_t> out,
                          size_t* out_len) {
  *out_len = 0;
  const mbedtls_md_info_t* md = mbed::MdFor(hash);
  if (md == nullptr) return Status::kMechanismInvalid;
  const size_t n = mbedtls_md_get_size(md);
  if (out.size() < n) return Status::kTooLarge;
  if (mbedtls_md(md, data.data(), data.size(), out.data()) != 0) return Status::kCryptoError;
  *out_len = n;
  return Status::kOk;
}

Status MbedCrypto::WrapKwp(const KeyBlob& kek, std::span<const uint8_t> plain,
                           std::span<uint8_t> out, size_t* out_len) {
  *out_len = 0;
  return mbed::KwpWrap(kek, plain, out, out_len);
}

Status MbedCrypto::UnwrapKwp(const KeyBlob& kek, std::span<const uint8_t> wrapped,
                             std::span<uint8_t> out, size_t* out_len) {
  *out_len = 0;
  return mbed::KwpUnwrap(kek, wrapped, out, out_len);
}

Status MbedCrypto::DerivePinVerifier(std::span<const uint8_t> pin, std::span<const uint8_t> salt,
                                     uint32_t iterations, std::span<uint8_t, 32> out) {
  if (iterations == 0) return Status::kParamInvalid;
  mbed::ScopedMd md;  // holds the HMAC pads of the PIN; freed (zeroised) on every path
  if (mbedtls_md_setup(md.get(), mbed::MdFor(wire::HashAlg::kSha256), /*hmac=*/1) != 0) {
    return Status::kCryptoError;
  }
  const int rc = mbedtls_pkcs5_pbkdf2_hmac(md.get(), pin.data(), pin.size(), salt.data(),
                                           salt.size(), iterations, out.size(), out.data());
  if (rc != 0) {
    SecureZero(out.data(), out.size());
    return Status::kCryptoError;
  }
  return Status::kOk;
}

Status MbedCrypto::Seal(std::span<const uint8_t, 32> storage_key, std::span<const uint8_t> plain,
                        std::span<const uint8_t> aad, std::span<uint8_t> sealed,
                        size_t* sealed_len) {
  *sealed_len = 0;
  if (!seeded_) return Status::kBadState;
  if (sealed.size() < kSealNonce + plain.size() + kSealTag) return Status::kTooLarge;
  // A fresh random nonce per seal: with 96-bit nonces the collision bound stays far away
  // for the number of records a device ever writes.
  const std::span<uint8_t> nonce = sealed.first(kSealNonce);
  if (!Ok(Random(nonce))) return Status::kCryptoError;
  size_t body_len = 0;
  const Status s = mbed::GcmEncrypt(storage_key, nonce, aad, kSealTag, plain,
                                    sealed.subspan(kSealNonce), &body_len);
  if (!Ok(s)) return s;
  *sealed_len = kSealNonce + body_len;
  return Status::kOk;
}

Status MbedCrypto::Open(std::span<const uint8_t, 32> storage_key, std::span<const uint8_t> sealed,
                        std::span<const uint8_t> aad, std::span<uint8_t> plain, size_t* plain_len) {
  *plain_len = 0;
  if (sealed.size() < kSealNonce + kSealTag) return Status::kEncryptedDataInvalid;
  return mbed::GcmDecrypt(storage_key, sealed.first(kSealNonce), aad, kSealTag,
                          sealed.subspan(kSealNonce), plain, plain_len);
}

}  // namespace hsm
