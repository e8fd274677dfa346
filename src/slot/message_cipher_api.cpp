// §5.11 message-based encryption and decryption (PKCS#11 3.0): one C_MessageEncryptInit,
// then any number of messages, each with its own parameter block (IV, tag) and AAD, until
// C_MessageEncryptFinal. An error in one message does not end the operation.
#include "slot/api.h"
#include "slot/call_context.h"

namespace p11 {
namespace {

OpSlot<MessageCipherOperation>& Slot(Session& s, bool encrypt) {
  return encrypt ? s.message_encrypt : s.message_decrypt;
}

Result<std::span<uint8_t>> ParamSpan(CK_VOID_PTR param, CK_ULONG len) {
  if (param == nullptr) {
    if (len != 0) return Fail(CKR_ARGUMENTS_BAD, "message parameter");
    return std::span<uint8_t>();
  }
  return std::span<uint8_t>(static_cast<uint8_t*>(param), len);
}

Result<void> MessageInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                         CK_OBJECT_HANDLE key, bool encrypt) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  OpSlot<MessageCipherOperation>& slot = Slot(*s, encrypt);
  if (slot.active()) return Fail(CKR_OPERATION_ACTIVE, "message cipher");
  P11_ASSIGN_OR_RETURN(
      KeyUse use,
      PrepareKeyUse(m, *s, mech, key, encrypt ? CKF_MESSAGE_ENCRYPT : CKF_MESSAGE_DECRYPT,
                    encrypt ? CKA_ENCRYPT : CKA_DECRYPT));
  TokenBackend& token = s->slot().token();
  P11_ASSIGN_OR_RETURN(auto op,
                       encrypt ? token.BeginMessageEncrypt(*use.mechanism, use.param, use.key)
                               : token.BeginMessageDecrypt(*use.mechanism, use.param, use.key));
  slot.Start(std::move(op), !encrypt && use.always_authenticate);
  return Ok();
}

Result<void> OneMessage(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
                        const CK_BYTE* aad, CK_ULONG aad_len, const CK_BYTE* in, CK_ULONG in_len,
                        CK_BYTE* out, CK_ULONG* out_len, bool encrypt) {
  if (out_len == nullptr || (aad == nullptr && aad_len != 0) || (in == nullptr && in_len != 0)) {
    return Fail(CKR_ARGUMENTS_BAD, "message");
  }
  P11_ASSIGN_OR_RETURN(std::span<uint8_t> params, ParamSpan(param, param_len));
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  OpSlot<MessageCipherOperation>& slot = Slot(*s, encrypt);
  if (!slot.active()) return Fail(CKR_OPERATION_NOT_INITIALIZED, "message");
  OutBuffer buffer(out, out_len);
  return slot.op->Message(params, InView(aad, aad_len), InView(in, in_len), buffer);
}

Result<void> MessageBegin(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
                          const CK_BYTE* aad, CK_ULONG aad_len, bool encrypt) {
  if (aad == nullptr && aad_len != 0) return Fail(CKR_ARGUMENTS_BAD, "aad");
  P11_ASSIGN_OR_RETURN(std::span<uint8_t> params, ParamSpan(param, param_len));
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  OpSlot<MessageCipherOperation>& slot = Slot(*s, encrypt);
  if (!slot.active()) return Fail(CKR_OPERATION_NOT_INITIALIZED, "message begin");
  return slot.op->Begin(params, InView(aad, aad_len));
}

Result<void> MessageNext(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
                         const CK_BYTE* in, CK_ULONG in_len, CK_BYTE* out, CK_ULONG* out_len,
                         CK_FLAGS flags, bool encrypt) {
  if (out_len == nullptr || (in == nullptr && in_len != 0)) {
    return Fail(CKR_ARGUMENTS_BAD, "message next");
  }
  P11_ASSIGN_OR_RETURN(std::span<uint8_t> params, ParamSpan(param, param_len));
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  OpSlot<MessageCipherOperation>& slot = Slot(*s, encrypt);
  if (!slot.active()) return Fail(CKR_OPERATION_NOT_INITIALIZED, "message next");
  OutBuffer buffer(out, out_len);
  return slot.op->Next(params, InView(in, in_len), buffer, (flags & CKF_END_OF_MESSAGE) != 0);
}

Result<void> MessageFinal(Module& m, CK_SESSION_HANDLE h, bool encrypt) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  OpSlot<MessageCipherOperation>& slot = Slot(*s, encrypt);
  if (!slot.active()) return Fail(CKR_OPERATION_NOT_INITIALIZED, "message final");
  slot.Reset();
  return Ok();
}

}  // namespace

Result<void> MessageEncryptInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                                CK_OBJECT_HANDLE key) {
  return MessageInit(m, h, mech, key, true);
}
Result<void> EncryptMessage(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
                            const CK_BYTE* aad, CK_ULONG aad_len, const CK_BYTE* in,
                            CK_ULONG in_len, CK_BYTE* out, CK_ULONG* out_len) {
  return OneMessage(m, h, param, param_len, aad, aad_len, in, in_len, out, out_len, true);
}
Result<void> EncryptMessageBegin(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param,
                                 CK_ULONG param_len, const CK_BYTE* aad, CK_ULONG aad_len) {
  return MessageBegin(m, h, param, param_len, aad, aad_len, true);
}
Result<void> EncryptMessageNext(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param,
                                CK_ULONG param_len, const CK_BYTE* in, CK_ULONG in_len,
                                CK_BYTE* out, CK_ULONG* out_len, CK_FLAGS flags) {
  return MessageNext(m, h, param, param_len, in, in_len, out, out_len, flags, true);
}
Result<void> MessageEncryptFinal(Module& m, CK_SESSION_HANDLE h) {
  return MessageFinal(m, h, true);
}
Result<void> MessageDecryptInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                                CK_OBJECT_HANDLE key) {
  return MessageInit(m, h, mech, key, false);
}
Result<void> DecryptMessage(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
                            const CK_BYTE* aad, CK_ULONG aad_len, const CK_BYTE* in,
                            CK_ULONG in_len, CK_BYTE* out, CK_ULONG* out_len) {
  return OneMessage(m, h, param, param_len, aad, aad_len, in, in_len, out, out_len, false);
}
Result<void> DecryptMessageBegin(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param,
                                 CK_ULONG param_len, const CK_BYTE* aad, CK_ULONG aad_len) {
  return MessageBegin(m, h, param, param_len, aad, aad_len, false);
}
Result<void> DecryptMessageNext(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param,
                                CK_ULONG param_len, const CK_BYTE* in, CK_ULONG in_len,
                                CK_BYTE* out, CK_ULONG* out_len, CK_FLAGS flags) {
  return MessageNext(m, h, param, param_len, in, in_len, out, out_len, flags, false);
}
Result<void> MessageDecryptFinal(Module& m, CK_SESSION_HANDLE h) {
  return MessageFinal(m, h, false);
}

}  // namespace p11
