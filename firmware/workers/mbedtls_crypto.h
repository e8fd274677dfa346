// MbedCrypto: the reference CryptoPort, every primitive done by mbedTLS 2.28 (Debian's
// libmbedcrypto on the host build). It owns the firmware's one CTR_DRBG, seeded from the
// board's EntropySource with the personalisation "arca-fw".
//
// Memory: our code uses no heap; mbedTLS allocates bignums with calloc inside. On the host
// that is the C library's allocator; the Cortex-M build gives mbedTLS a static pool
// (MBEDTLS_MEMORY_BUFFER_ALLOC_C) so the firmware as a whole stays heap-free.
//
// Not thread-safe: the core calls its port from one thread (one request at a time).
#pragma once

#include <mbedtls/ctr_drbg.h>

#include "workers/crypto_port.h"
#include "workers/ec_groups.h"
#include "workers/entropy.h"

namespace hsm {

class MbedCrypto final : public CryptoPort {
 public:
  explicit MbedCrypto(EntropySource& entropy);
  ~MbedCrypto();
  MbedCrypto(const MbedCrypto&) = delete;
  MbedCrypto& operator=(const MbedCrypto&) = delete;

  // Seeds the DRBG. Every operation that needs randomness returns kBadState before it.
  Status Init();

  Status Random(std::span<uint8_t> out) override;
  Status GenerateKey(wire::KeyType type, size_t length, KeyBlob& blob,
                     PublicBuf& public_value) override;
  Status ImportPrivate(wire::KeyType type, std::span<const uint8_t> pkcs8, KeyBlob& blob,
                       PublicBuf& public_value) override;
  Status ImportSecret(wire::KeyType type, std::span<const uint8_t> raw, KeyBlob& blob) override;
  Status CheckPublic(wire::KeyType type, std::span<const uint8_t> public_value) override;
  Status ExportMaterial(wire::KeyType type, const KeyBlob& blob, std::span<uint8_t> out,
                        size_t* out_len) override;
  Status Sign(wire::KeyType type, const KeyBlob& blob, const SignParams& params,
              std::span<const uint8_t> data, std::span<uint8_t> signature,
              size_t* signature_len) override;
  Status Verify(wire::KeyType type, const KeyBlob* key, std::span<const uint8_t> public_value,
                const SignParams& params, std::span<const uint8_t> data,
                std::span<const uint8_t> signature) override;
  Status Encrypt(const KeyBlob& key, const CipherParams& params, std::span<const uint8_t> in,
                 std::span<uint8_t> out, size_t* out_len) override;
  Status Decrypt(const KeyBlob& key, const CipherParams& params, std::span<const uint8_t> in,
                 std::span<uint8_t> out, size_t* out_len) override;
  Status Ecdh(wire::KeyType type, const KeyBlob& private_key, std::span<const uint8_t> peer_point,
              SecretArray<wire::kMaxDigest>& secret) override;
  Status Digest(wire::HashAlg hash, std::span<const uint8_t> data, std::span<uint8_t> out,
                size_t* out_len) override;
  Status WrapKwp(const KeyBlob& kek, std::span<const uint8_t> plain, std::span<uint8_t> out,
                 size_t* out_len) override;
  Status UnwrapKwp(const KeyBlob& kek, std::span<const uint8_t> wrapped, std::span<uint8_t> out,
                   size_t* out_len) override;
  Status DerivePinVerifier(std::span<const uint8_t> pin, std::span<const uint8_t> salt,
                           uint32_t iterations, std::span<uint8_t, 32> out) override;
  Status Seal(std::span<const uint8_t, 32> storage_key, std::span<const uint8_t> plain,
              std::span<const uint8_t> aad, std::span<uint8_t> sealed, size_t* sealed_len) override;
  Status Open(std::span<const uint8_t, 32> storage_key, std::span<const uint8_t> sealed,
              std::span<const uint8_t> aad, std::span<uint8_t> plain, size_t* plain_len) override;

 private:
  // mbedTLS's entropy callback: `self` is this object.
  static int GatherEntropy(void* self, unsigned char* out, size_t len);

  EntropySource& entropy_;
  mbedtls_ctr_drbg_context drbg_;
  bool seeded_ = false;
  mbed::EcGroups ec_groups_;
};

}  // namespace hsm
