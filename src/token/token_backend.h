// TokenBackend: the one interface both token kinds implement — SoftToken (SQLite + OpenSSL,
// src/token/soft/) and, later, DeviceToken (firmware over the transport, src/token/device/).
//
// Everything PKCS#11-semantic sits above it and is enforced once in src/slot/: session
// states, login rules, attribute policy (src/token/attribute_policy.h), private-object
// visibility, usage flags, handle mapping. A backend stores and retrieves objects, verifies
// PINs and keeps their retry counters, and performs crypto with keys it holds.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/function_ref.h"
#include "common/result.h"
#include "common/secure_buffer.h"
#include "mechanisms/operation.h"
#include "mechanisms/registry.h"
#include "token/object.h"

namespace p11 {

// A backend's durable (token objects) or process-local (session objects) object identifier.
using ObjectId = uint64_t;

struct TokenStatus {
  std::string label;   // up to 32 bytes, unpadded
  std::string serial;  // up to 16 bytes, unpadded
  std::string model;   // up to 16 bytes, unpadded
  bool initialized = false;
  bool user_pin_initialized = false;
  // Failed attempts since the last success, and the lockout threshold.
  uint32_t user_pin_failures = 0;
  uint32_t so_pin_failures = 0;
  uint32_t max_pin_failures = 10;
  bool user_pin_locked = false;
  bool so_pin_locked = false;
  CK_ULONG min_pin_len = 4;
  CK_ULONG max_pin_len = 255;
  bool present = true;     // CKF_TOKEN_PRESENT: false while a device does not answer
  bool hardware = false;   // CKF_HW_SLOT
  bool removable = false;  // CKF_REMOVABLE_DEVICE
  CK_VERSION hardware_version{0, 0};
  CK_VERSION firmware_version{0, 0};
};

class TokenBackend {
 public:
  virtual ~TokenBackend() = default;

  virtual const Registry& Mechanisms() const = 0;
  virtual Result<TokenStatus> Status() = 0;

  // C_InitToken. On an initialised token: `so_pin` must be right (CKR_PIN_INCORRECT, counted),
  // then every object is destroyed and the user PIN is uninitialised.
  virtual Result<void> InitToken(SecretView so_pin, std::string_view label) = 0;
  // Verifies the PIN of `who` (CKU_SO or CKU_USER; CKU_CONTEXT_SPECIFIC re-checks the user
  // PIN), updating the persistent retry counter: CKR_PIN_INCORRECT, CKR_PIN_LOCKED,
  // CKR_USER_PIN_NOT_INITIALIZED. On success the backend can reach private and sensitive
  // values until Logout().
  virtual Result<void> Login(CK_USER_TYPE who, SecretView pin) = 0;
  // Forgets everything Login made reachable and zeroizes it (key cache included).
  virtual void Logout() = 0;
  // C_InitPIN (the SO is logged in) and C_SetPIN (`who` is the user or the SO).
  virtual Result<void> InitPin(SecretView new_pin) = 0;
  virtual Result<void> SetPin(CK_USER_TYPE who, SecretView old_pin, SecretView new_pin) = 0;

  // Stores a complete object (policy already applied): a token object durably when
  // CKA_TOKEN is true, else a session object in memory.
  virtual Result<ObjectId> CreateObject(Object object) = 0;
  // The object as stored (sensitive values included: the caller enforces readability).
  // Unknown or deleted (also by another process) → CKR_OBJECT_HANDLE_INVALID.
  virtual Result<std::shared_ptr<const Object>> GetObject(ObjectId id) = 0;
  // As GetObject, for a caller that reads only the object's class, key type and flags (key use
  // checks, destruction, visibility): a backend may then hand back a new key whose derived
  // values (EC point, private value, CKA_PUBLIC_KEY_INFO) it has not yet computed.
  virtual Result<std::shared_ptr<const Object>> GetObjectForChecks(ObjectId id) {
    return GetObject(id);
  }
  // Runs `check` on the object GetObjectForChecks would hand back and returns its result (or
  // the lookup's error). A backend may run it under its own lock on the object in place, so
  // that threads using one key do not each write its reference count on every C_*Init;
  // `check` must therefore only read the object and must not call the backend.
  using ObjectCheck = FunctionRef<Result<void>(const Object&)>;
  virtual Result<void> CheckObject(ObjectId id, ObjectCheck check) {
    P11_ASSIGN_OR_RETURN(std::shared_ptr<const Object> object, GetObjectForChecks(id));
    return check(*object);
  }
  // Replaces the object's attributes (C_SetAttributeValue after policy checks).
  virtual Result<void> UpdateObject(ObjectId id, Object object) = 0;
  virtual Result<void> DestroyObject(ObjectId id) = 0;
  // Objects whose attributes equal every attribute of `match` (an unknown attribute type
  // matches nothing). Private objects are included only while the user is logged in.
  virtual Result<std::vector<ObjectId>> FindObjects(std::span<const TemplateAttr> match) = 0;

