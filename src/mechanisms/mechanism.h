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
#include "mechanisms/ossl/pkey_ctx_pool.h"
#include "mechanisms/ossl/unique_ptr.h"
#include "pkcs11/pkcs11.h"
#include "token/object.h"

namespace p11 {

// A key ready for use: an EVP_PKEY for asymmetric keys, the raw value for secret keys.
// Shared read-only between threads; OpenSSL allows concurrent use of one EVP_PKEY. Made with
// std::make_shared (MakeKeyMaterial, the key cache), so that an operation can keep it alive.
struct KeyMaterial : std::enable_shared_from_this<KeyMaterial> {
  CK_OBJECT_CLASS object_class = CK_UNAVAILABLE_INFORMATION;
  CK_KEY_TYPE key_type = CK_UNAVAILABLE_INFORMATION;
  ossl::UniquePtr<EVP_PKEY> pkey;
  SecureBuffer secret;
  // Key size in the unit C_GetMechanismInfo uses for this key type (bits for RSA/EC, bytes
  // for secret keys), checked against ulMinKeySize/ulMaxKeySize → CKR_KEY_SIZE_RANGE.
  CK_ULONG size = 0;
  // Signature contexts over `pkey`, ready for the next operation (pkey_ctx_pool.h). An
  // operation that took one holds the material until it gives the context back, so the
  // contexts are freed with the key, never before. Only material owned by a shared_ptr
  // pools contexts.
  mutable ossl::KeyContextPools contexts;
};

class Mechanism {
 public:
  // Every signing mechanism also serves the message-based API (C_SignMessage …): the
  // session layer runs each message as one signature, so the flags follow from CKF_SIGN /
  // CKF_VERIFY here rather than being repeated in every family's table.
  Mechanism(CK_MECHANISM_TYPE type, CK_MECHANISM_INFO info) : type_(type), info_(info) {
    if (info_.flags & CKF_SIGN) info_.flags |= CKF_MESSAGE_SIGN;
    if (info_.flags & CKF_VERIFY) info_.flags |= CKF_MESSAGE_VERIFY;
  }
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
  // C_SignRecoverInit / C_VerifyRecoverInit (CKF_SIGN_RECOVER / CKF_VERIFY_RECOVER).
  virtual Result<std::unique_ptr<SignOperation>> BeginSignRecover(ByteView param,
                                                                  const KeyMaterial& key) const;
  virtual Result<std::unique_ptr<RecoverOperation>> BeginVerifyRecover(
      ByteView param, const KeyMaterial& key) const;
  // C_MessageEncryptInit / C_MessageDecryptInit (CKF_MESSAGE_ENCRYPT / CKF_MESSAGE_DECRYPT).
  virtual Result<std::unique_ptr<MessageCipherOperation>> BeginMessageEncrypt(
      ByteView param, const KeyMaterial& key) const;
  virtual Result<std::unique_ptr<MessageCipherOperation>> BeginMessageDecrypt(
      ByteView param, const KeyMaterial& key) const;
  // C_DeriveKey (CKF_DERIVE): `derived` holds the new key's template after policy defaults;
  // fills CKA_VALUE (and CKA_VALUE_LEN when the template left it out and the mechanism
  // fixes it). `base` is the base key.
  virtual Result<void> Derive(ByteView param, const KeyMaterial& base, Object& derived) const;
  // The class C_DeriveKey makes: a secret key, or for CKM_HKDF_DATA a data object (whose
  // template may carry CKA_VALUE_LEN as the output length; Derive consumes it).
  virtual CK_OBJECT_CLASS DerivedObjectClass() const { return CKO_SECRET_KEY; }
  // C_WrapKey (CKF_WRAP): encrypts `key_encoding` — a secret key's value, or a private key's
  // PKCS#8 PrivateKeyInfo (keys.h EncodeForWrap) — under `wrapping`.
  virtual Result<void> Wrap(ByteView param, const KeyMaterial& wrapping, SecretView key_encoding,
                            OutBuffer& out) const;
  // C_UnwrapKey (CKF_UNWRAP): the key encoding inside `wrapped`. A wrong key, tag or padding
  // is CKR_WRAPPED_KEY_INVALID (never which check failed).
  virtual Result<SecureBuffer> Unwrap(ByteView param, const KeyMaterial& unwrapping,
                                      ByteView wrapped) const;
  // `key` holds the template after policy defaults (CKA_CLASS, CKA_KEY_TYPE, CKA_VALUE_LEN…);
  // fills CKA_VALUE and what derives from it. CKR_TEMPLATE_INCOMPLETE / _INCONSISTENT /
  // CKR_KEY_SIZE_RANGE / CKR_ATTRIBUTE_VALUE_INVALID on a bad template.
  virtual Result<void> GenerateKey(ByteView param, Object& key) const;
  // Fills the key values of both halves (modulus, exponents, EC point, private value,
  // CKA_PUBLIC_KEY_INFO on both, CKA_EC_PARAMS/CKA_MODULUS on the private half).
  virtual Result<void> GenerateKeyPair(ByteView param, Object& pub, Object& priv) const;
  // A generated pair as GenerateKeyPairReady hands it back. `key` is the private key as a
  // token's key cache holds it, so the new key's first operation need not rebuild it from the
  // stored values; null when the mechanism keeps nothing ready (the caller then builds it on
  // first use as for any key). When `values_pending` is set, the objects still lack the values
  // that derive from the key (CompleteGenerated adds them) and `key` is not null.
  struct GeneratedPair {
    std::shared_ptr<const KeyMaterial> key;
    bool values_pending = false;
  };
  // GenerateKeyPair that may leave the derived values out of the objects. A token that keeps
  // the objects in memory can then add them when they are first read: an application that
  // generates a session key, uses it and destroys it never pays for them. For EC that is the
  // public point in affine form, a field inversion and a fifth of the generation.
  virtual Result<GeneratedPair> GenerateKeyPairReady(ByteView param, Object& pub,
                                                     Object& priv) const;
  // Adds to the halves of a pair GenerateKeyPairReady left pending (either may be null: a
  // half already destroyed) what GenerateKeyPair would have put in them.
  virtual Result<void> CompleteGenerated(const KeyMaterial& key, Object* pub, Object* priv) const;

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
