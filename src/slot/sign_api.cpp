// §5.12–5.13 signing and MACing, verification.
#include "slot/api.h"
#include "slot/call_context.h"

namespace p11 {

Result<void> SignInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                      CK_OBJECT_HANDLE key) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  if (s->sign.active()) return Fail(CKR_OPERATION_ACTIVE, "sign");
  P11_ASSIGN_OR_RETURN(KeyUse use, PrepareKeyUse(m, *s, mech, key, CKF_SIGN, CKA_SIGN));
  P11_ASSIGN_OR_RETURN(auto op, s->slot().token().BeginSign(*use.mechanism, use.param, use.key));
  s->sign.Start(std::move(op), use.always_authenticate);
  return Ok();
}

Result<void> Sign(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len, CK_BYTE* sig,
                  CK_ULONG* sig_len) {
  if (sig_len == nullptr || (in == nullptr && in_len != 0)) return Fail(CKR_ARGUMENTS_BAD, "sign");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_TRY(EnterSinglePart(s->sign));
  P11_TRY(CheckContextLogin(s->sign));
  OutBuffer out(sig, sig_len);
  return Conclude(s->sign, s->sign.op->Sign(InView(in, in_len), out), true);
}

Result<void> SignUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len) {
  if (in == nullptr && in_len != 0) return Fail(CKR_ARGUMENTS_BAD, "sign update");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_TRY(EnterMultiPart(s->sign));
  P11_TRY(CheckContextLogin(s->sign));
  return Conclude(s->sign, s->sign.op->Update(InView(in, in_len)), false);
}

Result<void> SignFinal(Module& m, CK_SESSION_HANDLE h, CK_BYTE* sig, CK_ULONG* sig_len) {
  if (sig_len == nullptr) return Fail(CKR_ARGUMENTS_BAD, "sign final");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_TRY(EnterMultiPart(s->sign));
  P11_TRY(CheckContextLogin(s->sign));
  OutBuffer out(sig, sig_len);
  return Conclude(s->sign, s->sign.op->Final(out), true);
}

Result<void> VerifyInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                        CK_OBJECT_HANDLE key) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  if (s->verify.active()) return Fail(CKR_OPERATION_ACTIVE, "verify");
  P11_ASSIGN_OR_RETURN(KeyUse use, PrepareKeyUse(m, *s, mech, key, CKF_VERIFY, CKA_VERIFY));
  P11_ASSIGN_OR_RETURN(auto op, s->slot().token().BeginVerify(*use.mechanism, use.param, use.key));
  s->verify.Start(std::move(op), false);
  return Ok();
}

Result<void> Verify(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                    const CK_BYTE* sig, CK_ULONG sig_len) {
  if ((in == nullptr && in_len != 0) || (sig == nullptr && sig_len != 0)) {
    return Fail(CKR_ARGUMENTS_BAD, "verify");
  }
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_TRY(EnterSinglePart(s->verify));
  return Conclude(s->verify, s->verify.op->Verify(InView(in, in_len), InView(sig, sig_len)), true);
}

Result<void> VerifyUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len) {
  if (in == nullptr && in_len != 0) return Fail(CKR_ARGUMENTS_BAD, "verify update");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_TRY(EnterMultiPart(s->verify));
  return Conclude(s->verify, s->verify.op->Update(InView(in, in_len)), false);
}

Result<void> VerifyFinal(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* sig, CK_ULONG sig_len) {
  if (sig == nullptr && sig_len != 0) return Fail(CKR_ARGUMENTS_BAD, "verify final");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_TRY(EnterMultiPart(s->verify));
  return Conclude(s->verify, s->verify.op->Final(InView(sig, sig_len)), true);
}

}  // namespace p11
