// Helpers shared by the *_api.cpp files: locking a session for a call, resolving object
// handles with visibility rules, and ending operations by the rule of PKCS#11 3.1 §5.2.
#pragma once

#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>

#include "slot/module.h"
#include "token/attribute_policy.h"

namespace p11 {

inline ByteView InView(const CK_BYTE* data, CK_ULONG len) {
  return data == nullptr ? ByteView() : ByteView(data, len);
}

// A session locked for the duration of one call.
struct LockedSession {
  std::shared_ptr<Session> session;
  std::unique_lock<Mutex> lock;
  Session* operator->() const { return session.get(); }
  Session& operator*() const { return *session; }
};

inline Result<LockedSession> LockSession(Module& m, CK_SESSION_HANDLE h) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Session> session, m.sessions().Get(h));
  std::unique_lock<Mutex> lock(session->mu());
  return LockedSession{std::move(session), std::move(lock)};
}

inline policy::Actor ActorOf_inlock(const Slot& slot) {
  return policy::Actor{slot.login_inlock() == CKU_SO, slot.login_inlock() == CKU_USER};
}

inline policy::Actor CurrentActor(Slot& slot) {
  std::lock_guard lock(slot.mu());
  return ActorOf_inlock(slot);
}

struct ResolvedObject {
  ObjectId id;
  std::shared_ptr<const Object> object;
};

// The object behind `handle` in the session's token, if this session may see it: an unknown
// handle, another slot's object, or a private object without a user login are all
// `invalid_rv` (CKR_OBJECT_HANDLE_INVALID, or CKR_KEY_HANDLE_INVALID where the spec says key).
Result<ResolvedObject> ResolveObject(Module& m, Session& s, CK_OBJECT_HANDLE handle,
                                     CK_RV invalid_rv);
// The same for a caller that reads only the object's class, key type and flags
// (TokenBackend::GetObjectForChecks): a new key's derived values may be missing.
Result<ResolvedObject> ResolveObjectForChecks(Module& m, Session& s, CK_OBJECT_HANDLE handle,
                                              CK_RV invalid_rv);

// Stores a new object made by C_CreateObject / C_CopyObject and returns its handle.
Result<CK_OBJECT_HANDLE> StoreNewObject(Module& m, Session& s, Object object);

// What a call is about to store, as far as who may store it goes (§5.7 C_CreateObject):
// token objects need an R/W session, private objects the user.
struct NewObjects {
  bool any_token = false;
  bool any_private = false;

  void Add(const Object& object) {
    any_token = any_token || object.IsTokenObject();
    any_private = any_private || object.IsPrivate();
  }
};
NewObjects Describe(std::initializer_list<const Object*> objects);
Result<void> CheckMayStore_inlock(Session& s, const NewObjects& objects);
Result<void> CheckMayStore(Session& s, const NewObjects& objects);

// One object the backend stored for a call, and where its handle goes.
struct Stored {
  ObjectId id;
  bool session_object;
  CK_OBJECT_HANDLE* handle;
};

// The backend stores without the slot mutex: generating an RSA-4096 pair takes seconds and a
// token object waits for the disk, and other sessions must go on logging in, finding and
// creating objects meanwhile. The session's own mutex is held throughout, so it cannot be
// closed under the call. What may have changed is the login: a private object stored across
// another session's C_Logout is destroyed again, and the call fails as it would have had it
// started after the logout. Otherwise each object gets its handle, and a session object is
// recorded as the session's, to be destroyed when it closes.
Result<void> AdoptStored(Module& m, Session& s, const NewObjects& objects,
                         std::initializer_list<Stored> stored);
Result<void> AdoptStored(Module& m, Session& s, const NewObjects& objects,
                         std::span<const Stored> stored);

// Ends or keeps an operation after a call (§5.2): a length query or CKR_BUFFER_TOO_SMALL
// keeps it; any other error ends it; success ends it when the call was `terminal`.
template <class Op>
Result<void> Conclude(OpSlot<Op>& slot, Result<void> result, bool terminal) {
  if (!result.ok()) {
    if (!KeepsOperation(result.error())) slot.Reset();
    return result;
  }
  if (terminal) slot.Reset();
  return result;
}

// Checks common to C_XxxUpdate: an active operation not already driven single-part.
template <class Op>
Result<void> EnterMultiPart(OpSlot<Op>& slot) {
  if (!slot.active()) return Fail(CKR_OPERATION_NOT_INITIALIZED, "update");
  if (slot.single_part) return Fail(CKR_OPERATION_ACTIVE, "update after single-part");
  slot.multi_part = true;
  return Ok();
}

// Checks common to a single-part call: active, not already multi-part, and a context login
// done when the key demands one (CKA_ALWAYS_AUTHENTICATE, §6.1 of the usage guide).
template <class Op>
Result<void> EnterSinglePart(OpSlot<Op>& slot) {
  if (!slot.active()) return Fail(CKR_OPERATION_NOT_INITIALIZED, "single-part");
  if (slot.multi_part) return Fail(CKR_OPERATION_ACTIVE, "single-part after update");
  slot.single_part = true;
  return Ok();
}

template <class Op>
Result<void> CheckContextLogin(OpSlot<Op>& slot) {
  if (slot.needs_context_login && !slot.context_login_done) {
    slot.Reset();
    return Fail(CKR_USER_NOT_LOGGED_IN, "context-specific login required");
  }
  return Ok();
}

// What C_*Init needs for a key operation: the mechanism (supporting `function_flag`), the
// key object (visible, of an accepted type, with `usage` true and the mechanism allowed).
struct KeyUse {
  const Mechanism* mechanism;
  ByteView param;
  ObjectId key;
  bool always_authenticate;
};
Result<KeyUse> PrepareKeyUse(Module& m, Session& s, const CK_MECHANISM* mech, CK_OBJECT_HANDLE key,
                             CK_FLAGS function_flag, CK_ATTRIBUTE_TYPE usage);

// The mechanism `mech` names, if the session's token has it with `function_flag`.
Result<const Mechanism*> FindMechanism(Session& s, const CK_MECHANISM* mech,
                                       CK_FLAGS function_flag);
inline ByteView ParamView(const CK_MECHANISM& mech) {
  return mech.pParameter == nullptr
             ? ByteView()
             : ByteView(static_cast<const uint8_t*>(mech.pParameter), mech.ulParameterLen);
}

}  // namespace p11
