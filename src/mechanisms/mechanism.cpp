#include "mechanisms/mechanism.h"

namespace p11 {

Result<std::unique_ptr<DigestOperation>> Mechanism::BeginDigest(ByteView) const {
  return Fail(CKR_MECHANISM_INVALID, "digest");
}
Result<std::unique_ptr<SignOperation>> Mechanism::BeginSign(ByteView, const KeyMaterial&) const {
  return Fail(CKR_MECHANISM_INVALID, "sign");
}
Result<std::unique_ptr<VerifyOperation>> Mechanism::BeginVerify(ByteView,
                                                                const KeyMaterial&) const {
  return Fail(CKR_MECHANISM_INVALID, "verify");
}
Result<std::unique_ptr<CipherOperation>> Mechanism::BeginEncrypt(ByteView,
                                                                 const KeyMaterial&) const {
  return Fail(CKR_MECHANISM_INVALID, "encrypt");
}
Result<std::unique_ptr<CipherOperation>> Mechanism::BeginDecrypt(ByteView,
                                                                 const KeyMaterial&) const {
  return Fail(CKR_MECHANISM_INVALID, "decrypt");
}
Result<void> Mechanism::GenerateKey(ByteView, Object&) const {
  return Fail(CKR_MECHANISM_INVALID, "generate key");
}
Result<void> Mechanism::GenerateKeyPair(ByteView, Object&, Object&) const {
  return Fail(CKR_MECHANISM_INVALID, "generate key pair");
}

}  // namespace p11
