// The PKCS#11 3.0 message-based AEAD API (§5.11-5.12, C_EncryptMessage* / C_DecryptMessage*)
// for AES-GCM, AES-CCM and ChaCha20-Poly1305. One operation object serves many messages;
// each message brings its own parameter block, which a family-specific parser reads into
// MessageParams. Output is the ciphertext alone; the tag travels through the block's tag
// pointer (written when encrypting, read when decrypting), and a generated IV is written
// back through its IV pointer.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <span>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "mechanisms/operation.h"

namespace p11::aead {

// One message's parameter block, read. The spans point into the caller's memory.
struct MessageParams {
  std::span<uint8_t> iv;
  CK_ULONG iv_fixed_bits = 0;
  CK_GENERATOR_FUNCTION generator = CKG_NO_GENERATE;
  std::span<uint8_t> tag;
  size_t data_len = 0;  // CCM: the payload length
};

// Reads and validates a parameter block (CKR_MECHANISM_PARAM_INVALID when wrong).
using MessageParser = Result<MessageParams> (*)(std::span<uint8_t> raw);

// Checks the IV-generation fields every AES parameter block shares: a known generator, and
// fixed bits that leave room for what is generated.
Result<void> CheckGenerator(const MessageParams& params);

Result<std::unique_ptr<MessageCipherOperation>> NewMessageOp(const EVP_CIPHER* cipher, bool encrypt,
                                                             SecretView key, MessageParser parser);

}  // namespace p11::aead
