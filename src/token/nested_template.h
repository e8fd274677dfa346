// Array attributes (CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE, CKA_DERIVE_TEMPLATE) inside an
// Object (internal to the policy layer). A caller passes them as a CK_ATTRIBUTE array whose
// pValues point into its own memory; the object keeps a self-contained encoding instead:
//   repeated { type: u64 little-endian, length: u64 little-endian, value: length bytes }
// with entries sorted by type, so equal templates encode to equal bytes (C_FindObjects
// compares encodings).
#pragma once

#include <vector>

#include "common/result.h"
#include "token/object.h"

namespace p11::policy::internal {

// Whether `type` holds a nested template (CKF_ARRAY_ATTRIBUTE set). CKA_ALLOWED_MECHANISMS
// carries the bit too but is a plain CK_MECHANISM_TYPE array, so it is not one.
bool IsNestedTemplate(CK_ATTRIBUTE_TYPE type);

// `caller_array` is the bytes of the caller's CK_ATTRIBUTE array (a TemplateAttr value).
// CKR_ATTRIBUTE_VALUE_INVALID when its size is not a whole number of CK_ATTRIBUTEs, an
// element nests another template, or an element has a NULL pValue with a length; a type
// given twice is CKR_TEMPLATE_INCONSISTENT (ParseTemplate's rule).
Result<AttrValue> EncodeNested(ByteView caller_array);

// The entries of a stored encoding, viewing into `stored`. CKR_GENERAL_ERROR when the bytes
// are not a well-formed encoding (a damaged store), never a read past their end.
Result<std::vector<TemplateAttr>> DecodeNested(ByteView stored);

}  // namespace p11::policy::internal
