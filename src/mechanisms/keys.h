// Key objects ↔ OpenSSL: building a ready KeyMaterial from a key object's attributes, and
// checking and completing the attributes of an imported (C_CreateObject / unwrapped) key.
#pragma once

#include <memory>

#include "common/result.h"
#include "mechanisms/mechanism.h"
#include "token/object.h"

namespace p11 {

// CKO_PUBLIC_KEY / CKO_PRIVATE_KEY of CKK_RSA, CKK_EC (and later CKK_EC_EDWARDS …) →
// EVP_PKEY; CKO_SECRET_KEY → its CKA_VALUE. CKR_KEY_HANDLE_INVALID is never returned here:
// a malformed stored key is CKR_KEY_TYPE_INCONSISTENT or CKR_TEMPLATE_INCOMPLETE.
Result<std::shared_ptr<const KeyMaterial>> MakeKeyMaterial(const Object& key);

// For a key object about to be created from caller-supplied values: checks that the values
// form a valid key (CKR_ATTRIBUTE_VALUE_INVALID, CKR_TEMPLATE_INCOMPLETE) and adds what
// consumers read and the caller need not supply: CKA_PUBLIC_KEY_INFO, CKA_MODULUS_BITS on
// RSA public keys, CKA_EC_POINT on EC private keys, CKA_VALUE_LEN on secret keys.
Result<void> CompleteKeyObject(Object& key);

// C_WrapKey: what a wrapping mechanism encrypts — a secret key's CKA_VALUE, or a private
// key's PKCS#8 PrivateKeyInfo (DER). CKR_KEY_NOT_WRAPPABLE for other objects.
Result<SecureBuffer> EncodeForWrap(const Object& key);

// C_UnwrapKey: the key values of `encoding` added to `key`, whose CKA_CLASS and CKA_KEY_TYPE
// the template fixed — CKA_VALUE for secret keys, the key-type's private attributes (and
// public parts) for private keys. CKR_WRAPPED_KEY_INVALID when the bytes are not such a key.
Result<void> DecodeUnwrapped(ByteView encoding, Object& key);

}  // namespace p11
