// Helpers shared by the key-derivation families (kdf.cpp, kdf_hkdf.cpp, kdf_sp800_108.cpp,
// kdf_pbkdf2.cpp): reading caller byte ranges out of parameter structs, the length rules for
// a derived key's CKA_VALUE (PKCS#11 3.1 §6.61 "If no length or key type is provided…"),
// and the hash / HMAC names the PRFs use.
#pragma once

#include <cstddef>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "mechanisms/mechanism.h"
#include "token/object.h"

namespace p11 {
class Registry;
}

namespace p11::kdf {

// The sub-families, registered by RegisterKdf (kdf.cpp).
void AddHkdf(Registry& registry);      // kdf_hkdf.cpp
void AddSp800108(Registry& registry);  // kdf_sp800_108.cpp
void AddPbkdf2(Registry& registry);    // kdf_pbkdf2.cpp

// Size bounds (bytes) of secret keys the derive mechanisms accept as base keys: the same
// 512-byte ceiling CKM_GENERIC_SECRET_KEY_GEN generates.
constexpr CK_ULONG kMaxSecretBytes = 512;
constexpr CK_MECHANISM_INFO kDeriveInfo{1, kMaxSecretBytes, CKF_DERIVE};

// The bytes a parameter struct points at. A NULL pointer with a non-zero length, or an empty
// range where `allow_empty` is false, is CKR_MECHANISM_PARAM_INVALID.
Result<ByteView> CallerBytes(const void* data, CK_ULONG len, bool allow_empty);

// Secret key types a derive mechanism can take as input or produce (generic secret, HKDF,
// AES, ChaCha20, the HMAC key types).
bool IsSecretKeyType(CK_KEY_TYPE type);

// Base-key check for derive mechanisms: a secret key whose type `mechanism` accepts and whose
// size lies within its CK_MECHANISM_INFO (else CKR_KEY_TYPE_INCONSISTENT / _SIZE_RANGE).
Result<void> CheckBaseKey(const Mechanism& mechanism, const KeyMaterial& base);

// How long the derived secret key's CKA_VALUE must be. The template's CKA_VALUE_LEN wins;
// without it, a key type of fixed length gives that length, and a variable-length type takes
// `natural_len` (0 when the mechanism has no natural length → CKR_TEMPLATE_INCOMPLETE). An
// absent CKA_KEY_TYPE means CKK_GENERIC_SECRET. A length over `max_len` (0: unbounded), or one
// the key type does not allow, is CKR_TEMPLATE_INCONSISTENT; a class other than
// CKO_SECRET_KEY, or a key type this module cannot derive, is CKR_TEMPLATE_INCONSISTENT too.
Result<size_t> DerivedKeyLength(const Object& derived, size_t natural_len, size_t max_len = 0);

// Stores `value` as the derived key's CKA_VALUE, with CKA_VALUE_LEN, and the defaults
// CKA_CLASS = CKO_SECRET_KEY / CKA_KEY_TYPE = CKK_GENERIC_SECRET when the template left them
// out.
void StoreDerivedKey(Object& derived, ByteView value);

// OpenSSL digest name for a CKM_SHA* / CKM_SHA3_* hash mechanism, or nullptr.
const char* DigestName(CK_MECHANISM_TYPE hash);
// OpenSSL digest name for a CKM_SHA*_HMAC / CKM_SHA3_*_HMAC mechanism, or nullptr.
const char* HmacDigestName(CK_MECHANISM_TYPE hmac);

}  // namespace p11::kdf
