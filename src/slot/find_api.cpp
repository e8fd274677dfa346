// §5.7 object search: C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal.
#include <algorithm>
#include <mutex>

#include "slot/api.h"
#include "slot/call_context.h"
#include "token/template.h"

namespace p11 {

Result<void> FindObjectsInit(Module& m, CK_SESSION_HANDLE h, const CK_ATTRIBUTE* tmpl,
                             CK_ULONG count) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  if (s->find.active) return Fail(CKR_OPERATION_ACTIVE, "find");
  P11_ASSIGN_OR_RETURN(std::vector<TemplateAttr> match, ParseTemplate(tmpl, count));
  Slot& slot = s->slot();
  bool user;
  {
    std::lock_guard lock(slot.mu());
    user = slot.user_logged_in_inlock();
  }
  P11_ASSIGN_OR_RETURN(std::vector<ObjectId> ids, slot.token().FindObjects(match));
  FindState find;
  find.active = true;
  find.results.reserve(ids.size());
  for (ObjectId id : ids) {
    // The backend may hold private objects unlocked for the SO; only the user sees them.
    if (!user) {
      Result<std::shared_ptr<const Object>> object = slot.token().GetObjectForChecks(id);
      if (!object.ok() || (*object)->IsPrivate()) continue;
    }
    find.results.push_back(m.handles().HandleFor(slot.id(), id));
  }
  s->find = std::move(find);
  return Ok();
}

Result<void> FindObjects(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE* objects,
                         CK_ULONG max_count, CK_ULONG* count) {
  if (objects == nullptr || count == nullptr) return Fail(CKR_ARGUMENTS_BAD, "find output");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  FindState& find = s->find;
  if (!find.active) return Fail(CKR_OPERATION_NOT_INITIALIZED, "find");
  size_t n = std::min<size_t>(max_count, find.results.size() - find.next);
  std::copy_n(find.results.begin() + find.next, n, objects);
  find.next += n;
  *count = n;
  return Ok();
}

Result<void> FindObjectsFinal(Module& m, CK_SESSION_HANDLE h) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  if (!s->find.active) return Fail(CKR_OPERATION_NOT_INITIALIZED, "find");
  s->find = FindState();
  return Ok();
}

}  // namespace p11
