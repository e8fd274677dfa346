#include "slot/session.h"

namespace p11 {

CK_STATE Session::State_inlock() const {
  switch (slot_->login_inlock()) {
    case CKU_SO:
      return CKS_RW_SO_FUNCTIONS;
    case CKU_USER:
      return read_write() ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
    default:
      return read_write() ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
  }
}

void Session::ResetOperations() {
  digest.Reset();
  sign.Reset();
  verify.Reset();
  encrypt.Reset();
  decrypt.Reset();
  sign_recover.Reset();
  verify_recover.Reset();
  message_encrypt.Reset();
  message_decrypt.Reset();
  message_sign = MessageSigning();
  message_verify = MessageSigning();
  find = FindState();
}

}  // namespace p11
