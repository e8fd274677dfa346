// KeyedDerive: the extra interface of derive mechanisms whose parameter names a second key by
// object handle — CKM_CONCATENATE_BASE_AND_KEY (the parameter is a CK_OBJECT_HANDLE) and
// CKM_HKDF_DERIVE / CKM_HKDF_DATA with ulSaltType CKF_HKDF_SALT_KEY (hSaltKey). A Mechanism
// never sees handles, so the session layer resolves the handle and passes the key in:
//
//   const auto* keyed = dynamic_cast<const KeyedDerive*>(mechanism);
//   std::optional<CK_OBJECT_HANDLE> h;
//   if (keyed != nullptr) P11_ASSIGN_OR_RETURN(h, keyed->OtherKeyHandle(param));
//   if (!h) return mechanism->Derive(param, base, derived);
//   // resolve *h like a base key: unknown or not visible to the session →
//   // CKR_KEY_HANDLE_INVALID; then its KeyMaterial from the key cache.
//   return keyed->DeriveWithOtherKey(param, base, other, derived);
//
// Derive() on these mechanisms with a parameter that names a key is
// CKR_MECHANISM_PARAM_INVALID. The mechanism checks the other key's class and type (a secret
// key: CKR_KEY_TYPE_INCONSISTENT otherwise); attribute rules on it (CKA_SENSITIVE /
// CKA_EXTRACTABLE propagating to the derived key for CKM_CONCATENATE_BASE_AND_KEY, as for the
// base key) stay with the session layer.
#pragma once

#include <optional>

#include "common/result.h"
#include "mechanisms/mechanism.h"
#include "token/object.h"

namespace p11 {

class KeyedDerive {
 public:
  virtual ~KeyedDerive() = default;
  // The handle `param` names, or nullopt when it names none. A malformed parameter is
  // CKR_MECHANISM_PARAM_INVALID.
  virtual Result<std::optional<CK_OBJECT_HANDLE>> OtherKeyHandle(ByteView param) const = 0;
  // Derive with the key OtherKeyHandle named, resolved to `other`.
  virtual Result<void> DeriveWithOtherKey(ByteView param, const KeyMaterial& base,
                                          const KeyMaterial& other, Object& derived) const = 0;
};

}  // namespace p11
