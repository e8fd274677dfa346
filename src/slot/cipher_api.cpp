// §5.8–5.9 encryption and decryption. Output goes straight into the caller's buffer; the
// operation objects own the length protocol through OutBuffer.
#include "slot/api.h"
#include "slot/call_context.h"

namespace p11 {
namespace {

Result<void> CipherInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                        CK_OBJECT_HANDLE key, bool encrypt) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  OpSlot<CipherOperation>& slot = encrypt ? s->encrypt : s->decrypt;
  if (slot.active()) return Fail(CKR_OPERATION_ACTIVE, "cipher");
  P11_ASSIGN_OR_RETURN(KeyUse use,
                       PrepareKeyUse(m, *s, mech, key, encrypt ? CKF_ENCRYPT : CKF_DECRYPT,
                                     encrypt ? CKA_ENCRYPT : CKA_DECRYPT));
  TokenBackend& token = s->slot().token();
  P11_ASSIGN_OR_RETURN(auto op, encrypt ? token.BeginEncrypt(*use.mechanism, use.param, use.key)
                                        : token.BeginDecrypt(*use.mechanism, use.param, use.key));
  slot.Start(std::move(op), !encrypt && use.always_authenticate);
  return Ok();
}

Result<void> CipherOneShot(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                           CK_BYTE* out, CK_ULONG* out_len, bool encrypt) {
  if (out_len == nullptr || (in == nullptr && in_len != 0)) {
    return Fail(CKR_ARGUMENTS_BAD, "cipher");
  }
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  OpSlot<CipherOperation>& slot = encrypt ? s->encrypt : s->decrypt;
  P11_TRY(EnterSinglePart(slot));
  P11_TRY(CheckContextLogin(slot));
  OutBuffer buffer(out, out_len);
  return Conclude(slot, slot.op->OneShot(InView(in, in_len), buffer), true);
}

Result<void> CipherUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                          CK_BYTE* out, CK_ULONG* out_len, bool encrypt) {
  if (out_len == nullptr || (in == nullptr && in_len != 0)) {
    return Fail(CKR_ARGUMENTS_BAD, "cipher update");
  }
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  OpSlot<CipherOperation>& slot = encrypt ? s->encrypt : s->decrypt;
  P11_TRY(EnterMultiPart(slot));
  P11_TRY(CheckContextLogin(slot));
  OutBuffer buffer(out, out_len);
  return Conclude(slot, slot.op->Update(InView(in, in_len), buffer), false);
}

Result<void> CipherFinal(Module& m, CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG* out_len,
                         bool encrypt) {
  if (out_len == nullptr) return Fail(CKR_ARGUMENTS_BAD, "cipher final");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  OpSlot<CipherOperation>& slot = encrypt ? s->encrypt : s->decrypt;
  P11_TRY(EnterMultiPart(slot));
  P11_TRY(CheckContextLogin(slot));
  OutBuffer buffer(out, out_len);
  return Conclude(slot, slot.op->Final(buffer), true);
}

}  // namespace

Result<void> EncryptInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                         CK_OBJECT_HANDLE key) {
  return CipherInit(m, h, mech, key, true);
}
Result<void> Encrypt(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                     CK_BYTE* out, CK_ULONG* out_len) {
  return CipherOneShot(m, h, in, in_len, out, out_len, true);
}
Result<void> EncryptUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                           CK_BYTE* out, CK_ULONG* out_len) {
  return CipherUpdate(m, h, in, in_len, out, out_len, true);
}
Result<void> EncryptFinal(Module& m, CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG* out_len) {
  return CipherFinal(m, h, out, out_len, true);
}
Result<void> DecryptInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                         CK_OBJECT_HANDLE key) {
  return CipherInit(m, h, mech, key, false);
}
Result<void> Decrypt(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                     CK_BYTE* out, CK_ULONG* out_len) {
  return CipherOneShot(m, h, in, in_len, out, out_len, false);
}
Result<void> DecryptUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                           CK_BYTE* out, CK_ULONG* out_len) {
  return CipherUpdate(m, h, in, in_len, out, out_len, false);
}
Result<void> DecryptFinal(Module& m, CK_SESSION_HANDLE h, CK_BYTE* out, CK_ULONG* out_len) {
  return CipherFinal(m, h, out, out_len, false);
}

}  // namespace p11
