// §5.6 session management: open/close, session info, login/logout, cancel, operation state.
#include <mutex>

#include "slot/api.h"
#include "slot/call_context.h"

namespace p11 {
namespace {

// Destroys the session objects `session` created and closes it (slot mutex held).
void CloseSession_inlock(Module& m, Session& session) {
  session.ResetOperations();
  Slot& slot = session.slot();
  for (ObjectId id : slot.TakeSessionObjects_inlock(session.handle())) {
    (void)slot.token().DestroyObject(id);
    m.handles().Forget(slot.id(), id);
  }
}

// When an application's last session with a token closes, its login ends (§5.6).
void LogoutIfLast_inlock(Module& m, Slot& slot) {
  if (slot.login_inlock() != kNobody && m.sessions().OfSlot(slot.id()).empty()) {
    slot.token().Logout();
    slot.set_login_inlock(kNobody);
  }
}

bool AnyReadOnlySession(Module& m, CK_SLOT_ID slot) {
  for (const auto& s : m.sessions().OfSlot(slot)) {
    if (!s->read_write()) return true;
  }
  return false;
}

Result<void> CheckLoginAllowed_inlock(Module& m, Session& s, CK_USER_TYPE who) {
  CK_USER_TYPE current = s.slot().login_inlock();
  if (current == who) return Fail(CKR_USER_ALREADY_LOGGED_IN, "login");
  if (current != kNobody) return Fail(CKR_USER_ANOTHER_ALREADY_LOGGED_IN, "login");
  if (who == CKU_SO && AnyReadOnlySession(m, s.slot().id())) {
    return Fail(CKR_SESSION_READ_ONLY_EXISTS, "so login");
  }
  return Ok();
}

// CKU_CONTEXT_SPECIFIC: re-authenticates for the one operation whose key demands it. The
// PIN check runs without the slot mutex (it derives a key from the PIN, tens of ms by
// design): an application re-authenticating per signature must not stall its other sessions.
Result<void> ContextLogin(Session& s, SecretView pin) {
  if (!s.slot().user_logged_in()) return Fail(CKR_USER_NOT_LOGGED_IN, "context");
  bool* done = nullptr;
  if (s.sign.active() && s.sign.needs_context_login) done = &s.sign.context_login_done;
  if (s.decrypt.active() && s.decrypt.needs_context_login) done = &s.decrypt.context_login_done;
  if (done == nullptr) return Fail(CKR_OPERATION_NOT_INITIALIZED, "context login");
  P11_TRY(s.slot().token().Login(CKU_CONTEXT_SPECIFIC, pin));
  *done = true;
  return Ok();
}

}  // namespace

Result<void> OpenSession(Module& m, CK_SLOT_ID id, CK_FLAGS flags, CK_SESSION_HANDLE* h) {
  if (h == nullptr) return Fail(CKR_ARGUMENTS_BAD, "session handle");
  if ((flags & CKF_SERIAL_SESSION) == 0) return Fail(CKR_SESSION_PARALLEL_NOT_SUPPORTED, "flags");
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot, m.slots().Get(id));
  P11_ASSIGN_OR_RETURN(TokenStatus st, slot->token().Status());
  if (!st.present) return Fail(CKR_TOKEN_NOT_PRESENT, "device not answering");
  if (!st.initialized) return Fail(CKR_TOKEN_NOT_RECOGNIZED, "uninitialised token");
  std::lock_guard lock(slot->mu());
  if ((flags & CKF_RW_SESSION) == 0 && slot->login_inlock() == CKU_SO) {
    return Fail(CKR_SESSION_READ_WRITE_SO_EXISTS, "ro session with so");
  }
  *h = m.sessions().Open(slot, flags, m.locks().Create())->handle();
  return Ok();
}

Result<void> CloseSession(Module& m, CK_SESSION_HANDLE h) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  std::lock_guard lock(s->slot().mu());
  if (m.sessions().Remove(h) == nullptr) return Fail(CKR_SESSION_HANDLE_INVALID, "closed");
  CloseSession_inlock(m, *s);
  LogoutIfLast_inlock(m, s->slot());
  return Ok();
}

Result<void> CloseAllSessions(Module& m, CK_SLOT_ID id) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot, m.slots().Get(id));
  for (const auto& session : m.sessions().OfSlot(id)) {
    std::lock_guard session_lock(session->mu());
    std::lock_guard slot_lock(slot->mu());
    if (m.sessions().Remove(session->handle()) != nullptr) CloseSession_inlock(m, *session);
  }
  std::lock_guard lock(slot->mu());
  LogoutIfLast_inlock(m, *slot);
  return Ok();
}

Result<void> GetSessionInfo(Module& m, CK_SESSION_HANDLE h, CK_SESSION_INFO* info) {
  if (info == nullptr) return Fail(CKR_ARGUMENTS_BAD, "info");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  std::lock_guard lock(s->slot().mu());
  info->slotID = s->slot().id();
  info->state = s->State_inlock();
  info->flags = s->flags();
  info->ulDeviceError = 0;
  return Ok();
}

