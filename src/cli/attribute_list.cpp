#include "cli/attribute_list.h"

namespace p11::cli {

void AttributeList::AddBytes(CK_ATTRIBUTE_TYPE type, ByteView value) {
  ZBytes& stored = values_.emplace_back(value.begin(), value.end());
  attributes_.push_back(CK_ATTRIBUTE{type, stored.data(), stored.size()});
}

void AttributeList::AddString(CK_ATTRIBUTE_TYPE type, std::string_view value) {
  AddBytes(type, AsBytes(value));
}

void AttributeList::AddUlong(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
  AddBytes(type, ByteView(reinterpret_cast<const uint8_t*>(&value), sizeof(value)));
}

void AttributeList::AddBool(CK_ATTRIBUTE_TYPE type, bool value) {
  CK_BBOOL b = value ? CK_TRUE : CK_FALSE;
  AddBytes(type, ByteView(&b, 1));
}

}  // namespace p11::cli
