// Cipher plumbing shared by the AES and ChaCha20 families: ciphers fetched once per key size,
// contexts keyed from KeyMaterial, and EVP updates that accept any span length.
#pragma once

#include <openssl/evp.h>

#include <array>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "mechanisms/mechanism.h"
#include "mechanisms/operation.h"
#include "mechanisms/ossl/unique_ptr.h"

namespace p11::sym {

constexpr size_t kAesBlock = 16;

inline bool IsAesKeySize(size_t n) { return n == 16 || n == 24 || n == 32; }

// One EVP_CIPHER per AES key size (16, 24, 32 bytes), fetched at registration. A provider
// without some of them leaves those key sizes unusable (CKR_KEY_SIZE_RANGE).
class AesCiphers {
 public:
  explicit AesCiphers(const std::array<const char*, 3>& names);

  bool any() const { return ciphers_[0] || ciphers_[1] || ciphers_[2]; }
  // The cipher for `key` once CheckSecretKey has accepted it for `mechanism`.
  Result<const EVP_CIPHER*> For(const Mechanism& mechanism, const KeyMaterial& key) const;

 private:
  std::array<ossl::UniquePtr<EVP_CIPHER>, 3> ciphers_;
};

// EVP lengths are int: large inputs go in block-aligned chunks. `out` may be null (AAD).
Result<size_t> CipherUpdate(EVP_CIPHER_CTX* ctx, uint8_t* out, ByteView in);

// A context keyed for `encrypt` with `iv` (empty: none) and the given padding setting.
// `params` (may be null) are set between choosing the cipher and keying it, where OpenSSL
// wants AEAD IV lengths and CTS modes.
Result<ossl::UniquePtr<EVP_CIPHER_CTX>> NewCipherContext(const EVP_CIPHER* cipher, bool encrypt,
                                                         SecretView key, ByteView iv, bool pad,
                                                         const OSSL_PARAM* params = nullptr);

// A keystream cipher (AES-CTR, ChaCha20): output as long as input, streamed. At most
// `blocks_left` keystream blocks of `block_size` bytes may be used: a counter field must not
// wrap within the data (it would repeat keystream or run into the nonce), so more input is
// CKR_DATA_LEN_RANGE (CKR_ENCRYPTED_DATA_LEN_RANGE when decrypting).
std::unique_ptr<CipherOperation> NewKeystreamOp(ossl::UniquePtr<EVP_CIPHER_CTX> ctx, bool encrypt,
                                                size_t block_size, uint64_t blocks_left);

}  // namespace p11::sym
