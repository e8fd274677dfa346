// RSA encryption, decryption, wrapping and unwrapping (PKCS#11 3.1 §2.1.6 PKCS#1 v1.5,
// §2.1.8 OAEP, §2.1.9 X.509). One RsaCipher serves both the C_Encrypt/C_Decrypt operations
// and C_WrapKey/C_UnwrapKey, so both apply the same length rules and the same single error
// for every decryption failure.
#pragma once

#include <memory>
#include <vector>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "mechanisms/operation.h"
#include "mechanisms/ossl/unique_ptr.h"
#include "mechanisms/rsa_hash.h"

namespace p11::rsa {

enum class Padding { kPkcs1, kOaep, kRaw };

struct CipherSpec {
  Padding padding = Padding::kPkcs1;
  // OAEP only.
  const EVP_MD* oaep_md = nullptr;
  const EVP_MD* mgf1_md = nullptr;
  size_t oaep_hash_size = 0;
  std::vector<uint8_t> label;
};

// CK_RSA_PKCS_OAEP_PARAMS (PKCS#11 3.1 §2.1.8): hashAlg and mgf from the RSA hash table (they
// need not match), source CKZ_DATA_SPECIFIED with its label, or a zero source with no label.
// Anything else is CKR_MECHANISM_PARAM_INVALID. The label is copied.
Result<CipherSpec> OaepSpec(ByteView param, const RsaDigests& digests);

class RsaCipher {
 public:
  // `encrypt` picks the public (encrypt/wrap) or private (decrypt/unwrap) operation. A modulus
  // too small for the OAEP hash is CKR_KEY_SIZE_RANGE.
  static Result<RsaCipher> New(ossl::UniquePtr<EVP_PKEY> pkey, CipherSpec spec, bool encrypt);

  size_t modulus_size() const { return modulus_.size(); }
  size_t max_plaintext() const { return max_plaintext_; }

  // CKR_DATA_LEN_RANGE above max_plaintext(); raw input must also be below the modulus.
  Result<void> Encrypt(ByteView in, OutBuffer& out);
  // `in` must be modulus_size() bytes (the caller picks the length error). Every other
  // failure — value above the modulus, bad padding, wrong label — is `invalid_rv`, one code,
  // so a caller learns nothing about which check failed.
  Result<SecureBuffer> Decrypt(ByteView in, CK_RV invalid_rv);

 private:
  RsaCipher(ossl::UniquePtr<EVP_PKEY> pkey, ossl::UniquePtr<EVP_PKEY_CTX> ctx, Padding padding,
            ZBytes modulus, size_t max_plaintext);

  ossl::UniquePtr<EVP_PKEY> pkey_;
  ossl::UniquePtr<EVP_PKEY_CTX> ctx_;
  Padding padding_;
  ZBytes modulus_;
  size_t max_plaintext_;
};

// Single-part C_Encrypt / C_Decrypt over `cipher`.
std::unique_ptr<CipherOperation> NewCipherOperation(RsaCipher cipher, bool encrypt);

// C_WrapKey: `key_encoding` longer than the cipher carries is CKR_KEY_SIZE_RANGE.
Result<void> WrapKey(RsaCipher& cipher, SecretView key_encoding, OutBuffer& out);
// C_UnwrapKey: a wrong length is CKR_WRAPPED_KEY_LEN_RANGE, any other failure
// CKR_WRAPPED_KEY_INVALID.
Result<SecureBuffer> UnwrapKey(RsaCipher& cipher, ByteView wrapped);

}  // namespace p11::rsa
