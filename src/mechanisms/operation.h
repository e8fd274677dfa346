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
#include <span>

#include "common/out_buffer.h"
#include "common/result.h"
#include "common/secure_buffer.h"

namespace p11 {

class DigestOperation {
 public:
  virtual ~DigestOperation() = default;
  // A copy of the running state, for C_GetOperationState (CKR_STATE_UNSAVEABLE if none).
  virtual Result<std::unique_ptr<DigestOperation>> Clone() const {
    return Fail(CKR_STATE_UNSAVEABLE, "digest state");
  }
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
  // A copy of the running state (MACs), for C_GetOperationState.
  virtual Result<std::unique_ptr<SignOperation>> Clone() const {
    return Fail(CKR_STATE_UNSAVEABLE, "sign state");
  }
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

// C_VerifyRecover: the data recovered from a signature (RSA PKCS#1 v1.5, X.509).
class RecoverOperation {
 public:
  virtual ~RecoverOperation() = default;
  // CKR_SIGNATURE_INVALID / CKR_SIGNATURE_LEN_RANGE on a bad signature.
  virtual Result<void> Recover(ByteView signature, OutBuffer& data) = 0;
};

// The message-based AEAD API of PKCS#11 3.0 (§5.11, C_EncryptMessage …): one object per
// C_MessageEncryptInit / C_MessageDecryptInit, many messages. Each message brings its own
// parameter block (CK_GCM_MESSAGE_PARAMS, CK_CCM_MESSAGE_PARAMS,
// CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS), given here as the caller's bytes, writable: the
// token writes a generated IV and, when encrypting, the tag through the pointers it holds.
class MessageCipherOperation {
 public:
  virtual ~MessageCipherOperation() = default;
  virtual Result<void> Message(std::span<uint8_t> param, ByteView aad, ByteView in,
                               OutBuffer& out) = 0;
  // Multi-part form: Begin, then Next for each part; `last` (CKF_END_OF_MESSAGE) finishes
  // the message (the tag is written / checked then).
  virtual Result<void> Begin(std::span<uint8_t> param, ByteView aad) = 0;
  virtual Result<void> Next(std::span<uint8_t> param, ByteView in, OutBuffer& out, bool last) = 0;
};

}  // namespace p11
