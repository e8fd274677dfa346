// Active cryptographic operations, one owned object per operation kind. A session holds at
// most one operation per kind (PKCS#11 3.1 §5.1) in a typed slot; the session layer ends the
// operation after any result except a length query or CKR_BUFFER_TOO_SMALL
// (KeepsOperation). Single-part and multi-part calls are not mixed: the session layer
// enforces that, so implementations may assume a consistent call sequence.
//
// Inputs given to *Init (mechanism parameters, key bytes) are only valid during Begin: an
// operation copies what it keeps.
#pragma once

#include <memory>

#include "common/out_buffer.h"
#include "common/result.h"
#include "common/secure_buffer.h"

namespace p11 {

class DigestOperation {
 public:
  virtual ~DigestOperation() = default;
  virtual Result<void> Update(ByteView data) = 0;
  // Adds a secret key's value (C_DigestKey).
  virtual Result<void> UpdateKey(SecretView key) = 0;
  virtual Result<void> Final(OutBuffer& out) = 0;
  // Single-part C_Digest: must honour length queries without consuming `data`.
  virtual Result<void> Digest(ByteView data, OutBuffer& out) = 0;
};

// Also used for MACs (HMAC, CMAC): sign = compute, verify = compare.
class SignOperation {
 public:
  virtual ~SignOperation() = default;
  virtual Result<void> Update(ByteView data) = 0;
  virtual Result<void> Final(OutBuffer& signature) = 0;
  virtual Result<void> Sign(ByteView data, OutBuffer& signature) = 0;
};

class VerifyOperation {
 public:
  virtual ~VerifyOperation() = default;
  virtual Result<void> Update(ByteView data) = 0;
  // CKR_SIGNATURE_INVALID or CKR_SIGNATURE_LEN_RANGE on mismatch.
  virtual Result<void> Final(ByteView signature) = 0;
  virtual Result<void> Verify(ByteView data, ByteView signature) = 0;
};

// Encryption or decryption; which one is fixed at Begin.
class CipherOperation {
 public:
  virtual ~CipherOperation() = default;
  virtual Result<void> Update(ByteView in, OutBuffer& out) = 0;
  virtual Result<void> Final(OutBuffer& out) = 0;
  // Single-part C_Encrypt / C_Decrypt.
  virtual Result<void> OneShot(ByteView in, OutBuffer& out) = 0;
};

}  // namespace p11
