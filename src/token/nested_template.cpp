#include "token/nested_template.h"

#include <algorithm>
#include <cstring>

#include "token/template.h"

namespace p11::policy::internal {
namespace {

constexpr size_t kFieldSize = 8;

void PutU64(AttrValue& out, uint64_t v) {
  for (size_t i = 0; i < kFieldSize; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t GetU64(ByteView in) {
  uint64_t v = 0;
  for (size_t i = 0; i < kFieldSize; ++i) v |= static_cast<uint64_t>(in[i]) << (8 * i);
  return v;
}

}  // namespace

bool IsNestedTemplate(CK_ATTRIBUTE_TYPE type) {
  return (type & CKF_ARRAY_ATTRIBUTE) != 0 && type != CKA_ALLOWED_MECHANISMS;
}

Result<AttrValue> EncodeNested(ByteView caller_array) {
  if (caller_array.size() % sizeof(CK_ATTRIBUTE) != 0) {
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "nested template size");
  }
  // Copied out element by element: the caller's bytes need not be aligned for CK_ATTRIBUTE.
  std::vector<CK_ATTRIBUTE> elements(caller_array.size() / sizeof(CK_ATTRIBUTE));
  if (!elements.empty()) std::memcpy(elements.data(), caller_array.data(), caller_array.size());
  for (const CK_ATTRIBUTE& a : elements) {
    if (IsNestedTemplate(a.type)) return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "nested array");
  }
  P11_ASSIGN_OR_RETURN(std::vector<TemplateAttr> attrs,
                       ParseTemplate(elements.data(), elements.size()));
  std::sort(attrs.begin(), attrs.end(),
            [](const TemplateAttr& a, const TemplateAttr& b) { return a.type < b.type; });
  AttrValue out;
  for (const TemplateAttr& a : attrs) {
    PutU64(out, a.type);
    PutU64(out, a.value.size());
    out.insert(out.end(), a.value.begin(), a.value.end());
  }
  return out;
}

Result<std::vector<TemplateAttr>> DecodeNested(ByteView stored) {
  std::vector<TemplateAttr> out;
  while (!stored.empty()) {
    if (stored.size() < 2 * kFieldSize) return Fail(CKR_GENERAL_ERROR, "nested header");
    const uint64_t type = GetU64(stored.first(kFieldSize));
    const uint64_t len = GetU64(stored.subspan(kFieldSize, kFieldSize));
    stored = stored.subspan(2 * kFieldSize);
    if (len > stored.size()) return Fail(CKR_GENERAL_ERROR, "nested length");
    out.push_back(TemplateAttr{static_cast<CK_ATTRIBUTE_TYPE>(type), stored.first(len)});
    stored = stored.subspan(len);
  }
  return out;
}

}  // namespace p11::policy::internal
