// Reading callers' CK_ATTRIBUTE arrays: bounds and NULL checks once, into TemplateAttr views.
#pragma once

#include <span>
#include <vector>

#include "common/result.h"
#include "token/object.h"

namespace p11 {

// NULL array with a non-zero count → CKR_ARGUMENTS_BAD; an attribute with a NULL pValue and a
// non-zero length → CKR_ATTRIBUTE_VALUE_INVALID; the same type twice →
// CKR_TEMPLATE_INCONSISTENT. Array attributes (CKF_ARRAY_ATTRIBUTE) are kept as raw bytes of
// their CK_ATTRIBUTE array; attribute_policy decodes them.
Result<std::vector<TemplateAttr>> ParseTemplate(const CK_ATTRIBUTE* attrs, CK_ULONG count);

}  // namespace p11
