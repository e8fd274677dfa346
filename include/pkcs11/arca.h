/*
 * Arca -- vendor-defined PKCS#11 constants.
 *
 * Each Arca value is a specification vendor base (CKA_/CKM_/CKR_VENDOR_DEFINED,
 * bit 31) ORed with ARCA_VENDOR_BASE ("ARC" in ASCII, low byte free) and a small
 * index. That keeps Arca's values out of the standard range and away from other
 * vendors' values. Add new ones as <family>_ARCA_BASE | index.
 *
 * These values are for Arca's own tools and logs. The C_* functions never return
 * a vendor-defined code: callers only see standard CKR_* values (for example, the
 * condition CKR_ARCA_STORE_CORRUPT names is reported as CKR_DEVICE_ERROR or
 * CKR_DATA_INVALID).
 */
#ifndef ARCA_PKCS11_ARCA_H
#define ARCA_PKCS11_ARCA_H

#include "pkcs11/pkcs11.h"

#define ARCA_VENDOR_BASE 0x41524300UL

#define CKA_ARCA_BASE (CKA_VENDOR_DEFINED | ARCA_VENDOR_BASE)
#define CKM_ARCA_BASE (CKM_VENDOR_DEFINED | ARCA_VENDOR_BASE)
#define CKR_ARCA_BASE (CKR_VENDOR_DEFINED | ARCA_VENDOR_BASE)

/* A stored ciphertext failed authentication: the software token's object store
 * is corrupt or has been tampered with. Tool-facing only (see above). */
#define CKR_ARCA_STORE_CORRUPT (CKR_ARCA_BASE | 0x01UL)

#endif /* ARCA_PKCS11_ARCA_H */
