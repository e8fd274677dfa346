// The AEAD modes (AES-GCM, AES-CCM, ChaCha20-Poly1305) behind one context type, and the
// C_Encrypt*/C_Decrypt* operation they share: encryption output is ciphertext || tag,
// decryption input likewise. No plaintext leaves a decryption before its tag has been checked
// (PKCS#11 3.1 §6.14.3), so decryption holds its input until Final.
#pragma once

#include <openssl/evp.h>

#include <memory>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "mechanisms/operation.h"
#include "mechanisms/ossl/unique_ptr.h"

namespace p11::aead {

// The inputs one message needs. Views: valid only for the call they are passed to.
struct Setup {
  ByteView nonce;
  ByteView aad;
  size_t tag_len = 16;
  // CCM only: the payload length, which CCM encodes before anything else.
  size_t data_len = 0;
};

// A keyed context with its nonce set and the AAD absorbed. CCM takes its payload in a single
// update, so for CCM Update must be called exactly once (with the whole payload, even empty).
class Context {
 public:
  static Result<Context> Start(const EVP_CIPHER* cipher, bool encrypt, SecretView key,
                               const Setup& setup);

  bool is_ccm() const { return ccm_; }
  size_t tag_len() const { return tag_len_; }

  // Payload bytes through the cipher; `out` has room for in.size() bytes.
  Result<size_t> Update(uint8_t* out, ByteView in);
  // Encryption: finishes and writes tag_len() bytes of tag to `tag`.
  Result<void> Seal(uint8_t* tag);
  // Decryption of the whole ciphertext `in` into `out` (room for in.size()), checked against
  // `tag`; `out` is wiped on failure and the result is CKR_ENCRYPTED_DATA_INVALID.
  Result<void> Open(ByteView in, ByteView tag, uint8_t* out);

 private:
  Context(ossl::UniquePtr<EVP_CIPHER_CTX> ctx, bool ccm, size_t tag_len)
      : ctx_(std::move(ctx)), ccm_(ccm), tag_len_(tag_len) {}

  ossl::UniquePtr<EVP_CIPHER_CTX> ctx_;
  bool ccm_;
  size_t tag_len_;
};

// C_EncryptInit / C_DecryptInit for an AEAD mechanism (single- and multi-part). For CCM,
// setup.data_len is the plaintext length the whole operation must have.
Result<std::unique_ptr<CipherOperation>> NewCipherOp(const EVP_CIPHER* cipher, bool encrypt,
                                                     SecretView key, const Setup& setup);

}  // namespace p11::aead
