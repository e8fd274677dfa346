#include "token/device/attr_blob.h"

#include <algorithm>

#include "protocol/codec.h"
#include "protocol/limits.h"
#include "token/attribute_table.h"

namespace p11::device {

void StripKeyMaterial(Object& object) {
  CK_OBJECT_CLASS cls = object.Class();
  std::vector<CK_ATTRIBUTE_TYPE> secret;
  for (const auto& [type, value] : object.attributes()) {
    if (policy::internal::IsSensitiveType(cls, type)) secret.push_back(type);
  }
  for (CK_ATTRIBUTE_TYPE type : secret) object.Erase(type);
}

Result<ZBytes> EncodeAttrBlob(const Object& object, size_t max_size) {
  ZBytes out(std::min(max_size, wire::kMaxAttrBlob));
  wire::Writer w(out);
  CK_OBJECT_CLASS cls = object.Class();
  for (const auto& [type, value] : object.attributes()) {
    if (policy::internal::IsSensitiveType(cls, type)) continue;
    if (type > 0xFFFFFFFFu || value.size() > 0xFFFF) {
      return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "attribute does not fit the device");
    }
    w.U32(static_cast<uint32_t>(type));
    w.U16(static_cast<uint16_t>(value.size()));
    w.Raw(value);
  }
  if (!w.ok()) return Fail(CKR_DEVICE_MEMORY, "attributes exceed the device's object size");
  out.resize(w.written());
  return out;
}

Result<Object> DecodeAttrBlob(ByteView blob) {
  wire::Reader r(blob);
  Object object;
  while (r.ok() && r.remaining() > 0) {
    CK_ATTRIBUTE_TYPE type = r.U32();
    uint16_t len = r.U16();
    std::span<const uint8_t> value = r.Raw(len);
    if (!r.ok()) break;
    object.Set(type, ByteView(value));
  }
  if (!r.done()) return Fail(CKR_DEVICE_ERROR, "attribute blob from the device");
  return object;
}

}  // namespace p11::device
