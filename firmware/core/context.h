// Context: what a request handler works with — the crypto port, the token and object state,
// the device's facts — and the scratch buffers that response messages point into. The Core
// owns all of it; handlers own nothing, so their Bytes fields stay valid until the Core has
// encoded the response, and the Core wipes the secret scratch after every request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "core/device_keys.h"
#include "core/object_store.h"
#include "core/token_state.h"
#include "core/try.h"
#include "protocol/limits.h"
#include "protocol/messages.h"
#include "support/secret_array.h"
#include "workers/crypto_port.h"

namespace hsm {

// Selects the Handle overload of one op: ops share request types (Encrypt and Decrypt both
// take a CipherReq), so the request type alone cannot.
template <wire::Op op>
using OpTag = std::integral_constant<wire::Op, op>;

// The device facts GetInfo reports (the unique key is not among them: DeviceKeys holds it).
struct DeviceFacts {
  ByteArray<wire::kSerialSize> serial;
  uint8_t hw_major = 0, hw_minor = 0, fw_major = 0, fw_minor = 0;
};

// The largest response Bytes field a handler fills from scratch: cipher output.
inline constexpr size_t kMaxScratchOut = wire::kMaxData + wire::kMaxTag + 16;
static_assert(kMaxScratchOut >= wire::kMaxImport + 16 && kMaxScratchOut >= wire::kMaxRandom &&
              kMaxScratchOut >= wire::kMaxSignature && kMaxScratchOut >= wire::kMaxListIds * 4);

struct Scratch {
  KeyBlob key;                             // the operation's key, unsealed
  KeyBlob other_key;                       // a second key (wrapping) or a key being made
  SecretArray<wire::kMaxImport> material;  // plaintext key material (unwrapped, to wrap)
  SecretArray<kMaxScratchOut> out;         // the response's data, signature, digest, ...
  PublicBuf public_value;
  ObjectSlot object;        // the operation's key or object
  ObjectSlot other_object;  // the second object of WrapKey / ImportKey
  // Secrets are wiped; the object slots hold sealed records only, and the public value is
  // just emptied so no request sees the previous one's.
  void Wipe() {
    key.wipe();
    other_key.wipe();
    material.wipe();
    out.wipe();
    public_value.clear();
  }
};

struct Context {
  CryptoPort& crypto;
  DeviceKeys& keys;
  TokenState& token;
  ObjectStore& objects;
  const DeviceFacts& facts;
  Scratch& scratch;

  bool user_in() const { return token.login() == Login::kUser; }
};

}  // namespace hsm
