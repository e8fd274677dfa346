// TwoWayCipherMechanism: a cipher mechanism whose encryption and decryption differ only in
// direction. A family implements Begin (and, for AEADs, BeginMessage) once for both; the four
// PKCS#11-facing entry points forward here instead of being repeated in every family.
#pragma once

#include <memory>

#include "mechanisms/mechanism.h"

namespace p11 {

class TwoWayCipherMechanism : public Mechanism {
 public:
  using Mechanism::Mechanism;

  Result<std::unique_ptr<CipherOperation>> BeginEncrypt(ByteView param,
                                                        const KeyMaterial& key) const override {
    return Begin(param, key, true);
  }
  Result<std::unique_ptr<CipherOperation>> BeginDecrypt(ByteView param,
                                                        const KeyMaterial& key) const override {
    return Begin(param, key, false);
  }
  Result<std::unique_ptr<MessageCipherOperation>> BeginMessageEncrypt(
      ByteView param, const KeyMaterial& key) const override {
    return BeginMessage(param, key, true);
  }
  Result<std::unique_ptr<MessageCipherOperation>> BeginMessageDecrypt(
      ByteView param, const KeyMaterial& key) const override {
    return BeginMessage(param, key, false);
  }

 protected:
  virtual Result<std::unique_ptr<CipherOperation>> Begin(ByteView param, const KeyMaterial& key,
                                                         bool encrypt) const = 0;
  // Mechanisms without the message-based API keep this default.
  virtual Result<std::unique_ptr<MessageCipherOperation>> BeginMessage(ByteView, const KeyMaterial&,
                                                                       bool) const {
    return Fail(CKR_MECHANISM_INVALID, "message cipher");
  }
};

}  // namespace p11
