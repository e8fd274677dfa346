// §5.12–5.13 signatures with message recovery: C_SignRecover* and C_VerifyRecover*. Both are
// single-part operations with their own active-operation slot.
#include "slot/api.h"
#include "slot/call_context.h"

namespace p11 {

Result<void> SignRecoverInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                             CK_OBJECT_HANDLE key) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  if (s->sign_recover.active()) return Fail(CKR_OPERATION_ACTIVE, "sign recover");
  P11_ASSIGN_OR_RETURN(KeyUse use,
                       PrepareKeyUse(m, *s, mech, key, CKF_SIGN_RECOVER, CKA_SIGN_RECOVER));
  P11_ASSIGN_OR_RETURN(auto op,
                       s->slot().token().BeginSignRecover(*use.mechanism, use.param, use.key));
  s->sign_recover.Start(std::move(op), use.always_authenticate);
  return Ok();
}

Result<void> SignRecover(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                         CK_BYTE* sig, CK_ULONG* sig_len) {
  if (sig_len == nullptr || (in == nullptr && in_len != 0)) {
    return Fail(CKR_ARGUMENTS_BAD, "sign recover");
  }
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_TRY(EnterSinglePart(s->sign_recover));
  P11_TRY(CheckContextLogin(s->sign_recover));
  OutBuffer out(sig, sig_len);
  return Conclude(s->sign_recover, s->sign_recover.op->Sign(InView(in, in_len), out), true);
}

Result<void> VerifyRecoverInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                               CK_OBJECT_HANDLE key) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  if (s->verify_recover.active()) return Fail(CKR_OPERATION_ACTIVE, "verify recover");
  P11_ASSIGN_OR_RETURN(KeyUse use,
                       PrepareKeyUse(m, *s, mech, key, CKF_VERIFY_RECOVER, CKA_VERIFY_RECOVER));
  P11_ASSIGN_OR_RETURN(auto op,
                       s->slot().token().BeginVerifyRecover(*use.mechanism, use.param, use.key));
  s->verify_recover.Start(std::move(op), false);
  return Ok();
}

Result<void> VerifyRecover(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* sig, CK_ULONG sig_len,
                           CK_BYTE* out, CK_ULONG* out_len) {
  if (out_len == nullptr || (sig == nullptr && sig_len != 0)) {
    return Fail(CKR_ARGUMENTS_BAD, "verify recover");
  }
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_TRY(EnterSinglePart(s->verify_recover));
  OutBuffer buffer(out, out_len);
  return Conclude(s->verify_recover, s->verify_recover.op->Recover(InView(sig, sig_len), buffer),
                  true);
}

}  // namespace p11
