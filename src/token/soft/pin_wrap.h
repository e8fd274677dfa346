// PIN-derived wrapping of a token's master key. The master key exists on disk only as
// AES-256-GCM blobs under a key derived from the SO PIN and from the user PIN with
// PBKDF2-HMAC-SHA256; each blob keeps its own salt and iteration count, so the cost can be
// raised at the next PIN change without touching the other PIN. A wrong PIN shows as a GCM
// tag that does not authenticate.
#pragma once

#include <cstdint>
#include <vector>

#include "common/result.h"
#include "common/secure_buffer.h"

namespace p11::soft {

enum class PinRole { kSo, kUser };

struct PinRecord {
  std::vector<uint8_t> wrapped_key;  // iv ‖ ciphertext ‖ tag
  std::vector<uint8_t> salt;
  unsigned iterations = 0;

  // Salt and IV are fresh at every wrap, so equal records are the same wrap.
  bool operator==(const PinRecord&) const = default;
};

// Wraps `master_key` under `pin` with a new random salt. `token_uuid` and `role` are bound
// as AAD, so a blob copied to another token or to the other PIN does not open.
Result<PinRecord> WrapMasterKey(const SecureBuffer& master_key, SecretView pin, unsigned iterations,
                                ByteView token_uuid, PinRole role);

// The master key, or CKR_PIN_INCORRECT when `pin` does not open the record.
Result<SecureBuffer> UnwrapMasterKey(const PinRecord& record, SecretView pin, ByteView token_uuid,
                                     PinRole role);

}  // namespace p11::soft
