// Signature operations over an EVP_PKEY, shared by RSA (PKCS#1 v1.5, PSS) and ECDSA.
// A mechanism describes at Begin how OpenSSL is to be driven (SignatureSpec); the operations
// here own the per-operation contexts and implement the PKCS#11 buffer and length rules.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>

#include "common/result.h"
#include "mechanisms/mechanism.h"

namespace p11::asym {

struct SignatureSpec {
  // Hash-and-sign (single and multi-part) with this digest; nullptr: the caller passes the
  // data to sign directly (a hash, a DigestInfo) and only single-part calls are allowed.
  const EVP_MD* md = nullptr;
  // RSA only; 0 leaves the key type's default (ECDSA).
  int rsa_padding = 0;
  // PSS without hash-and-sign: the digest the caller's input is.
  const EVP_MD* input_md = nullptr;
  const EVP_MD* mgf1_md = nullptr;
  int salt_len = 0;
  // Exact signature length: the modulus bytes, or 2 × the order bytes for ECDSA.
  size_t signature_len = 0;
  // Non-zero for ECDSA: signatures are r‖s of this width each (PKCS#11 3.1 §2.3.1), and DER
  // only inside OpenSSL.
  size_t ecdsa_order_bytes = 0;
  // Direct input rules (CKR_DATA_LEN_RANGE otherwise): an exact length when non-zero, and a
  // maximum.
  size_t input_exact_len = 0;
  size_t input_max_len = std::numeric_limits<size_t>::max();
};

// Over `key`'s EVP_PKEY; a direct-input operation reuses a ready context of the key's when
// one is free (KeyMaterial::contexts).
Result<std::unique_ptr<SignOperation>> NewSignOperation(const KeyMaterial& key,
                                                        const SignatureSpec& spec);
Result<std::unique_ptr<VerifyOperation>> NewVerifyOperation(const KeyMaterial& key,
                                                            const SignatureSpec& spec);

}  // namespace p11::asym
