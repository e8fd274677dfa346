// StatusToRv: the one place a firmware hsm::Status becomes a PKCS#11 CK_RV (STYLE.md §2).
// The device knows nothing of PKCS#11; each row of the table in status_map.cpp says which
// return code a PKCS#11 caller expects for that refusal. DeviceToken may refine a code where
// only it knows the context (a missing key id that is a wrapping key, say).
#pragma once

#include "pkcs11/pkcs11.h"
#include "protocol/status.h"

namespace p11::transport {

// Any value outside the enum (a newer or broken device) is CKR_DEVICE_ERROR.
CK_RV StatusToRv(hsm::Status status);

// "kPinIncorrect", … ; "?" outside the enum. For traces.
const char* StatusName(hsm::Status status);

}  // namespace p11::transport
