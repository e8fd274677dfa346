// SoftToken: the key-to-key operations (PKCS#11 3.1 §5.14 C_DeriveKey, C_WrapKey,
// C_UnwrapKey) and the recover and message-based operation starts (§5.11, §5.12–5.13).
#include "mechanisms/kdf_keyed.h"
#include "mechanisms/kdf_multi.h"
#include "mechanisms/keys.h"
#include "token/attribute_policy.h"
#include "token/soft/soft_token.h"

namespace p11 {

Result<std::unique_ptr<SignOperation>> SoftToken::BeginSignRecover(const Mechanism& mechanism,
                                                                   ByteView param, ObjectId key) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, KeyFor(mechanism, key));
  return mechanism.BeginSignRecover(param, *material);
}

Result<std::unique_ptr<RecoverOperation>> SoftToken::BeginVerifyRecover(const Mechanism& mechanism,
                                                                        ByteView param,
                                                                        ObjectId key) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, KeyFor(mechanism, key));
  return mechanism.BeginVerifyRecover(param, *material);
}

Result<std::unique_ptr<MessageCipherOperation>> SoftToken::BeginMessageEncrypt(
    const Mechanism& mechanism, ByteView param, ObjectId key) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, KeyFor(mechanism, key));
  return mechanism.BeginMessageEncrypt(param, *material);
}

Result<std::unique_ptr<MessageCipherOperation>> SoftToken::BeginMessageDecrypt(
    const Mechanism& mechanism, ByteView param, ObjectId key) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, KeyFor(mechanism, key));
  return mechanism.BeginMessageDecrypt(param, *material);
}

Result<ObjectId> SoftToken::DeriveKey(const Mechanism& mechanism, ByteView param, ObjectId base,
                                      std::optional<ObjectId> other, Object derived) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const Object> base_object, GetObject(base));
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, KeyFor(mechanism, base));
  const auto* keyed = dynamic_cast<const KeyedDerive*>(&mechanism);
  if (other && keyed != nullptr) {
    P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> second, KeyFor(mechanism, *other));
    P11_TRY(keyed->DeriveWithOtherKey(param, *material, *second, derived));
  } else {
    P11_TRY(mechanism.Derive(param, *material, derived));
  }
  if (derived.Class() == CKO_SECRET_KEY) P11_TRY(CompleteKeyObject(derived));
  policy::FinishDerivedKey(derived, *base_object);
  return StoreOne(std::move(derived));
}

Result<std::vector<ObjectId>> SoftToken::DeriveKeys(const Mechanism& mechanism, ByteView param,
                                                    ObjectId base, std::vector<Object> keys) {
  const auto* multi = dynamic_cast<const MultiKeyDerive*>(&mechanism);
  if (multi == nullptr) return Fail(CKR_MECHANISM_PARAM_INVALID, "one key per derivation");
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const Object> base_object, GetObject(base));
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, KeyFor(mechanism, base));
  P11_TRY(multi->DeriveAll(param, *material, keys));
  for (Object& key : keys) {
    P11_TRY(CompleteKeyObject(key));
    policy::FinishDerivedKey(key, *base_object);
  }
  std::vector<ObjectId> ids(keys.size());
  P11_TRY(StoreAll(keys, ids));
  return ids;
}

Result<void> SoftToken::WrapKey(const Mechanism& mechanism, ByteView param, ObjectId wrapping,
                                ObjectId key, OutBuffer& out) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, KeyFor(mechanism, wrapping));
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const Object> object, GetObject(key));
  P11_ASSIGN_OR_RETURN(SecureBuffer encoding, EncodeForWrap(*object));
  return mechanism.Wrap(param, *material, encoding.secret(), out);
}

Result<ObjectId> SoftToken::UnwrapKey(const Mechanism& mechanism, ByteView param,
                                      ObjectId unwrapping, ByteView wrapped, Object key) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, KeyFor(mechanism, unwrapping));
  P11_ASSIGN_OR_RETURN(SecureBuffer encoding, mechanism.Unwrap(param, *material, wrapped));
  P11_TRY(DecodeUnwrapped(encoding.view(), key));
  P11_TRY(CompleteKeyObject(key));
  policy::FinishKey(key, policy::Origin::kUnwrap, CK_UNAVAILABLE_INFORMATION);
  return StoreOne(std::move(key));
}

}  // namespace p11
