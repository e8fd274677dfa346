// CryptoPort: every cryptographic primitive the firmware uses, behind one interface, so a
// board with a hardware accelerator swaps in its own implementation. The host and the
// reference boards use MbedCrypto (mbedtls_crypto.h). No heap in the interface: outputs go
// into caller-owned fixed buffers; secret material only ever lives in hsm::SecretArray.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/limits.h"
#include "protocol/status.h"
#include "protocol/types.h"
#include "support/secret_array.h"

namespace hsm {

// A key's private or secret material in the port's own encoding (opaque to the core).
using KeyBlob = SecretArray<wire::kMaxKeyBlob>;
// A public value as on the wire: EC uncompressed point; RSA PKCS#1 RSAPublicKey DER.
using PublicBuf = ByteArray<wire::kMaxPublic>;

struct SignParams {
  wire::SignAlg alg = wire::SignAlg::kEcdsa;
  wire::HashAlg hash = wire::HashAlg::kNone;  // kRsaPss: the digest's hash, also for MGF1
  uint16_t salt_length = 0;                   // kRsaPss
};

struct CipherParams {
  wire::CipherAlg alg = wire::CipherAlg::kAesGcm;
  std::span<const uint8_t> iv;
  std::span<const uint8_t> aad;  // GCM only
  uint8_t tag_length = 16;       // GCM only, 4..16
};

class CryptoPort {
 public:
  // Fills `out` from the port's DRBG (seeded from the board's entropy source).
  virtual Status Random(std::span<uint8_t> out) = 0;

  // A new key of `type`: the private/secret material into `blob`, the public value (empty for
  // symmetric keys) into `public_value`. `length` is the byte length of kGenericSecret keys
  // (1..64) and ignored otherwise. kKeySizeRange / kParamInvalid for a bad type or length.
  virtual Status GenerateKey(wire::KeyType type, size_t length, KeyBlob& blob,
                             PublicBuf& public_value) = 0;
  // Material as ImportKeyReq carries it: private = PKCS#8 PrivateKeyInfo DER whose key must
  // match `type` (kKeyTypeInconsistent otherwise), secret = raw bytes of the type's length.
  virtual Status ImportPrivate(wire::KeyType type, std::span<const uint8_t> pkcs8, KeyBlob& blob,
                               PublicBuf& public_value) = 0;
  virtual Status ImportSecret(wire::KeyType type, std::span<const uint8_t> raw, KeyBlob& blob) = 0;
  // Checks that a public value is well formed for `type` (EC: a point on the curve).
  virtual Status CheckPublic(wire::KeyType type, std::span<const uint8_t> public_value) = 0;
  // The inverse of ImportPrivate / ImportSecret, for wrapping an extractable key: PKCS#8 DER
  // for private keys, the raw bytes for secret keys.
  virtual Status ExportMaterial(wire::KeyType type, const KeyBlob& blob, std::span<uint8_t> out,
                                size_t* out_len) = 0;

  // Private-key (or HMAC) signature over `data` as SignParams describes.
  virtual Status Sign(wire::KeyType type, const KeyBlob& blob, const SignParams& params,
                      std::span<const uint8_t> data, std::span<uint8_t> signature,
                      size_t* signature_len) = 0;
  // kSignatureInvalid when it does not verify. For HMAC `key` is the secret blob; for
  // public-key algorithms it is unused and `public_value` is the key.
  virtual Status Verify(wire::KeyType type, const KeyBlob* key,
                        std::span<const uint8_t> public_value, const SignParams& params,
                        std::span<const uint8_t> data, std::span<const uint8_t> signature) = 0;

  // AES with a kAes128/kAes256 key. Encrypt appends the GCM tag; Decrypt checks it
  // (kEncryptedDataInvalid on a bad tag or bad padding; kDataLenRange on a bad length).
  virtual Status Encrypt(const KeyBlob& key, const CipherParams& params,
                         std::span<const uint8_t> in, std::span<uint8_t> out, size_t* out_len) = 0;
  virtual Status Decrypt(const KeyBlob& key, const CipherParams& params,
                         std::span<const uint8_t> in, std::span<uint8_t> out, size_t* out_len) = 0;

  // ECDH: the x-coordinate of d·Q into `secret` (the curve's size).
  virtual Status Ecdh(wire::KeyType type, const KeyBlob& private_key,
                      std::span<const uint8_t> peer_point,
                      SecretArray<wire::kMaxDigest>& secret) = 0;

  virtual Status Digest(wire::HashAlg hash, std::span<const uint8_t> data, std::span<uint8_t> out,
                        size_t* out_len) = 0;

  // AES key wrap with padding (RFC 5649) under an AES key.
  virtual Status WrapKwp(const KeyBlob& kek, std::span<const uint8_t> plain, std::span<uint8_t> out,
                         size_t* out_len) = 0;
  virtual Status UnwrapKwp(const KeyBlob& kek, std::span<const uint8_t> wrapped,
                           std::span<uint8_t> out, size_t* out_len) = 0;

  // PIN verifier: PBKDF2-HMAC-SHA256(pin, salt, iterations) → 32 bytes.
  virtual Status DerivePinVerifier(std::span<const uint8_t> pin, std::span<const uint8_t> salt,
                                   uint32_t iterations, std::span<uint8_t, 32> out) = 0;

  // Seals / opens a secret for storage in flash: AES-256-GCM under `storage_key` (32 bytes)
  // with a random 12-byte nonce; sealed = nonce | ciphertext | tag (28 bytes over the plain).
  virtual Status Seal(std::span<const uint8_t, 32> storage_key, std::span<const uint8_t> plain,
                      std::span<const uint8_t> aad, std::span<uint8_t> sealed,
                      size_t* sealed_len) = 0;
  virtual Status Open(std::span<const uint8_t, 32> storage_key, std::span<const uint8_t> sealed,
                      std::span<const uint8_t> aad, std::span<uint8_t> plain,
                      size_t* plain_len) = 0;

 protected:
  // Not deleted through the interface: the firmware never allocates ports on a heap.
  ~CryptoPort() = default;
};

}  // namespace hsm
