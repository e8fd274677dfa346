// The attribute blob: how the firmware token keeps an object's PKCS#11 attributes on the
// device. The device stores it beside the object without reading it (wire::AttrBlob); only
// the non-secret attributes go in — key material stays inside the device as key blobs and
// never appears here. Encoding: for each attribute, u32 type | u16 length | value, in
// ascending type order, little-endian; decoding is bounds-checked (bytes from a device are
// untrusted).
#pragma once

#include <cstddef>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "protocol/limits.h"
#include "token/object.h"

namespace p11::device {

// Removes the key material (IsSensitiveType for the object's class) from `object`.
void StripKeyMaterial(Object& object);

// The object's attributes minus its key material (IsSensitiveType for its class).
// CKR_DEVICE_MEMORY when the encoding exceeds `max_size`, the device's attribute blob
// (DeviceLimits::max_attr_blob): the token has no room for the object, however its
// attributes are split (PKCS#11 3.1 §5.1: "insufficient memory to perform the function").
Result<ZBytes> EncodeAttrBlob(const Object& object, size_t max_size = wire::kMaxAttrBlob);
// CKR_DEVICE_ERROR for a blob that does not parse.
Result<Object> DecodeAttrBlob(ByteView blob);

}  // namespace p11::device
