#include "token/template.h"

#include <algorithm>
#include <array>
#include <span>

namespace p11 {

Result<std::vector<TemplateAttr>> ParseTemplate(const CK_ATTRIBUTE* attrs, CK_ULONG count) {
  if (count == 0) return std::vector<TemplateAttr>();
  if (attrs == nullptr) return Fail(CKR_ARGUMENTS_BAD, "template");
  std::vector<TemplateAttr> out;
  out.reserve(count);
  for (CK_ULONG i = 0; i < count; ++i) {
    const CK_ATTRIBUTE& a = attrs[i];
    if (a.pValue == nullptr && a.ulValueLen != 0) {
      return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "template value");
    }
    // A length that is not a size at all (CK_UNAVAILABLE_INFORMATION copied back from a
    // C_GetAttributeValue) cannot describe caller memory either.
    if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION) {
      return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "template length");
    }
    const auto* bytes = static_cast<const uint8_t*>(a.pValue);
    out.push_back(TemplateAttr{a.type, a.ulValueLen ? ByteView(bytes, a.ulValueLen) : ByteView()});
  }
  // Duplicates are found on a sorted copy of the types: O(n log n) for long templates, and
  // without a second allocation for the usual few attributes.
  constexpr size_t kOnStack = 32;
  std::array<CK_ATTRIBUTE_TYPE, kOnStack> few;
  std::vector<CK_ATTRIBUTE_TYPE> many;
  std::span<CK_ATTRIBUTE_TYPE> types(few.data(), std::min<size_t>(count, kOnStack));
  if (count > kOnStack) {
    many.resize(count);
    types = many;
  }
  for (CK_ULONG i = 0; i < count; ++i) types[i] = out[i].type;
  std::sort(types.begin(), types.end());
  if (std::adjacent_find(types.begin(), types.end()) != types.end()) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "duplicate attribute");
  }
  return out;
}

}  // namespace p11
