// §5.10 message digesting.
#include "slot/api.h"
#include "slot/call_context.h"

namespace p11 {

Result<void> DigestInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  if (s->digest.active()) return Fail(CKR_OPERATION_ACTIVE, "digest");
  P11_ASSIGN_OR_RETURN(const Mechanism* mechanism, FindMechanism(*s, mech, CKF_DIGEST));
  P11_ASSIGN_OR_RETURN(auto op, mechanism->BeginDigest(ParamView(*mech)));
  s->digest.Start(std::move(op), false);
  return Ok();
}

Result<void> Digest(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                    CK_BYTE* out, CK_ULONG* out_len) {
  if (out_len == nullptr || (in == nullptr && in_len != 0)) {
    return Fail(CKR_ARGUMENTS_BAD, "digest");
  }
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_TRY(EnterSinglePart(s->digest));
  OutBuffer buffer(out, out_len);
  return Conclude(s->digest, s->digest.op->Digest(InView(in, in_len), buffer), true);
}

Result<void> DigestUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len) {
  if (in == nullptr && in_len != 0) return Fail(CKR_ARGUMENTS_BAD, "digest update");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_TRY(EnterMultiPart(s->digest));
  return Conclude(s->digest, s->digest.op->Update(InView(in, in_len)), false);
}

Result<void> DigestKey(Module& m, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_TRY(EnterMultiPart(s->digest));
  Result<ResolvedObject> obj = ResolveObject(m, *s, key, CKR_KEY_HANDLE_INVALID);
  if (!obj.ok()) return Conclude(s->digest, obj.error(), false);
  // Only a secret key's value can be digested; the value never leaves through this call.
  if (obj->object->Class() != CKO_SECRET_KEY || !obj->object->Has(CKA_VALUE)) {
    return Conclude(s->digest, Fail(CKR_KEY_INDIGESTIBLE, "digest key"), false);
  }
  SecretView value{obj->object->GetBytes(CKA_VALUE)};
  return Conclude(s->digest, s->digest.op->UpdateKey(value), false);
}

Result<void> DigestFinal(Module& m, CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG* out_len) {
  if (out_len == nullptr) return Fail(CKR_ARGUMENTS_BAD, "digest final");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_TRY(EnterMultiPart(s->digest));
  OutBuffer buffer(out, out_len);
  return Conclude(s->digest, s->digest.op->Final(buffer), true);
}

}  // namespace p11
