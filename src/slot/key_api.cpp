// §5.14 key generation and §5.15 random numbers.
#include <mutex>

#include "slot/api.h"
#include "slot/call_context.h"
#include "token/template.h"

namespace p11 {
Result<void> GenerateKey(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                         const CK_ATTRIBUTE* tmpl, CK_ULONG count, CK_OBJECT_HANDLE* key) {
  if (key == nullptr) return Fail(CKR_ARGUMENTS_BAD, "key");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(const Mechanism* mechanism, FindMechanism(*s, mech, CKF_GENERATE));
  P11_ASSIGN_OR_RETURN(std::vector<TemplateAttr> attrs, ParseTemplate(tmpl, count));
  const policy::Actor actor = CurrentActor(s->slot());
  policy::Implied implied{CKO_SECRET_KEY, mechanism->GeneratedKeyType()};
  P11_ASSIGN_OR_RETURN(Object object,
                       policy::NewObject(policy::Origin::kGenerate, attrs, implied, actor));
  const bool session_object = !object.IsTokenObject();
  const NewObjects objects = Describe({&object});
  P11_TRY(CheckMayStore(*s, objects));
  P11_ASSIGN_OR_RETURN(
      ObjectId id, s->slot().token().GenerateKey(*mechanism, ParamView(*mech), std::move(object)));
  return AdoptStored(m, *s, objects, {{id, session_object, key}});
}

Result<void> GenerateKeyPair(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                             const CK_ATTRIBUTE* pub_tmpl, CK_ULONG pub_count,
                             const CK_ATTRIBUTE* priv_tmpl, CK_ULONG priv_count,
                             CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv) {
  if (pub == nullptr || priv == nullptr) return Fail(CKR_ARGUMENTS_BAD, "key handles");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(const Mechanism* mechanism, FindMechanism(*s, mech, CKF_GENERATE_KEY_PAIR));
  P11_ASSIGN_OR_RETURN(std::vector<TemplateAttr> pub_attrs, ParseTemplate(pub_tmpl, pub_count));
  P11_ASSIGN_OR_RETURN(std::vector<TemplateAttr> priv_attrs, ParseTemplate(priv_tmpl, priv_count));
  const policy::Actor actor = CurrentActor(s->slot());
  CK_KEY_TYPE type = mechanism->GeneratedKeyType();
  P11_ASSIGN_OR_RETURN(Object pub_obj, policy::NewObject(policy::Origin::kGeneratePublic, pub_attrs,
                                                         {CKO_PUBLIC_KEY, type}, actor));
  P11_ASSIGN_OR_RETURN(Object priv_obj,
                       policy::NewObject(policy::Origin::kGeneratePrivate, priv_attrs,
                                         {CKO_PRIVATE_KEY, type}, actor));
  const bool pub_session = !pub_obj.IsTokenObject(), priv_session = !priv_obj.IsTokenObject();
  const NewObjects objects = Describe({&pub_obj, &priv_obj});
  P11_TRY(CheckMayStore(*s, objects));
  P11_ASSIGN_OR_RETURN(
      auto ids, s->slot().token().GenerateKeyPair(*mechanism, ParamView(*mech), std::move(pub_obj),
                                                  std::move(priv_obj)));
  return AdoptStored(m, *s, objects,
                     {{ids.first, pub_session, pub}, {ids.second, priv_session, priv}});
}

Result<void> SeedRandom(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* seed, CK_ULONG len) {
  if (seed == nullptr && len != 0) return Fail(CKR_ARGUMENTS_BAD, "seed");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  return s->slot().token().SeedRandom(InView(seed, len));
}

Result<void> GenerateRandom(Module& m, CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG len) {
  if (out == nullptr && len != 0) return Fail(CKR_ARGUMENTS_BAD, "random");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  if (len == 0) return Ok();
  return s->slot().token().GenerateRandom(std::span<uint8_t>(out, len));
}

}  // namespace p11
