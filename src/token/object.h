// Object: a PKCS#11 object as a set of attributes (type → value bytes), the same for both
// backends. Values are zeroizing byte vectors: a private key's CKA_VALUE may live here.
// CK_ULONG attributes are stored as native CK_ULONG bytes, CK_BBOOL as one byte, exactly as
// they cross the C ABI, so templates copy straight in and out.
#pragma once

#include <cstring>
#include <map>
#include <optional>
#include <string_view>

#include "common/secure_buffer.h"
#include "pkcs11/pkcs11.h"

namespace p11 {

using AttrValue = ZBytes;

class Object {
 public:
  bool Has(CK_ATTRIBUTE_TYPE type) const { return attrs_.count(type) != 0; }
  const AttrValue* Get(CK_ATTRIBUTE_TYPE type) const {
    auto it = attrs_.find(type);
    return it == attrs_.end() ? nullptr : &it->second;
  }
  ByteView GetBytes(CK_ATTRIBUTE_TYPE type) const {
    const AttrValue* v = Get(type);
    return v ? ByteView(*v) : ByteView();
  }
  std::optional<CK_ULONG> GetUlong(CK_ATTRIBUTE_TYPE type) const {
    const AttrValue* v = Get(type);
    if (v == nullptr || v->size() != sizeof(CK_ULONG)) return std::nullopt;
    CK_ULONG out;
    std::memcpy(&out, v->data(), sizeof out);
    return out;
  }
  // A boolean attribute's value, or `absent` when the object does not carry it.
  bool GetBool(CK_ATTRIBUTE_TYPE type, bool absent = false) const {
    const AttrValue* v = Get(type);
    if (v == nullptr || v->size() != sizeof(CK_BBOOL)) return absent;
    return (*v)[0] != CK_FALSE;
  }
  std::string_view GetString(CK_ATTRIBUTE_TYPE type) const {
    ByteView b = GetBytes(type);
    return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
  }

  void Set(CK_ATTRIBUTE_TYPE type, ByteView value) {
    attrs_[type] = AttrValue(value.begin(), value.end());
  }
  void Set(CK_ATTRIBUTE_TYPE type, AttrValue&& value) { attrs_[type] = std::move(value); }
  void SetUlong(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
    Set(type, ByteView(reinterpret_cast<const uint8_t*>(&value), sizeof value));
  }
  void SetBool(CK_ATTRIBUTE_TYPE type, bool value) {
    CK_BBOOL b = value ? CK_TRUE : CK_FALSE;
    Set(type, ByteView(&b, 1));
  }
  void Erase(CK_ATTRIBUTE_TYPE type) { attrs_.erase(type); }

  const std::map<CK_ATTRIBUTE_TYPE, AttrValue>& attributes() const { return attrs_; }

  CK_OBJECT_CLASS Class() const { return GetUlong(CKA_CLASS).value_or(CK_UNAVAILABLE_INFORMATION); }
  CK_KEY_TYPE KeyType() const {
    return GetUlong(CKA_KEY_TYPE).value_or(CK_UNAVAILABLE_INFORMATION);
  }
  bool IsTokenObject() const { return GetBool(CKA_TOKEN); }
  bool IsPrivate() const { return GetBool(CKA_PRIVATE); }

 private:
  std::map<CK_ATTRIBUTE_TYPE, AttrValue> attrs_;
};

// One attribute of a caller's template, viewed in place (valid for the duration of a call).
struct TemplateAttr {
  CK_ATTRIBUTE_TYPE type;
  ByteView value;
};

}  // namespace p11
