// Private helpers shared by the mbedtls_crypto*.cpp files (not part of the CryptoPort
// contract; nothing outside firmware/workers includes this): scope guards that free every
// mbedTLS context on every path, the curve table, and the per-family functions MbedCrypto
// dispatches to. mbedTLS contexts free (and zeroise) their own internals; our own stack
// secrets live in hsm::SecretArray, which wipes itself.
#pragma once

#include <mbedtls/aes.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include <cstddef>
#include <cstdint>
#include <span>

#include "workers/crypto_port.h"
#include "workers/ec_groups.h"

namespace hsm::mbed {

// The DRBG as mbedTLS wants it: a callback and its context.
struct Rng {
  int (*fn)(void*, unsigned char*, size_t);
  void* ctx;
};

// Owns one mbedTLS context: init in the constructor, free in the destructor, so that an
// early return can never leak (or leave unwiped) a bignum, a key schedule or a key.
template <class T, void (*InitFn)(T*), void (*FreeFn)(T*)>
class Scoped {
 public:
  Scoped() { InitFn(&value_); }
  ~Scoped() { FreeFn(&value_); }
  Scoped(const Scoped&) = delete;
  Scoped& operator=(const Scoped&) = delete;
  T* get() { return &value_; }
  const T* get() const { return &value_; }

 private:
  T value_;
};

using ScopedMpi = Scoped<mbedtls_mpi, mbedtls_mpi_init, mbedtls_mpi_free>;
using ScopedPoint = Scoped<mbedtls_ecp_point, mbedtls_ecp_point_init, mbedtls_ecp_point_free>;
using ScopedPk = Scoped<mbedtls_pk_context, mbedtls_pk_init, mbedtls_pk_free>;
using ScopedAes = Scoped<mbedtls_aes_context, mbedtls_aes_init, mbedtls_aes_free>;
using ScopedGcm = Scoped<mbedtls_gcm_context, mbedtls_gcm_init, mbedtls_gcm_free>;
using ScopedMd = Scoped<mbedtls_md_context_t, mbedtls_md_init, mbedtls_md_free>;

// mbedtls_rsa_init takes the padding too (2.28), so it gets its own guard.
class ScopedRsa {
 public:
  ScopedRsa() { mbedtls_rsa_init(&value_, MBEDTLS_RSA_PKCS_V15, MBEDTLS_MD_NONE); }
  ~ScopedRsa() { mbedtls_rsa_free(&value_); }
  ScopedRsa(const ScopedRsa&) = delete;
  ScopedRsa& operator=(const ScopedRsa&) = delete;
  mbedtls_rsa_context* get() { return &value_; }

