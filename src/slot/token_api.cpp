// §5.5 token administration: C_InitToken, C_InitPIN, C_SetPIN.
#include <mutex>
#include <string_view>

#include "slot/api.h"
#include "slot/call_context.h"

namespace p11 {
namespace {

Result<SecretView> PinView(const CK_UTF8CHAR* pin, CK_ULONG len) {
  if (pin == nullptr) return Fail(CKR_ARGUMENTS_BAD, "pin");  // no protected auth path
  return SecretView{ByteView(pin, len)};
}

std::string_view TrimLabel(const CK_UTF8CHAR* label) {
  std::string_view text(reinterpret_cast<const char*>(label), 32);
  size_t end = text.find_last_not_of(' ');
  return end == std::string_view::npos ? std::string_view() : text.substr(0, end + 1);
}

}  // namespace

Result<void> InitToken(Module& m, CK_SLOT_ID id, const CK_UTF8CHAR* pin, CK_ULONG pin_len,
                       const CK_UTF8CHAR* label) {
  P11_ASSIGN_OR_RETURN(SecretView so_pin, PinView(pin, pin_len));
  if (label == nullptr) return Fail(CKR_ARGUMENTS_BAD, "label");
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot, m.slots().Get(id));
  if (!m.sessions().OfSlot(id).empty()) return Fail(CKR_SESSION_EXISTS, "sessions open");
  {
    std::lock_guard lock(slot->mu());
    P11_TRY(slot->token().InitToken(so_pin, TrimLabel(label)));
    slot->set_login_inlock(kNobody);
  }
  // Every session object of this token went with the old token; forget their handles.
  // (No session exists, so none can hold one.) A blank slot became a token: show a new one.
  return m.slots().Refresh();
}

Result<void> InitPin(Module& m, CK_SESSION_HANDLE h, const CK_UTF8CHAR* pin, CK_ULONG pin_len) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(SecretView new_pin, PinView(pin, pin_len));
  {
    std::lock_guard lock(s->slot().mu());
    if (s->State_inlock() != CKS_RW_SO_FUNCTIONS) {
      return Fail(s->read_write() ? CKR_USER_NOT_LOGGED_IN : CKR_SESSION_READ_ONLY, "init pin");
    }
  }
  // Without the slot mutex: wrapping under the new PIN derives a key from it, tens of ms by
  // design. The token checks the SO login again itself.
  return s->slot().token().InitPin(new_pin);
}

Result<void> SetPin(Module& m, CK_SESSION_HANDLE h, const CK_UTF8CHAR* old_pin, CK_ULONG old_len,
                    const CK_UTF8CHAR* new_pin, CK_ULONG new_len) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(SecretView old_view, PinView(old_pin, old_len));
  P11_ASSIGN_OR_RETURN(SecretView new_view, PinView(new_pin, new_len));
  if (!s->read_write()) return Fail(CKR_SESSION_READ_ONLY, "set pin");
  // The SO changes the SO PIN; the user, or a public session, the user PIN (§5.5 C_SetPIN).
  // The old PIN authorises the change, so the token's check runs without the slot mutex.
  const CK_USER_TYPE who = CurrentActor(s->slot()).so ? CKU_SO : CKU_USER;
  return s->slot().token().SetPin(who, old_view, new_view);
}

}  // namespace p11
