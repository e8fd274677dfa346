// §5.7 object management: create, copy, destroy, size, attribute get/set.
#include <mutex>

#include "slot/api.h"
#include "slot/call_context.h"
#include "token/template.h"

namespace p11 {
Result<CK_OBJECT_HANDLE> StoreNewObject(Module& m, Session& s, Object object) {
  const NewObjects what = Describe({&object});
  const bool session_object = !object.IsTokenObject();
  P11_TRY(CheckMayStore(s, what));
  P11_ASSIGN_OR_RETURN(ObjectId id, s.slot().token().CreateObject(std::move(object)));
  CK_OBJECT_HANDLE handle = CK_INVALID_HANDLE;
  P11_TRY(AdoptStored(m, s, what, {{id, session_object, &handle}}));
  return handle;
}

Result<void> CreateObject(Module& m, CK_SESSION_HANDLE h, const CK_ATTRIBUTE* tmpl, CK_ULONG count,
                          CK_OBJECT_HANDLE* object) {
  if (object == nullptr) return Fail(CKR_ARGUMENTS_BAD, "object");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(std::vector<TemplateAttr> attrs, ParseTemplate(tmpl, count));
  const policy::Actor actor = CurrentActor(s->slot());
  P11_ASSIGN_OR_RETURN(Object created,
                       policy::NewObject(policy::Origin::kCreate, attrs, {}, actor));
  CK_OBJECT_CLASS cls = created.Class();
  if (cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY) {
    policy::FinishKey(created, policy::Origin::kCreate, CK_UNAVAILABLE_INFORMATION);
  }
  P11_ASSIGN_OR_RETURN(*object, StoreNewObject(m, *s, std::move(created)));
  return Ok();
}

Result<void> CopyObject(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE source,
                        const CK_ATTRIBUTE* tmpl, CK_ULONG count, CK_OBJECT_HANDLE* object) {
  if (object == nullptr) return Fail(CKR_ARGUMENTS_BAD, "object");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(std::vector<TemplateAttr> attrs, ParseTemplate(tmpl, count));
  P11_ASSIGN_OR_RETURN(ResolvedObject src, ResolveObject(m, *s, source, CKR_OBJECT_HANDLE_INVALID));
  const policy::Actor actor = CurrentActor(s->slot());
  P11_ASSIGN_OR_RETURN(Object copy, policy::ApplyCopy(*src.object, attrs, actor));
  P11_ASSIGN_OR_RETURN(*object, StoreNewObject(m, *s, std::move(copy)));
  return Ok();
}

Result<void> DestroyObject(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE handle) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(ResolvedObject obj,
                       ResolveObjectForChecks(m, *s, handle, CKR_OBJECT_HANDLE_INVALID));
  if (obj.object->IsTokenObject() && !s->read_write()) return Fail(CKR_SESSION_READ_ONLY, "ro");
  if (!obj.object->GetBool(CKA_DESTROYABLE, true)) return Fail(CKR_ACTION_PROHIBITED, "destroy");
  Slot& slot = s->slot();
  // Without the slot mutex: removing a token object waits for the disk.
  P11_TRY(slot.token().DestroyObject(obj.id));
  std::lock_guard lock(slot.mu());
  slot.ForgetSessionObject_inlock(obj.id);
  m.handles().Forget(slot.id(), obj.id);
  return Ok();
}

Result<void> GetObjectSize(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE handle,
                           CK_ULONG* size) {
  if (size == nullptr) return Fail(CKR_ARGUMENTS_BAD, "size");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(ResolvedObject obj, ResolveObject(m, *s, handle, CKR_OBJECT_HANDLE_INVALID));
  // An approximation the spec allows: the bytes of every attribute value and its header.
  CK_ULONG total = 0;
  for (const auto& [type, value] : obj.object->attributes())
    total += sizeof(CK_ATTRIBUTE) + value.size();
  *size = total;
  return Ok();
}

Result<void> GetAttributeValue(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE handle,
                               CK_ATTRIBUTE* tmpl, CK_ULONG count) {
  if (tmpl == nullptr && count != 0) return Fail(CKR_ARGUMENTS_BAD, "template");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(ResolvedObject obj, ResolveObject(m, *s, handle, CKR_OBJECT_HANDLE_INVALID));
  CK_RV rv = policy::ReadAttributes(*obj.object, tmpl, count);
  if (rv != CKR_OK) return Fail(rv, "get attribute value");
  return Ok();
}

Result<void> SetAttributeValue(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE handle,
                               const CK_ATTRIBUTE* tmpl, CK_ULONG count) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(std::vector<TemplateAttr> attrs, ParseTemplate(tmpl, count));
  P11_ASSIGN_OR_RETURN(ResolvedObject obj, ResolveObject(m, *s, handle, CKR_OBJECT_HANDLE_INVALID));
  if (obj.object->IsTokenObject() && !s->read_write()) return Fail(CKR_SESSION_READ_ONLY, "ro");
  Slot& slot = s->slot();
  P11_ASSIGN_OR_RETURN(Object updated, policy::ApplySet(*obj.object, attrs, CurrentActor(slot)));
  // Without the slot mutex: rewriting a token object waits for the disk.
  return slot.token().UpdateObject(obj.id, std::move(updated));
}

}  // namespace p11
