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
Result<Mechanism::GeneratedPair> Mechanism::GenerateKeyPairReady(ByteView param, Object& pub,
                                                                 Object& priv) const {
  P11_TRY(GenerateKeyPair(param, pub, priv));
  return GeneratedPair{};
}
Result<void> Mechanism::CompleteGenerated(const KeyMaterial&, Object*, Object*) const {
  return Fail(CKR_GENERAL_ERROR, "no pending values to complete");
}

Result<std::unique_ptr<SignOperation>> Mechanism::BeginSignRecover(ByteView,
                                                                   const KeyMaterial&) const {
  return Fail(CKR_MECHANISM_INVALID, "sign recover");
}
Result<std::unique_ptr<RecoverOperation>> Mechanism::BeginVerifyRecover(ByteView,
                                                                        const KeyMaterial&) const {
  return Fail(CKR_MECHANISM_INVALID, "verify recover");
}
Result<std::unique_ptr<MessageCipherOperation>> Mechanism::BeginMessageEncrypt(
    ByteView, const KeyMaterial&) const {
  return Fail(CKR_MECHANISM_INVALID, "message encrypt");
}
Result<std::unique_ptr<MessageCipherOperation>> Mechanism::BeginMessageDecrypt(
    ByteView, const KeyMaterial&) const {
  return Fail(CKR_MECHANISM_INVALID, "message decrypt");
}
Result<void> Mechanism::Derive(ByteView, const KeyMaterial&, Object&) const {
  return Fail(CKR_MECHANISM_INVALID, "derive");
}
Result<void> Mechanism::Wrap(ByteView, const KeyMaterial&, SecretView, OutBuffer&) const {
  return Fail(CKR_MECHANISM_INVALID, "wrap");
}
Result<SecureBuffer> Mechanism::Unwrap(ByteView, const KeyMaterial&, ByteView) const {
  return Fail(CKR_MECHANISM_INVALID, "unwrap");
}

}  // namespace p11