Result<void> Login(Module& m, CK_SESSION_HANDLE h, CK_USER_TYPE who, const CK_UTF8CHAR* pin,
                   CK_ULONG pin_len) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  if (pin == nullptr) return Fail(CKR_ARGUMENTS_BAD, "pin");  // no protected auth path
  SecretView pin_view{ByteView(pin, pin_len)};
  if (who == CKU_CONTEXT_SPECIFIC) return ContextLogin(*s, pin_view);
  if (who != CKU_SO && who != CKU_USER) return Fail(CKR_USER_TYPE_INVALID, "user type");
  Slot& slot = s->slot();
  // The PIN check derives a key from the PIN (tens of ms by design) and runs without the slot
  // mutex, so that other sessions' calls go on; login_mu keeps a second login out meanwhile.
  std::lock_guard login_lock(slot.login_mu());
  {
    std::lock_guard lock(slot.mu());
    P11_TRY(CheckLoginAllowed_inlock(m, *s, who));
  }
  P11_TRY(slot.token().Login(who, pin_view));
  std::lock_guard lock(slot.mu());
  // Another session may have opened a read-only session meanwhile, which an SO login forbids.
  if (Result<void> still = CheckLoginAllowed_inlock(m, *s, who); !still.ok()) {
    slot.token().Logout();
    return still;
  }
  slot.set_login_inlock(who);
  return Ok();
}

Result<void> LoginUser(Module& m, CK_SESSION_HANDLE h, CK_USER_TYPE who, const CK_UTF8CHAR* pin,
                       CK_ULONG pin_len, const CK_UTF8CHAR* username, CK_ULONG username_len) {
  // Arca tokens have no named users: only an empty user name is accepted (§5.6 C_LoginUser).
  if (username == nullptr && username_len != 0) return Fail(CKR_ARGUMENTS_BAD, "username");
  if (username_len != 0) return Fail(CKR_ARGUMENTS_BAD, "named users not supported");
  return Login(m, h, who, pin, pin_len);
}

Result<void> Logout(Module& m, CK_SESSION_HANDLE h) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  std::lock_guard lock(s->slot().mu());
  if (s->slot().login_inlock() == kNobody) return Fail(CKR_USER_NOT_LOGGED_IN, "logout");
  s->slot().token().Logout();
  s->slot().set_login_inlock(kNobody);
  return Ok();
}

Result<void> SessionCancel(Module& m, CK_SESSION_HANDLE h, CK_FLAGS flags) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  if (flags & CKF_ENCRYPT) s->encrypt.Reset();
  if (flags & CKF_DECRYPT) s->decrypt.Reset();
  if (flags & CKF_DIGEST) s->digest.Reset();
  if (flags & CKF_SIGN) s->sign.Reset();
  if (flags & CKF_VERIFY) s->verify.Reset();
  if (flags & CKF_FIND_OBJECTS) s->find = FindState();
  return Ok();
}

// §5.6: the digest or MAC under way (the operations whose state OpenSSL can copy); see
// saved_states.h for what the bytes are.
Result<void> GetOperationState(Module& m, CK_SESSION_HANDLE h, CK_BYTE* state,
                               CK_ULONG* state_len) {
  if (state_len == nullptr) return Fail(CKR_ARGUMENTS_BAD, "state length");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  bool other_ops = s->encrypt.active() || s->decrypt.active() || s->verify.active() ||
                   s->sign_recover.active() || s->verify_recover.active();
  if (!s->digest.active() && !s->sign.active()) {
    return Fail(other_ops ? CKR_STATE_UNSAVEABLE : CKR_OPERATION_NOT_INITIALIZED, "state");
  }
  if (other_ops) return Fail(CKR_STATE_UNSAVEABLE, "state");
  OutBuffer out(state, state_len);
  P11_ASSIGN_OR_RETURN(std::span<uint8_t> blob, out.Reserve(SavedStates::kStateBlobSize));
  SavedOperation saved;
  if (s->digest.active()) {
    P11_ASSIGN_OR_RETURN(saved.digest, s->digest.op->Clone());
  }
  if (s->sign.active()) {
    P11_ASSIGN_OR_RETURN(saved.sign, s->sign.op->Clone());
  }
  P11_TRY(m.saved_states().Save(std::move(saved), blob));
  out.Commit(SavedStates::kStateBlobSize);
  return Ok();
}

Result<void> SetOperationState(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* state,
                               CK_ULONG state_len, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE) {
  if (state == nullptr) return Fail(CKR_ARGUMENTS_BAD, "state");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(SavedOperation saved, m.saved_states().Restore(ByteView(state, state_len)));
  // The restored operations replace whatever was active, and continue multi-part.
  if (saved.digest) {
    s->digest.Start(std::move(saved.digest), false);
    s->digest.multi_part = true;
  }
  if (saved.sign) {
    s->sign.Start(std::move(saved.sign), false);
    s->sign.multi_part = true;
  }
  return Ok();
}

}  // namespace p11
