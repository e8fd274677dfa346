// MultiKeyDerive: the extra interface of derive mechanisms that make more than one key in a
// call — CKM_SP800_108_COUNTER_KDF / CKM_SP800_108_FEEDBACK_KDF with ulAdditionalDerivedKeys
// (PKCS#11 3.1 §6.62: CK_DERIVED_KEY, one template and one handle slot per extra key).
// Templates and handles belong to the session layer, so the mechanism only reports what its
// parameter asks for and then fills in every key's value in one run of the KDF:
//
//   const auto* multi = dynamic_cast<const MultiKeyDerive*>(mechanism);
//   std::span<const CK_DERIVED_KEY> extra;
//   if (multi != nullptr) P11_ASSIGN_OR_RETURN(extra, multi->AdditionalKeys(param));
//   // keys[0] from C_DeriveKey's template, keys[1..] from extra[i].pTemplate, each after the
//   // derive template rules and policy defaults; then
//   multi->DeriveAll(param, base, keys);   // every key gets its CKA_VALUE
//   // store all or none; write each new handle to *extra[i].phKey.
//
// Derive() on such a mechanism with additional keys in its parameter is
// CKR_MECHANISM_PARAM_INVALID: a caller's extra keys are never silently dropped.
#pragma once

#include <span>

#include "common/result.h"
#include "mechanisms/mechanism.h"
#include "token/object.h"

namespace p11 {

class MultiKeyDerive {
 public:
  virtual ~MultiKeyDerive() = default;
  // The additional keys `param` asks for (empty when none). A malformed parameter, a null
  // template with a non-zero count or a null handle pointer is CKR_MECHANISM_PARAM_INVALID.
  virtual Result<std::span<const CK_DERIVED_KEY>> AdditionalKeys(ByteView param) const = 0;
  // Derives keys[0] (the primary key) and keys[1..] (the additional keys, in the parameter's
  // order) from one KDF output, each taking the next bytes of it.
  virtual Result<void> DeriveAll(ByteView param, const KeyMaterial& base,
                                 std::span<Object> keys) const = 0;
};

}  // namespace p11
