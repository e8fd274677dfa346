// AttributeList: a PKCS#11 template that owns its values. Values live in zeroizing buffers
// because an import template carries private key components.
#pragma once

#include <deque>
#include <string_view>
#include <vector>

#include "common/secure_buffer.h"
#include "pkcs11/pkcs11.h"

namespace p11::cli {

class AttributeList {
 public:
  AttributeList() = default;
  AttributeList(AttributeList&&) = default;
  AttributeList& operator=(AttributeList&&) = default;

  void AddBytes(CK_ATTRIBUTE_TYPE type, ByteView value);
  void AddString(CK_ATTRIBUTE_TYPE type, std::string_view value);
  void AddUlong(CK_ATTRIBUTE_TYPE type, CK_ULONG value);
  void AddBool(CK_ATTRIBUTE_TYPE type, bool value);

  // Valid until the next Add*. The deque keeps every value's address stable.
  const std::vector<CK_ATTRIBUTE>& attributes() const { return attributes_; }

 private:
  std::deque<ZBytes> values_;
  std::vector<CK_ATTRIBUTE> attributes_;
};

}  // namespace p11::cli
