// Operations on device keys: each turns a PKCS#11 sign, verify, encrypt or decrypt into one
// device request at the end (the host hashes or collects multi-part input first; the device
// holds the key and does the key operation). Results of a call that must be repeated because
// the caller's buffer was short are kept, so the device is asked once per operation.
#pragma once

#include <memory>

#include "mechanisms/device_table.h"
#include "mechanisms/operation.h"
#include "protocol/limits.h"
#include "protocol/types.h"
#include "transport/client.h"

namespace p11::device {

struct SignSetup {
  transport::Client* client;
  wire::KeyId key;
  const MechanismRow* row;
  wire::HashAlg pss_hash = wire::HashAlg::kNone;
  uint16_t pss_salt = 0;
  size_t signature_size = 0;         // of this key: 64/96 for ECDSA, 256 for RSA-2048, 32 for HMAC
  size_t max_data = wire::kMaxData;  // the device's (DeviceLimits): the most one request carries
};

Result<std::unique_ptr<SignOperation>> NewSignOperation(const SignSetup& setup);
Result<std::unique_ptr<VerifyOperation>> NewVerifyOperation(const SignSetup& setup);

struct CipherSetup {
  transport::Client* client;
  wire::KeyId key;
  wire::CipherAlg alg;
  ZBytes iv;
  ZBytes aad;
  uint8_t tag_length = 16;
  bool encrypt = true;
  // The device's (DeviceLimits): plaintext per request (ciphertext: a tag or block more),
  // and GCM additional data.
  size_t max_data = wire::kMaxData;
  size_t max_aad = wire::kMaxAad;
};

Result<std::unique_ptr<CipherOperation>> NewCipherOperation(CipherSetup setup);

// Reads CK_RSA_PKCS_PSS_PARAMS for `row` (hash must match a hashing mechanism's own, MGF1
// must use the same hash) into setup.
Result<void> ParsePssParams(ByteView param, SignSetup& setup);
// Reads CK_GCM_PARAMS (AES-GCM) or the 16-byte IV (AES-CBC) into setup: additional data
// over setup.max_aad is CKR_MECHANISM_PARAM_INVALID.
Result<void> ParseCipherParams(ByteView param, const MechanismRow& row, CipherSetup& setup);

}  // namespace p11::device
