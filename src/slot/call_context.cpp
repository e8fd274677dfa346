#include "slot/call_context.h"

namespace p11 {

namespace {

// The token's id for `handle`, if it names an object of the session's slot.
Result<ObjectId> IdOf(Module& m, Session& s, CK_OBJECT_HANDLE handle, CK_RV invalid_rv) {
  std::optional<ObjectRef> ref = m.handles().Resolve(handle);
  if (!ref || ref->slot != s.slot().id()) return Fail(invalid_rv, "object handle");
  return ref->id;
}

// A lookup's error as the caller reports it: an object that is gone is an invalid handle.
Error LookupError(const Error& error, CK_RV invalid_rv) {
  if (error.rv == CKR_OBJECT_HANDLE_INVALID) return Fail(invalid_rv, "object gone");
  return error;
}

Result<void> CheckVisible(Session& s, const Object& object, CK_RV invalid_rv) {
  if (object.IsPrivate() && !s.slot().user_logged_in()) {
    return Fail(invalid_rv, "private object");
  }
  return Ok();
}

Result<ResolvedObject> Resolve(Module& m, Session& s, CK_OBJECT_HANDLE handle, CK_RV invalid_rv,
                               bool for_checks) {
  P11_ASSIGN_OR_RETURN(ObjectId id, IdOf(m, s, handle, invalid_rv));
  TokenBackend& token = s.slot().token();
  Result<std::shared_ptr<const Object>> object =
      for_checks ? token.GetObjectForChecks(id) : token.GetObject(id);
  if (!object.ok()) return LookupError(object.error(), invalid_rv);
  P11_TRY(CheckVisible(s, **object, invalid_rv));
  return ResolvedObject{id, std::move(object).value()};
}

}  // namespace

Result<ResolvedObject> ResolveObject(Module& m, Session& s, CK_OBJECT_HANDLE handle,
                                     CK_RV invalid_rv) {
  return Resolve(m, s, handle, invalid_rv, false);
}

Result<ResolvedObject> ResolveObjectForChecks(Module& m, Session& s, CK_OBJECT_HANDLE handle,
                                              CK_RV invalid_rv) {
  return Resolve(m, s, handle, invalid_rv, true);
}

NewObjects Describe(std::initializer_list<const Object*> objects) {
  NewObjects out;
  for (const Object* object : objects) out.Add(*object);
  return out;
}

Result<void> CheckMayStore_inlock(Session& s, const NewObjects& objects) {
  if (objects.any_token && !s.read_write()) return Fail(CKR_SESSION_READ_ONLY, "ro");
  if (objects.any_private && !s.slot().user_logged_in_inlock()) {
    return Fail(CKR_USER_NOT_LOGGED_IN, "private object");
  }
  return Ok();
}

Result<void> CheckMayStore(Session& s, const NewObjects& objects) {
  std::lock_guard lock(s.slot().mu());
  return CheckMayStore_inlock(s, objects);
}

Result<void> AdoptStored(Module& m, Session& s, const NewObjects& objects,
                         std::initializer_list<Stored> stored) {
  return AdoptStored(m, s, objects, std::span<const Stored>(stored.begin(), stored.size()));
}

Result<void> AdoptStored(Module& m, Session& s, const NewObjects& objects,
                         std::span<const Stored> stored) {
  Slot& slot = s.slot();
  std::lock_guard lock(slot.mu());
  if (Result<void> still = CheckMayStore_inlock(s, objects); !still.ok()) {
    for (const Stored& object : stored) (void)slot.token().DestroyObject(object.id);
    return still;
  }
  for (const Stored& object : stored) {
    if (object.session_object) slot.AddSessionObject_inlock(object.id, s.handle());
    *object.handle = m.handles().HandleForNew(slot.id(), object.id);
  }
  return Ok();
}

Result<const Mechanism*> FindMechanism(Session& s, const CK_MECHANISM* mech,
                                       CK_FLAGS function_flag) {
  if (mech == nullptr) return Fail(CKR_ARGUMENTS_BAD, "mechanism");
  if (mech->pParameter == nullptr && mech->ulParameterLen != 0) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "parameter");
  }
  const Mechanism* mechanism = s.slot().token().Mechanisms().Find(mech->mechanism);
  if (mechanism == nullptr || (mechanism->info().flags & function_flag) == 0) {
    return Fail(CKR_MECHANISM_INVALID, "mechanism");
  }
  return mechanism;
}

Result<KeyUse> PrepareKeyUse(Module& m, Session& s, const CK_MECHANISM* mech, CK_OBJECT_HANDLE key,
                             CK_FLAGS function_flag, CK_ATTRIBUTE_TYPE usage) {
  P11_ASSIGN_OR_RETURN(const Mechanism* mechanism, FindMechanism(s, mech, function_flag));
  P11_ASSIGN_OR_RETURN(ObjectId id, IdOf(m, s, key, CKR_KEY_HANDLE_INVALID));
  bool always_auth = false;
  // Checked in place, without a reference to the key's object (TokenBackend::CheckObject).
  Result<void> usable = s.slot().token().CheckObject(id, [&](const Object& object) -> Result<void> {
    P11_TRY(CheckVisible(s, object, CKR_KEY_HANDLE_INVALID));
    CK_OBJECT_CLASS cls = object.Class();
    if (cls != CKO_PUBLIC_KEY && cls != CKO_PRIVATE_KEY && cls != CKO_SECRET_KEY) {
      return Fail(CKR_KEY_HANDLE_INVALID, "not a key");
    }
    if (!mechanism->AcceptsKeyType(object.KeyType())) {
      return Fail(CKR_KEY_TYPE_INCONSISTENT, "key type");
    }
    P11_TRY(policy::CheckKeyUse(object, usage, mechanism->type()));
    always_auth = cls == CKO_PRIVATE_KEY && object.GetBool(CKA_ALWAYS_AUTHENTICATE);
    return Ok();
  });
  if (!usable.ok()) return LookupError(usable.error(), CKR_KEY_HANDLE_INVALID);
  return KeyUse{mechanism, ParamView(*mech), id, always_auth};
}

}  // namespace p11
