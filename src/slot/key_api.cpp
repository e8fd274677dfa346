// §5.14 key generation and §5.15 random numbers.
#include <mutex>

#include "slot/api.h"
#include "slot/call_context.h"
#include "token/template.h"

namespace p11 {
namespace {

Result<policy::Actor> CurrentActor(Session& s) {
  std::lock_guard lock(s.slot().mu());
  return ActorOf_inlock(s.slot());
}

// What a generation is about to store, as far as who may store it goes.
struct NewObjects {
  bool any_token = false;
  bool any_private = false;
};

NewObjects Describe(std::initializer_list<const Object*> objects) {
  NewObjects out;
  for (const Object* o : objects) {
    out.any_token = out.any_token || o->IsTokenObject();
    out.any_private = out.any_private || o->IsPrivate();
  }
  return out;
}

Result<void> CheckMayStore_inlock(Session& s, const NewObjects& objects) {
  if (objects.any_token && !s.read_write()) return Fail(CKR_SESSION_READ_ONLY, "ro");
  if (objects.any_private && !s.slot().user_logged_in_inlock()) {
    return Fail(CKR_USER_NOT_LOGGED_IN, "private key");
  }
  return Ok();
}

Result<void> CheckMayStore(Session& s, const NewObjects& objects) {
  std::lock_guard lock(s.slot().mu());
  return CheckMayStore_inlock(s, objects);
}

// One object a generation stored, and where its handle goes.
struct Generated {
  ObjectId id;
  bool session_object;
  CK_OBJECT_HANDLE* handle;
};

// A key is generated without the slot mutex: an RSA-4096 pair takes seconds, and other
// sessions must go on logging in, finding and creating objects meanwhile. The session's own
// mutex is held throughout, so it cannot be closed under the call. What may have changed is
// the login: a private key generated across another session's C_Logout is destroyed again,
// and the call fails as it would have had it started after the logout.
Result<void> AdoptGenerated(Module& m, Session& s, const NewObjects& objects,
                            std::initializer_list<Generated> generated) {
  std::lock_guard lock(s.slot().mu());
  if (Result<void> still = CheckMayStore_inlock(s, objects); !still.ok()) {
    for (const Generated& g : generated) (void)s.slot().token().DestroyObject(g.id);
    return still;
  }
  for (const Generated& g : generated) *g.handle = Adopt_inlock(m, s, g.id, g.session_object);
  return Ok();
}

}  // namespace

Result<void> GenerateKey(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                         const CK_ATTRIBUTE* tmpl, CK_ULONG count, CK_OBJECT_HANDLE* key) {
  if (key == nullptr) return Fail(CKR_ARGUMENTS_BAD, "key");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(const Mechanism* mechanism, FindMechanism(*s, mech, CKF_GENERATE));
  P11_ASSIGN_OR_RETURN(std::vector<TemplateAttr> attrs, ParseTemplate(tmpl, count));
  P11_ASSIGN_OR_RETURN(policy::Actor actor, CurrentActor(*s));
  policy::Implied implied{CKO_SECRET_KEY, mechanism->GeneratedKeyType()};
  P11_ASSIGN_OR_RETURN(Object object,
                       policy::NewObject(policy::Origin::kGenerate, attrs, implied, actor));
  const bool session_object = !object.IsTokenObject();
  const NewObjects objects = Describe({&object});
  P11_TRY(CheckMayStore(*s, objects));
  P11_ASSIGN_OR_RETURN(
      ObjectId id, s->slot().token().GenerateKey(*mechanism, ParamView(*mech), std::move(object)));
  return AdoptGenerated(m, *s, objects, {{id, session_object, key}});
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
  P11_ASSIGN_OR_RETURN(policy::Actor actor, CurrentActor(*s));
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
  return AdoptGenerated(m, *s, objects,
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
