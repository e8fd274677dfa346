// §5.13 message-based signing and verification (PKCS#11 3.0). Each message is an ordinary
// signature with the key and mechanism fixed at C_MessageSignInit, so every signing
// mechanism supports it through its BeginSign / BeginVerify; a message's own parameter
// block, when given, replaces the one given at init.
#include "slot/api.h"
#include "slot/call_context.h"

namespace p11 {
namespace {

ByteView MessageParam(const MessageSigning& state, CK_VOID_PTR param, CK_ULONG len) {
  if (param == nullptr || len == 0) return state.init_param;
  return ByteView(static_cast<const uint8_t*>(param), len);
}

Result<void> InitMessageSigning(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                                CK_OBJECT_HANDLE key, bool sign) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  MessageSigning& state = sign ? s->message_sign : s->message_verify;
  if (state.active) return Fail(CKR_OPERATION_ACTIVE, "message sign");
  P11_ASSIGN_OR_RETURN(KeyUse use,
                       PrepareKeyUse(m, *s, mech, key, sign ? CKF_MESSAGE_SIGN : CKF_MESSAGE_VERIFY,
                                     sign ? CKA_SIGN : CKA_VERIFY));
  state = MessageSigning();
  state.active = true;
  state.mechanism = use.mechanism;
  state.init_param.assign(use.param.begin(), use.param.end());
  state.key = use.key;
  return Ok();
}

Result<MessageSigning*> ActiveState(Session& s, bool sign) {
  MessageSigning& state = sign ? s.message_sign : s.message_verify;
  if (!state.active) return Fail(CKR_OPERATION_NOT_INITIALIZED, "message sign");
  return &state;
}

Result<void> EndMessageSigning(Module& m, CK_SESSION_HANDLE h, bool sign) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(MessageSigning * state, ActiveState(*s, sign));
  *state = MessageSigning();
  return Ok();
}

}  // namespace

Result<void> MessageSignInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                             CK_OBJECT_HANDLE key) {
  return InitMessageSigning(m, h, mech, key, true);
}

Result<void> SignMessage(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
                         const CK_BYTE* data, CK_ULONG data_len, CK_BYTE* sig, CK_ULONG* sig_len) {
  if (sig_len == nullptr || (data == nullptr && data_len != 0)) {
    return Fail(CKR_ARGUMENTS_BAD, "sign message");
  }
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(MessageSigning * state, ActiveState(*s, true));
  if (state->sign) return Fail(CKR_OPERATION_ACTIVE, "a message is under way");
  P11_ASSIGN_OR_RETURN(
      auto op, s->slot().token().BeginSign(*state->mechanism,
                                           MessageParam(*state, param, param_len), state->key));
  OutBuffer out(sig, sig_len);
  return op->Sign(InView(data, data_len), out);
}

Result<void> SignMessageBegin(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param,
                              CK_ULONG param_len) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(MessageSigning * state, ActiveState(*s, true));
  P11_ASSIGN_OR_RETURN(
      state->sign, s->slot().token().BeginSign(*state->mechanism,
                                               MessageParam(*state, param, param_len), state->key));
  state->last_part_fed = false;
  return Ok();
}

// A NULL pulSignatureLen means more parts follow; otherwise this is the last part and the
// signature is returned (with the usual length protocol, the data fed only once).
Result<void> SignMessageNext(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG,
                             const CK_BYTE* data, CK_ULONG data_len, CK_BYTE* sig,
                             CK_ULONG* sig_len) {
  if (data == nullptr && data_len != 0) return Fail(CKR_ARGUMENTS_BAD, "sign message next");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(MessageSigning * state, ActiveState(*s, true));
  if (!state->sign) return Fail(CKR_OPERATION_NOT_INITIALIZED, "no message begun");
  if (!state->last_part_fed) {
    Result<void> fed = state->sign->Update(InView(data, data_len));
    if (!fed.ok()) {
      state->EndMessage();
      return fed;
    }
  }
  if (sig_len == nullptr) return Ok();
  state->last_part_fed = true;
  OutBuffer out(sig, sig_len);
  Result<void> done = state->sign->Final(out);
  if (done.ok() || !KeepsOperation(done.error())) state->EndMessage();
  return done;
}

Result<void> MessageSignFinal(Module& m, CK_SESSION_HANDLE h) {
  return EndMessageSigning(m, h, true);
}

Result<void> MessageVerifyInit(Module& m, CK_SESSION_HANDLE h, const CK_MECHANISM* mech,
                               CK_OBJECT_HANDLE key) {
  return InitMessageSigning(m, h, mech, key, false);
}

Result<void> VerifyMessage(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param, CK_ULONG param_len,
                           const CK_BYTE* data, CK_ULONG data_len, const CK_BYTE* sig,
                           CK_ULONG sig_len) {
  if ((data == nullptr && data_len != 0) || (sig == nullptr && sig_len != 0)) {
    return Fail(CKR_ARGUMENTS_BAD, "verify message");
  }
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(MessageSigning * state, ActiveState(*s, false));
  if (state->verify) return Fail(CKR_OPERATION_ACTIVE, "a message is under way");
  P11_ASSIGN_OR_RETURN(
      auto op, s->slot().token().BeginVerify(*state->mechanism,
                                             MessageParam(*state, param, param_len), state->key));
  return op->Verify(InView(data, data_len), InView(sig, sig_len));
}

Result<void> VerifyMessageBegin(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR param,
                                CK_ULONG param_len) {
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(MessageSigning * state, ActiveState(*s, false));
  P11_ASSIGN_OR_RETURN(state->verify,
                       s->slot().token().BeginVerify(
                           *state->mechanism, MessageParam(*state, param, param_len), state->key));
  return Ok();
}

// A NULL pSignature means more parts follow; otherwise the signature is checked.
Result<void> VerifyMessageNext(Module& m, CK_SESSION_HANDLE h, CK_VOID_PTR, CK_ULONG,
                               const CK_BYTE* data, CK_ULONG data_len, const CK_BYTE* sig,
                               CK_ULONG sig_len) {
  if (data == nullptr && data_len != 0) return Fail(CKR_ARGUMENTS_BAD, "verify message next");
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  P11_ASSIGN_OR_RETURN(MessageSigning * state, ActiveState(*s, false));
  if (!state->verify) return Fail(CKR_OPERATION_NOT_INITIALIZED, "no message begun");
  Result<void> fed = state->verify->Update(InView(data, data_len));
  if (!fed.ok() || sig == nullptr) {
    if (!fed.ok()) state->EndMessage();
    return fed;
  }
  Result<void> done = state->verify->Final(InView(sig, sig_len));
  state->EndMessage();
  return done;
}

Result<void> MessageVerifyFinal(Module& m, CK_SESSION_HANDLE h) {
  return EndMessageSigning(m, h, false);
}

}  // namespace p11
