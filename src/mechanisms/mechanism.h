// Mechanism: what one CKM_* can do, with its CK_MECHANISM_INFO. Every capability defaults to
// CKR_MECHANISM_INVALID (kryoptic's trait defaults); a family overrides what it implements.
// Key material arrives as KeyMaterial, built once per key by MakeKeyMaterial (keys.h) and
// kept in the token's key cache, so Begin* never re-parses a key.
#pragma once

#include <cstring>
#include <memory>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "mechanisms/operation.h"
#include "mechanisms/ossl/unique_ptr.h"
#include "pkcs11/pkcs11.h"
#include "token/object.h"

namespace p11 {

// A key ready for use: an EVP_PKEY for asymmetric keys, the raw value for secret keys.
// Shared read-only between threads; OpenSSL allows concurrent use of one EVP_PKEY.
struct KeyMaterial {
  CK_OBJECT_CLASS object_class = CK_UNAVAILABLE_INFORMATION;
  CK_KEY_TYPE key_type = CK_UNAVAILABLE_INFORMATION;
  ossl::UniquePtr<EVP_PKEY> pkey;
  SecureBuffer secret;
  // Key size in the unit C_GetMechanismInfo uses for this key type (bits for RSA/EC, bytes
  // for secret keys), checked against ulMinKeySize/ulMaxKeySize → CKR_KEY_SIZE_RANGE.
  CK_ULONG size = 0;
};

class Mechanism {
 public:
  Mechanism(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO info) : type_(type), info_(info) {}
  virtual ~Mechanism() = default;

  CK_MECHANISM_TYPE type() const { return type_; }
  const CK_MECHANISM_INFO& info() const { return info_; }

  // Whether a key of this type can be used with this mechanism (else the session layer
  // returns CKR_KEY_TYPE_INCONSISTENT before calling Begin*).
  virtual bool AcceptsKeyType(CK_KEY_TYPE /*type*/) const { return false; }
  // For key (pair) generation: the CKK_* the generated key gets, for template defaults.
  virtual CK_KEY_TYPE GeneratedKeyType() const { return CK_UNAVAILABLE_INFORMATION; }

  // `param` is the raw CK_MECHANISM pParameter bytes (empty when NULL). Wrong size or
  // contents → CKR_MECHANISM_PARAM_INVALID.
  virtual Result<std::unique_ptr<DigestOperation>> BeginDigest(ByteView param) const;
  virtual Result<std::unique_ptr<SignOperation>> BeginSign(ByteView param,
                                                           const KeyMaterial& key) const;
  virtual Result<std::unique_ptr<VerifyOperation>> BeginVerify(ByteView param,
                                                               const KeyMaterial& key) const;
  virtual Result<std::unique_ptr<CipherOperation>> BeginEncrypt(ByteView param,
                                                                const KeyMaterial& key) const;
  virtual Result<std::unique_ptr<CipherOperation>> BeginDecrypt(ByteView param,
                                                                const KeyMaterial& key) const;
  // `key` holds the template after policy defaults (CKA_CLASS, CKA_KEY_TYPE, CKA_VALUE_LEN…);
  // fills CKA_VALUE and what derives from it. CKR_TEMPLATE_INCOMPLETE / _INCONSISTENT /
  // CKR_KEY_SIZE_RANGE / CKR_ATTRIBUTE_VALUE_INVALID on a bad template.
  virtual Result<void> GenerateKey(ByteView param, Object& key) const;
  // Fills the key values of both halves (modulus, exponents, EC point, private value,
  // CKA_PUBLIC_KEY_INFO on both, CKA_EC_PARAMS/CKA_MODULUS on the private half).
  virtual Result<void> GenerateKeyPair(ByteView param, Object& pub, Object& priv) const;

 private:
  CK_MECHANISM_TYPE type_;
  CK_MECHANISM_INFO info_;
};

// Reads a mechanism parameter struct of exactly sizeof(T) bytes.
template <class T>
Result<T> ParamAs(ByteView param) {
  if (param.size() != sizeof(T)) return Fail(CKR_MECHANISM_PARAM_INVALID, "parameter size");
  T out;
  std::memcpy(&out, param.data(), sizeof(T));
  return out;
}

}  // namespace p11