 private:
  mbedtls_rsa_context value_;
};

// Any mbedTLS failure we do not map more precisely is a crypto error.
inline Status FromMbed(int rc, Status fallback = Status::kCryptoError) {
  return rc == 0 ? Status::kOk : fallback;
}

// Equality in time independent of where the first difference is (MAC and tag checks).
inline bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

// Moves the `len` bytes that an mbedTLS writer left at the end of `buf` to its front (the
// asn1write and pk_write functions write backwards from the end of the buffer).
inline void MoveToFront(std::span<uint8_t> buf, size_t len) {
  const size_t from = buf.size() - len;
  for (size_t i = 0; i < len; ++i) buf[i] = buf[from + i];
  SecureZero(buf.data() + len, buf.size() - len);  // the stale copy may be key material
}

const mbedtls_md_info_t* MdFor(wire::HashAlg hash);

// ---- EC (mbedtls_crypto_ec.cpp) ----
struct Curve {
  wire::KeyType type;
  mbedtls_ecp_group_id id;
  size_t size;  // bytes of a scalar / a coordinate
  const char* oid;
  size_t oid_len;
  mbedtls_md_type_t nonce_md;  // the RFC 6979 HMAC-DRBG hash for deterministic nonces
};
const Curve* CurveFor(wire::KeyType type);

// `groups`: MbedCrypto's kept curve groups (ec_groups.h).
Status EcGenerate(const Curve& curve, EcGroups& groups, Rng rng, KeyBlob& blob,
                  PublicBuf& public_value);
// From a parsed key (ImportPrivate): checks the curve, fills blob and public value.
Status EcFromPk(const Curve& curve, EcGroups& groups, mbedtls_pk_context* pk, Rng rng,
                KeyBlob& blob, PublicBuf& public_value);
Status EcCheckPublic(const Curve& curve, EcGroups& groups, std::span<const uint8_t> point);
Status EcExport(const Curve& curve, EcGroups& groups, const KeyBlob& blob, Rng rng,
                std::span<uint8_t> out, size_t* out_len);
Status EcdsaSign(const Curve& curve, EcGroups& groups, const KeyBlob& blob, Rng rng,
                 std::span<const uint8_t> digest, std::span<uint8_t> signature,
                 size_t* signature_len);
Status EcdsaVerify(const Curve& curve, EcGroups& groups, std::span<const uint8_t> point,
                   std::span<const uint8_t> digest, std::span<const uint8_t> signature);
Status EcdhX(const Curve& curve, EcGroups& groups, const KeyBlob& blob, Rng rng,
             std::span<const uint8_t> peer, SecretArray<wire::kMaxDigest>& secret);

// ---- RSA (mbedtls_crypto_rsa.cpp) ----
Status RsaGenerate(Rng rng, KeyBlob& blob, PublicBuf& public_value);
Status RsaFromPk(mbedtls_pk_context* pk, KeyBlob& blob, PublicBuf& public_value);
Status RsaCheckPublic(std::span<const uint8_t> der);
Status RsaExport(const KeyBlob& blob, std::span<uint8_t> out, size_t* out_len);
Status RsaSign(const KeyBlob& blob, Rng rng, const SignParams& params,
               std::span<const uint8_t> data, std::span<uint8_t> signature, size_t* signature_len);
Status RsaVerify(std::span<const uint8_t> der, const SignParams& params,
                 std::span<const uint8_t> data, std::span<const uint8_t> signature);

// ---- PKCS#8 (mbedtls_crypto_pkcs8.cpp) ----
// Parses an unencrypted PKCS#8 PrivateKeyInfo (and nothing else) into `pk`.
Status ParsePkcs8(std::span<const uint8_t> der, mbedtls_pk_context* pk);
// Wraps `inner` (SEC1 ECPrivateKey or PKCS#1 RSAPrivateKey DER) into PrivateKeyInfo; `curve`
// null means rsaEncryption. `out` is wiped on failure.
Status WritePkcs8(std::span<const uint8_t> inner, const Curve* curve, std::span<uint8_t> out,
                  size_t* out_len);

// ---- symmetric (mbedtls_crypto_sym.cpp, mbedtls_crypto_kwp.cpp) ----
// 128 or 256 for an AES key blob, 0 otherwise.
unsigned AesKeyBits(const KeyBlob& key);
Status GcmEncrypt(std::span<const uint8_t> key, std::span<const uint8_t> iv,
                  std::span<const uint8_t> aad, size_t tag_length, std::span<const uint8_t> in,
                  std::span<uint8_t> out, size_t* out_len);
Status GcmDecrypt(std::span<const uint8_t> key, std::span<const uint8_t> iv,
                  std::span<const uint8_t> aad, size_t tag_length, std::span<const uint8_t> in,
                  std::span<uint8_t> out, size_t* out_len);
Status CbcEncrypt(const KeyBlob& key, const CipherParams& params, std::span<const uint8_t> in,
                  std::span<uint8_t> out, size_t* out_len);
Status CbcDecrypt(const KeyBlob& key, const CipherParams& params, std::span<const uint8_t> in,
                  std::span<uint8_t> out, size_t* out_len);
Status HmacSha256Sign(const KeyBlob& key, std::span<const uint8_t> data,
                      std::span<uint8_t> signature, size_t* signature_len);
Status HmacSha256Verify(const KeyBlob& key, std::span<const uint8_t> data,
                        std::span<const uint8_t> signature);
Status KwpWrap(const KeyBlob& kek, std::span<const uint8_t> plain, std::span<uint8_t> out,
               size_t* out_len);
Status KwpUnwrap(const KeyBlob& kek, std::span<const uint8_t> wrapped, std::span<uint8_t> out,
                 size_t* out_len);

}  // namespace hsm::mbed
