// §5.15 dual-function operations: one call drives two active multi-part operations of the
// session. The cipher side runs first; the digest/sign/verify side sees the plaintext only
// when the cipher call produced output (not on a length query or a short buffer).
#include "slot/api.h"
#include "slot/call_context.h"

namespace p11 {
namespace {

enum class Second { kDigest, kSign, kVerify };

Result<void> FeedSecond(Session& s, Second second, ByteView plaintext) {
  switch (second) {
    case Second::kDigest:
      return Conclude(s.digest, s.digest.op->Update(plaintext), false);
    case Second::kSign:
      return Conclude(s.sign, s.sign.op->Update(plaintext), false);
    case Second::kVerify:
      return Conclude(s.verify, s.verify.op->Update(plaintext), false);
  }
  return Fail(CKR_GENERAL_ERROR, "dual");
}

Result<void> EnterSecond(Session& s, Second second) {
  switch (second) {
    case Second::kDigest:
      return EnterMultiPart(s.digest);
    case Second::kSign:
      P11_TRY(EnterMultiPart(s.sign));
      return CheckContextLogin(s.sign);
    case Second::kVerify:
      return EnterMultiPart(s.verify);
  }
  return Fail(CKR_GENERAL_ERROR, "dual");
}

Result<void> DualUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                        CK_BYTE* out, CK_ULONG* out_len, bool encrypt, Second second) {
  if (out_len == nullptr || (in == nullptr && in_len != 0)) {
    return Fail(CKR_ARGUMENTS_BAD, "dual update");
  }
  P11_ASSIGN_OR_RETURN(LockedSession s, LockSession(m, h));
  OpSlot<CipherOperation>& cipher = encrypt ? s->encrypt : s->decrypt;
  P11_TRY(EnterMultiPart(cipher));
  P11_TRY(EnterSecond(*s, second));
  OutBuffer buffer(out, out_len);
  P11_TRY(Conclude(cipher, cipher.op->Update(InView(in, in_len), buffer), false));
  // Encrypting: the second operation takes the plaintext input; decrypting: the output.
  ByteView plaintext = encrypt ? InView(in, in_len) : InView(out, *out_len);
  return FeedSecond(*s, second, plaintext);
}

}  // namespace

Result<void> DigestEncryptUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                                 CK_BYTE* out, CK_ULONG* out_len) {
  return DualUpdate(m, h, in, in_len, out, out_len, true, Second::kDigest);
}
Result<void> DecryptDigestUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                                 CK_BYTE* out, CK_ULONG* out_len) {
  return DualUpdate(m, h, in, in_len, out, out_len, false, Second::kDigest);
}
Result<void> SignEncryptUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                               CK_BYTE* out, CK_ULONG* out_len) {
  return DualUpdate(m, h, in, in_len, out, out_len, true, Second::kSign);
}
Result<void> DecryptVerifyUpdate(Module& m, CK_SESSION_HANDLE h, const CK_BYTE* in, CK_ULONG in_len,
                                 CK_BYTE* out, CK_ULONG* out_len) {
  return DualUpdate(m, h, in, in_len, out, out_len, false, Second::kVerify);
}

}  // namespace p11
