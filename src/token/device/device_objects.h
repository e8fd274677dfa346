// How a PKCS#11 object maps onto a device object: the usage and protection flags the device
// enforces (wire::ObjectFlag), the device key type of a key object, and the attributes the
// host derives from what the device reports (the public value, a secret key's length, the
// object id) rather than storing them twice.
#pragma once

#include <cstdint>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "protocol/types.h"
#include "token/object.h"
#include "token/token_backend.h"

namespace p11::device {

// What the device reports about an object besides its attribute blob.
struct DeviceFacts {
  ObjectId id = 0;
  wire::ObjectKind kind = wire::ObjectKind::kData;
  wire::KeyType type = wire::KeyType::kNone;
  ByteView public_value;
  uint16_t secret_length = 0;
};

// wire::ObjectFlag bits of `object` (CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, usage…). Key
// material on a device is always held as sensitive: the device never releases it in plaintext.
uint32_t DeviceFlags(const Object& object);
wire::ObjectKind DeviceKind(const Object& object);

// The device releases no key material in clear, whatever a template asked: a private or secret
// key on it is sensitive, and says so (CKA_ALWAYS_SENSITIVE follows at FinishKey).
void HoldAsSensitive(Object& key);

// The device key type of a key object: EC keys by their curve (P-256, P-384), RSA by size
// (2048 only), AES by CKA_VALUE_LEN (16 or 32), generic secrets. CKR_CURVE_NOT_SUPPORTED,
// CKR_KEY_SIZE_RANGE or CKR_ATTRIBUTE_VALUE_INVALID for what the device cannot hold.
Result<wire::KeyType> DeviceKeyType(const Object& key);

// Adds the attributes that follow from the device's facts: CKA_UNIQUE_ID; for EC keys
// CKA_EC_POINT and CKA_PUBLIC_KEY_INFO; for RSA keys CKA_MODULUS, CKA_PUBLIC_EXPONENT,
// CKA_MODULUS_BITS (public) and CKA_PUBLIC_KEY_INFO; for secret keys CKA_VALUE_LEN.
// CKR_DEVICE_ERROR when the device's public value does not parse.
Result<void> AddDerivedAttributes(Object& object, const DeviceFacts& facts);

// The public value to import for a public key object (EC: the uncompressed point; RSA:
// PKCS#1 RSAPublicKey DER). CKR_TEMPLATE_INCOMPLETE / CKR_ATTRIBUTE_VALUE_INVALID.
Result<ZBytes> PublicValueOf(const Object& public_key);

// The attributes that AddDerivedAttributes recomputes: left out of the stored blob.
bool IsDerivedAttribute(CK_ATTRIBUTE_TYPE type);

}  // namespace p11::device
