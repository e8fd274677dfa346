// C_GetAttributeValue's per-attribute algorithm (PKCS#11 3.1 §5.7.5), including the rules
// for array attributes one level down.
#include <cstring>

#include "token/attribute_policy.h"
#include "token/nested_template.h"

namespace p11::policy {
namespace {

// The spec's cases for one attribute, from best to worst outcome.
struct Outcome {
  bool sensitive = false;
  bool invalid = false;
  bool too_small = false;
};

// Copies `value` to the caller's (pValue, ulValueLen) pair, or reports its length.
// Returns false for a short buffer, which is then marked CK_UNAVAILABLE_INFORMATION.
bool CopyOut(ByteView value, void* dst, CK_ULONG& len) {
  if (dst == nullptr) {
    len = value.size();
    return true;
  }
  if (len < value.size()) {
    len = CK_UNAVAILABLE_INFORMATION;
    return false;
  }
  if (!value.empty()) std::memcpy(dst, value.data(), value.size());
  len = value.size();
  return true;
}

// An array attribute: the caller's pValue is an array of CK_ATTRIBUTE whose types are set on
// output; each element follows the buffer rules on its own, and any short element makes the
// call CKR_BUFFER_TOO_SMALL.
void ReadNested(ByteView stored, CK_ATTRIBUTE& attr, Outcome& outcome) {
  Result<std::vector<TemplateAttr>> entries = internal::DecodeNested(stored);
  if (!entries.ok()) {
    attr.ulValueLen = CK_UNAVAILABLE_INFORMATION;
    outcome.invalid = true;
    return;
  }
  const CK_ULONG needed = entries->size() * sizeof(CK_ATTRIBUTE);
  if (attr.pValue == nullptr) {
    attr.ulValueLen = needed;
    return;
  }
  if (attr.ulValueLen < needed) {
    attr.ulValueLen = CK_UNAVAILABLE_INFORMATION;
    outcome.too_small = true;
    return;
  }
  // Element by element through memcpy: the caller's buffer need not be aligned.
  auto* base = static_cast<uint8_t*>(attr.pValue);
  for (size_t i = 0; i < entries->size(); ++i) {
    CK_ATTRIBUTE element;
    std::memcpy(&element, base + i * sizeof(CK_ATTRIBUTE), sizeof element);
    element.type = (*entries)[i].type;
    if (!CopyOut((*entries)[i].value, element.pValue, element.ulValueLen)) {
      outcome.too_small = true;
    }
    std::memcpy(base + i * sizeof(CK_ATTRIBUTE), &element, sizeof element);
  }
  attr.ulValueLen = needed;
}

void ReadOne(const Object& object, bool hidden, CK_ATTRIBUTE& attr, Outcome& outcome) {
  // Sensitivity first: a token that keeps key material elsewhere (the firmware token) has no
  // value to look up, and the answer is still "sensitive", not "no such attribute".
  if (hidden && IsSecretAttribute(object.Class(), attr.type)) {
    attr.ulValueLen = CK_UNAVAILABLE_INFORMATION;
    outcome.sensitive = true;
    return;
  }
  const std::optional<ByteView> value = object.Get(attr.type);
  if (!value) {
    attr.ulValueLen = CK_UNAVAILABLE_INFORMATION;
    outcome.invalid = true;
    return;
  }
  if (internal::IsNestedTemplate(attr.type)) return ReadNested(*value, attr, outcome);
  if (!CopyOut(*value, attr.pValue, attr.ulValueLen)) outcome.too_small = true;
}

}  // namespace

CK_RV ReadAttributes(const Object& object, CK_ATTRIBUTE* tmpl, CK_ULONG count) {
  if (tmpl == nullptr && count != 0) return CKR_ARGUMENTS_BAD;
  // Footnote 7: revealed only while CKA_SENSITIVE is false and CKA_EXTRACTABLE true; a key
  // missing either attribute is treated as the safer value.
  const bool hidden =
      object.GetBool(CKA_SENSITIVE, true) || !object.GetBool(CKA_EXTRACTABLE, false);
  Outcome outcome;
  for (CK_ULONG i = 0; i < count; ++i) ReadOne(object, hidden, tmpl[i], outcome);
  // The spec lets any of the three be returned when several apply. The precedence is
  // SoftHSMv2's (sensitive, then invalid, then too small): the most final reason first, so a
  // caller does not retry with bigger buffers for a value it can never read.
  if (outcome.sensitive) return CKR_ATTRIBUTE_SENSITIVE;
  if (outcome.invalid) return CKR_ATTRIBUTE_TYPE_INVALID;
  if (outcome.too_small) return CKR_BUFFER_TOO_SMALL;
  return CKR_OK;
}

}  // namespace p11::policy