  virtual Result<std::unique_ptr<SignOperation>> BeginSign(const Mechanism& mechanism,
                                                           ByteView param, ObjectId key) = 0;
  virtual Result<std::unique_ptr<VerifyOperation>> BeginVerify(const Mechanism& mechanism,
                                                               ByteView param, ObjectId key) = 0;
  virtual Result<std::unique_ptr<CipherOperation>> BeginEncrypt(const Mechanism& mechanism,
                                                                ByteView param, ObjectId key) = 0;
  virtual Result<std::unique_ptr<CipherOperation>> BeginDecrypt(const Mechanism& mechanism,
                                                                ByteView param, ObjectId key) = 0;
  // Key generation: the objects carry the templates after policy defaults; the backend fills
  // the key values, stores the result and returns the id(s).
  virtual Result<ObjectId> GenerateKey(const Mechanism& mechanism, ByteView param, Object key) = 0;
  virtual Result<std::pair<ObjectId, ObjectId>> GenerateKeyPair(const Mechanism& mechanism,
                                                                ByteView param, Object pub,
                                                                Object priv) = 0;
  // C_SignRecoverInit / C_VerifyRecoverInit and the message-based API (C_MessageEncryptInit
  // …): like BeginSign with the mechanism's matching capability.
  virtual Result<std::unique_ptr<SignOperation>> BeginSignRecover(const Mechanism& mechanism,
                                                                  ByteView param, ObjectId key) = 0;
  virtual Result<std::unique_ptr<RecoverOperation>> BeginVerifyRecover(const Mechanism& mechanism,
                                                                       ByteView param,
                                                                       ObjectId key) = 0;
  virtual Result<std::unique_ptr<MessageCipherOperation>> BeginMessageEncrypt(
      const Mechanism& mechanism, ByteView param, ObjectId key) = 0;
  virtual Result<std::unique_ptr<MessageCipherOperation>> BeginMessageDecrypt(
      const Mechanism& mechanism, ByteView param, ObjectId key) = 0;
  // C_DeriveKey: `derived` carries the template after policy defaults; the backend fills the
  // value, sets the token-derived attributes from `base` (policy::FinishDerivedKey), stores
  // the key and returns its id. `other` is the second key a mechanism's parameter names by
  // handle (KeyedDerive, mechanisms/kdf_keyed.h), resolved by the caller.
  virtual Result<ObjectId> DeriveKey(const Mechanism& mechanism, ByteView param, ObjectId base,
                                     std::optional<ObjectId> other, Object derived) = 0;
  // C_DeriveKey with a MultiKeyDerive mechanism (mechanisms/kdf_multi.h) whose parameter asks
  // for additional keys: `keys[0]` is the primary key, the rest the additional keys, each as
  // DeriveKey's `derived`. All are stored or none; the ids come back in the same order. A
  // backend that cannot derive several keys at once keeps this refusal.
  virtual Result<std::vector<ObjectId>> DeriveKeys(const Mechanism& mechanism, ByteView param,
                                                   ObjectId base, std::vector<Object> keys) {
    (void)mechanism, (void)param, (void)base, (void)keys;
    return Fail(CKR_MECHANISM_PARAM_INVALID, "additional derived keys on this token");
  }
  // C_WrapKey: `key` wrapped under `wrapping` (the caller checked extractability and the
  // wrapping rules).
  virtual Result<void> WrapKey(const Mechanism& mechanism, ByteView param, ObjectId wrapping,
                               ObjectId key, OutBuffer& out) = 0;
  // C_UnwrapKey: `key` carries the template after policy defaults; the backend adds the
  // unwrapped values, completes and stores the key.
  virtual Result<ObjectId> UnwrapKey(const Mechanism& mechanism, ByteView param,
                                     ObjectId unwrapping, ByteView wrapped, Object key) = 0;

  virtual Result<void> GenerateRandom(std::span<uint8_t> out) = 0;
  virtual Result<void> SeedRandom(ByteView seed) = 0;
};

}  // namespace p11
