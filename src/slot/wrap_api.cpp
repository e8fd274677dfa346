// §5.14 key-to-key management: C_WrapKey, C_UnwrapKey, C_DeriveKey, with the rules of §4.9
// and §4.10 on CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED and the key templates
// (CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE, CKA_DERIVE_TEMPLATE).
#include <algorithm>
#include <cstring>
#include <mutex>

#include "mechanisms/kdf_keyed.h"
#include "mechanisms/kdf_multi.h"
#include "slot/api.h"
#include "slot/call_context.h"
#include "token/template.h"

namespace p11 {
namespace {

// The wrapping and unwrapping keys have their own return codes (§5.14).
Error AsWrappingKeyError(const Error& e, bool unwrapping) {
  Error out = e;
  if (e.rv == CKR_KEY_HANDLE_INVALID) {
    out.rv = unwrapping ? CKR_UNWRAPPING_KEY_HANDLE_INVALID : CKR_WRAPPING_KEY_HANDLE_INVALID;
  } else if (e.rv == CKR_KEY_TYPE_INCONSISTENT) {
    out.rv = unwrapping ? CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT : CKR_WRAPPING_KEY_TYPE_INCONSISTENT;
  } else if (e.rv == CKR_KEY_SIZE_RANGE) {
    out.rv = unwrapping ? CKR_UNWRAPPING_KEY_SIZE_RANGE : CKR_WRAPPING_KEY_SIZE_RANGE;
  }
  return out;
}

// The checks of §4.10 on the key to be wrapped.
Result<void> CheckWrappable(const Object& key, const Object& wrapping) {
  CK_OBJECT_CLASS cls = key.Class();
  if (cls != CKO_SECRET_KEY && cls != CKO_PRIVATE_KEY) {
    return Fail(CKR_KEY_NOT_WRAPPABLE, "only secret and private keys wrap");
  }
  if (!key.GetBool(CKA_EXTRACTABLE)) return Fail(CKR_KEY_UNEXTRACTABLE, "unextractable");
  if (key.GetBool(CKA_WRAP_WITH_TRUSTED) && !wrapping.GetBool(CKA_TRUSTED)) {
    return Fail(CKR_KEY_NOT_WRAPPABLE, "wrap with trusted");
  }
  P11_ASSIGN_OR_RETURN(std::vector<TemplateAttr> required,
                       policy::NestedTemplate(wrapping, CKA_WRAP_TEMPLATE));
  if (!policy::Matches(key, required)) return Fail(CKR_KEY_NOT_WRAPPABLE, "wrap template");
  return Ok();
}

// The new key's object from the caller's template joined with the key's template attribute
// (`template_type`), checked by the policy, with the storing rules of C_CreateObject.
// `made_class` is what the mechanism makes: CKO_DATA for a data-deriving mechanism, whose
// output length travels as CKA_VALUE_LEN although data objects have no such attribute — it
// is set aside from the policy check and handed to the mechanism on the object.
Result<Object> NewKeyFromTemplate(Session& s, const Object& source_key,
                                  CK_ATTRIBUTE_TYPE template_type, policy::Origin origin,
                                  const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                                  CK_OBJECT_CLASS made_class = CKO_SECRET_KEY) {
  P11_ASSIGN_OR_RETURN(std::vector<TemplateAttr> attrs, ParseTemplate(tmpl, count));
  policy::Implied implied;
  std::optional<CK_ULONG> output_len;
  if (made_class == CKO_DATA) {
    implied.object_class = CKO_DATA;
    auto len = std::find_if(attrs.begin(), attrs.end(),
                            [](const TemplateAttr& a) { return a.type == CKA_VALUE_LEN; });
    if (len != attrs.end()) {
      if (len->value.size() != sizeof(CK_ULONG)) {
        return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE_LEN");
      }
      CK_ULONG value;
      std::memcpy(&value, len->value.data(), sizeof value);
      output_len = value;
      attrs.erase(len);
    }
  }
  P11_ASSIGN_OR_RETURN(std::vector<TemplateAttr> required,
                       policy::NestedTemplate(source_key, template_type));
  P11_ASSIGN_OR_RETURN(std::vector<TemplateAttr> joined, policy::JoinTemplate(attrs, required));
  std::lock_guard lock(s.slot().mu());
  P11_ASSIGN_OR_RETURN(Object object,
                       policy::NewObject(origin, joined, implied, ActorOf_inlock(s.slot())));
  P11_TRY(CheckMayStore_inlock(s, Describe({&object})));
  if (output_len) object.SetUlong(CKA_VALUE_LEN, *output_len);
  return object;
}

// The second key some derive mechanisms name by handle in their parameter (kdf_keyed.h),
// resolved with the visibility rules of a base key.
Result<std::optional<ObjectId>> OtherKeyOf(Module& m, Session& s, const Mechanism& mechanism,
                                           ByteView param) {
  const auto* keyed = dynamic_cast<const KeyedDerive*>(&mechanism);
  if (keyed == nullptr) return std::optional<ObjectId>();
  P11_ASSIGN_OR_RETURN(std::optional<CK_OBJECT_HANDLE> handle, keyed->OtherKeyHandle(param));
  if (!handle) return std::optional<ObjectId>();
  P11_ASSIGN_OR_RETURN(ResolvedObject other, ResolveObject(m, s, *handle, CKR_KEY_HANDLE_INVALID));
  return std::optional<ObjectId>(other.id);
}

// C_DeriveKey when the mechanism's parameter asks for additional keys (kdf_multi.h): each
// extra template goes through the same template rules as the primary key's; all keys are
// stored or none, and each handle is written to its CK_DERIVED_KEY only on success.
Result<void> DeriveWithAdditionalKeys(Module& m, Session& s, const KeyUse& use,
                                      const Object& base_key, Object primary,
                                      std::span<const CK_DERIVED_KEY> extra,
                                      CK_OBJECT_HANDLE* key) {
  std::vector<Object> keys;
  keys.push_back(std::move(primary));
  for (const CK_DERIVED_KEY& more : extra) {
    P11_ASSIGN_OR_RETURN(
        Object object, NewKeyFromTemplate(s, base_key, CKA_DERIVE_TEMPLATE, policy::Origin::kDerive,
                                          more.pTemplate, more.ulAttributeCount));
    keys.push_back(std::move(object));
  }
  NewObjects what;
  std::vector<Stored> stored;
  for (size_t i = 0; i < keys.size(); ++i) {
    what.Add(keys[i]);
    stored.push_back({0, !keys[i].IsTokenObject(), i == 0 ? key : extra[i - 1].phKey});
  }
  P11_ASSIGN_OR_RETURN(
      std::vector<ObjectId> ids,
      s.slot().token().DeriveKeys(*use.mechanism, use.param, use.key, std::move(keys)));
  for (size_t i = 0; i < stored.size(); ++i) stored[i].id = ids[i];
  return AdoptStored(m, s, what, stored);
}

}  // namespace

Result<void> WrapKey(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                     CK_OBJECT_HANDLE wrapping, CK_OBJECT_HANDLE key, CK_BYTE* out,
                     CK_ULONG* out_len) {
  if (out_len == nullptr) return Fail(CKR_ARGUMENTS_BAD, "wrapped length");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  Result<KeyUse> use = PrepareKeyUse(m, *s, mech, wrapping, CKF_WRAP, CKA_WRAP);
  if (!use.ok()) return AsWrappingKeyError(use.error(), false);
  P11_ASSIGN_OR_RETURN(ResolvedObject wrapping_key,
                       ResolveObject(m, *s, wrapping, CKR_WRAPPING_KEY_HANDLE_INVALID));
  P11_ASSIGN_OR_RETURN(ResolvedObject target, ResolveObject(m, *s, key, CKR_KEY_HANDLE_INVALID));
  P11_TRY(CheckWrappable(*target.object, *wrapping_key.object));
  OutBuffer buffer(out, out_len);
  Result<void> wrapped =
      s->slot().token().WrapKey(*use->mechanism, use->param, use->key, target.id, buffer);
  if (!wrapped.ok() && wrapped.rv() == CKR_KEY_SIZE_RANGE)
    return AsWrappingKeyError(wrapped.error(), false);
  return wrapped;
}

Result<void> UnwrapKey(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                       CK_OBJECT_HANDLE unwrapping, const CK_BYTE* wrapped, CK_ULONG wrapped_len,
                       const CK_ATTRIBUTE* tmpl, CK_ULONG count, CK_OBJECT_HANDLE* key) {
  if (key == nullptr || wrapped == nullptr) return Fail(CKR_ARGUMENTS_BAD, "unwrap");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  Result<KeyUse> use = PrepareKeyUse(m, *s, mech, unwrapping, CKF_UNWRAP, CKA_UNWRAP);
  if (!use.ok()) return AsWrappingKeyError(use.error(), true);
  P11_ASSIGN_OR_RETURN(ResolvedObject unwrapping_key,
                       ResolveObject(m, *s, unwrapping, CKR_UNWRAPPING_KEY_HANDLE_INVALID));
  P11_ASSIGN_OR_RETURN(Object object,
                       NewKeyFromTemplate(*s, *unwrapping_key.object, CKA_UNWRAP_TEMPLATE,
                                          policy::Origin::kUnwrap, tmpl, count));
  const bool session_object = !object.IsTokenObject();
  const NewObjects what = Describe({&object});
  P11_ASSIGN_OR_RETURN(
      ObjectId id, s->slot().token().UnwrapKey(*use->mechanism, use->param, use->key,
                                               ByteView(wrapped, wrapped_len), std::move(object)));
  return AdoptStored(m, *s, what, {{id, session_object, key}});
}

Result<void> DeriveKey(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                       CK_OBJECT_HANDLE base, const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                       CK_OBJECT_HANDLE* key) {
  if (key == nullptr) return Fail(CKR_ARGUMENTS_BAD, "derived key");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(KeyUse use, PrepareKeyUse(m, *s, mech, base, CKF_DERIVE, CKA_DERIVE));
  P11_ASSIGN_OR_RETURN(ResolvedObject base_key, ResolveObject(m, *s, base, CKR_KEY_HANDLE_INVALID));
  P11_ASSIGN_OR_RETURN(std::optional<ObjectId> other, OtherKeyOf(m, *s, *use.mechanism, use.param));
  P11_ASSIGN_OR_RETURN(Object object, NewKeyFromTemplate(*s, *base_key.object, CKA_DERIVE_TEMPLATE,
                                                         policy::Origin::kDerive, tmpl, count,
                                                         use.mechanism->DerivedObjectClass()));
  if (const auto* multi = dynamic_cast<const MultiKeyDerive*>(use.mechanism)) {
    P11_ASSIGN_OR_RETURN(std::span<const CK_DERIVED_KEY> extra, multi->AdditionalKeys(use.param));
    for (const CK_DERIVED_KEY& more : extra) *more.phKey = CK_INVALID_HANDLE;
    if (!extra.empty()) {
      return DeriveWithAdditionalKeys(m, *s, use, *base_key.object, std::move(object), extra, key);
    }
  }
  const bool session_object = !object.IsTokenObject();
  const NewObjects what = Describe({&object});
  P11_ASSIGN_OR_RETURN(ObjectId id, s->slot().token().DeriveKey(*use.mechanism, use.param, use.key,
                                                                other, std::move(object)));
  return AdoptStored(m, *s, what, {{id, session_object, key}});
}

}  // namespace p11
