// Names of CK_RV values, for traces and for arca-tool's error lines.
#pragma once

#include "pkcs11/pkcs11.h"

namespace p11 {

// "CKR_PIN_INCORRECT"; "CKR_VENDOR_DEFINED" for vendor codes; "CKR_<unknown>" otherwise.
const char* RvName(CK_RV rv);

}  // namespace p11
