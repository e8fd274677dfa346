// Helpers shared by the secret-key families (hmac, aes, generic_secret): the key checks every
// Begin* repeats and the random value a secret-key generator writes into CKA_VALUE.
#pragma once

#include <openssl/rand.h>

#include "common/result.h"
#include "mechanisms/mechanism.h"
#include "mechanisms/ossl/error.h"
#include "token/object.h"

namespace p11::sym {

// The session layer already filters key types through AcceptsKeyType; Begin* checks again
// because a mechanism must never run on a key it was not written for.
inline Result<void> CheckSecretKey(const Mechanism& mechanism, const KeyMaterial& key) {
  if (key.object_class != CKO_SECRET_KEY || !mechanism.AcceptsKeyType(key.key_type)) {
    return Fail(CKR_KEY_TYPE_INCONSISTENT, "secret key type");
  }
  const CK_MECHANISM_INFO& info = mechanism.info();
  if (key.secret.size() < info.ulMinKeySize || key.secret.size() > info.ulMaxKeySize) {
    return Fail(CKR_KEY_SIZE_RANGE, "secret key size");
  }
  return Ok();
}

// Reads CKA_VALUE_LEN from a generation template: absent → CKR_TEMPLATE_INCOMPLETE, not a
// CK_ULONG → CKR_ATTRIBUTE_VALUE_INVALID. A class or key type that says otherwise than the
// mechanism generates → CKR_TEMPLATE_INCONSISTENT.
inline Result<CK_ULONG> ValueLenForGenerate(const Object& key, CK_KEY_TYPE generated_type) {
  if (key.Has(CKA_CLASS) && key.Class() != CKO_SECRET_KEY) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "generated class");
  }
  if (key.Has(CKA_KEY_TYPE) && key.KeyType() != generated_type) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "generated key type");
  }
  if (!key.Has(CKA_VALUE_LEN)) return Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN");
  std::optional<CK_ULONG> len = key.GetUlong(CKA_VALUE_LEN);
  if (!len) return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE_LEN");
  return *len;
}

// Fills CKA_VALUE with `len` bytes from the private DRBG (key material must not share a stream
// with public randomness such as IVs).
inline Result<void> FillRandomValue(Object& key, CK_ULONG len) {
  std::span<uint8_t> value = key.MutableValue(CKA_VALUE, len);
  if (RAND_priv_bytes(value.data(), static_cast<int>(len)) != 1) {
    key.Erase(CKA_VALUE);
    return ossl::ToError(CKR_FUNCTION_FAILED, "RAND_priv_bytes");
  }
  return Ok();
}

}  // namespace p11::sym
