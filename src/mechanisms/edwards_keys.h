// Keys on the RFC 8032 Edwards curves (CKK_EC_EDWARDS) and the RFC 7748 Montgomery curves
// (CKK_EC_MONTGOMERY): OpenSSL holds them as raw byte strings, so building, generating and
// reading them differs from CKK_EC. Shared by keys.cpp, eddsa.cpp and ecdh.cpp.
#pragma once

#include <optional>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "mechanisms/asym_util.h"
#include "mechanisms/ossl/unique_ptr.h"
#include "token/object.h"

namespace p11::asym {

// The key bytes of an Edwards/Montgomery CKA_EC_POINT or ECDH public data: the DER OCTET
// STRING OpenSC writes and reads, or the bare key PKCS#11 3.1 §2.3.5 describes. nullopt when
// neither has the curve's length.
std::optional<ByteView> RawPublicFromAttribute(const RawCurve& curve, ByteView value);

// An OpenSSL public key from the curve's raw key bytes; CKR_ATTRIBUTE_VALUE_INVALID if
// OpenSSL refuses them.
Result<ossl::UniquePtr<EVP_PKEY>> RawPublicKey(const RawCurve& curve, ByteView key);

struct BuiltRawKey {
  ossl::UniquePtr<EVP_PKEY> pkey;
  const RawCurve* curve = nullptr;
  ZBytes public_key;  // raw; for a private key computed from its private value
};

// From CKA_EC_PARAMS and CKA_EC_POINT (public) or CKA_VALUE (private) of a key object whose
// CKA_KEY_TYPE is the Edwards or Montgomery type.
Result<BuiltRawKey> RawKeyFromObject(const Object& key, bool is_private);

// The raw public or private bytes of an Edwards/Montgomery EVP_PKEY.
Result<ZBytes> RawPublicBytes(const EVP_PKEY* pkey);
Result<ZBytes> RawPrivateBytes(const EVP_PKEY* pkey);

// CKM_EC_EDWARDS_KEY_PAIR_GEN / CKM_EC_MONTGOMERY_KEY_PAIR_GEN (PKCS#11 3.1 §2.3.8–2.3.9):
// the curve from the public template's CKA_EC_PARAMS, kept byte for byte as the caller gave
// it (OID or name) on both halves; CKA_EC_POINT (DER OCTET STRING) and CKA_PUBLIC_KEY_INFO
// on both, the raw private key as the private half's CKA_VALUE.
Result<void> GenerateRawKeyPair(CK_KEY_TYPE key_type, Object& pub, Object& priv);

}  // namespace p11::asym
