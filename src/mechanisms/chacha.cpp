// ChaCha20 (PKCS#11 3.1 §6.60-6.62: CKK_CHACHA20, CKM_CHACHA20_KEY_GEN, CKM_CHACHA20 with
// CK_CHACHA20_PARAMS) and ChaCha20-Poly1305 (§6.63, RFC 8439 AEAD: CKM_CHACHA20_POLY1305 with
// CK_SALSA20_CHACHA20_POLY1305_PARAMS, and CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS for the
// message-based API). Keys are 32 bytes.
//
// OpenSSL's "ChaCha20" takes a 16-byte IV that is state words 12-15 as bytes: the block
// counter and the nonce, little-endian words. Both PKCS#11 layouts fit it, with the counter
// bytes taken as they sit in the state (little-endian):
//   32-bit counter, 96-bit nonce (RFC 8439):        IV = counter[4] || nonce[12]
//   64-bit counter, 64-bit nonce (original ChaCha): IV = counter[8] || nonce[8]
// OpenSSL carries a 32-bit counter overflow into word 13, which is the 64-bit layout's
// counter but the RFC layout's nonce, so the RFC layout may not run past 2^32 blocks.
#include <openssl/evp.h>

#include <cstring>

#include "mechanisms/aead_cipher.h"
#include "mechanisms/aead_message.h"
#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"
#include "mechanisms/sym_cipher.h"
#include "mechanisms/sym_common.h"
#include "mechanisms/two_way_cipher.h"

namespace p11 {
namespace {

constexpr CK_ULONG kKeyBytes = 32;
constexpr size_t kChachaBlock = 64;
constexpr size_t kPolyNonceBytes = 12;
constexpr size_t kPolyTagBytes = 16;

enum class Kind { kKeyGen, kStream, kAead };

struct ChachaRow {
  CK_MECHANISM_TYPE type;
  Kind kind;
  const char* cipher;
  CK_MECHANISM_INFO info;  // sizes in bytes
};

constexpr ChachaRow kChachas[] = {
    {CKM_CHACHA20_KEY_GEN, Kind::kKeyGen, nullptr, {kKeyBytes, kKeyBytes, CKF_GENERATE}},
    {CKM_CHACHA20, Kind::kStream, "ChaCha20", {kKeyBytes, kKeyBytes, CKF_ENCRYPT | CKF_DECRYPT}},
    {CKM_CHACHA20_POLY1305,
     Kind::kAead,
     "ChaCha20-Poly1305",
     {kKeyBytes, kKeyBytes, CKF_ENCRYPT | CKF_DECRYPT | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT}},
};

struct StreamStart {
  uint8_t iv[16];
  uint64_t blocks_left;
};

// CK_CHACHA20_PARAMS → OpenSSL's IV and the keystream blocks left before the counter wraps.
Result<StreamStart> ParseChachaParams(ByteView param) {
  P11_ASSIGN_OR_RETURN(CK_CHACHA20_PARAMS p, ParamAs<CK_CHACHA20_PARAMS>(param));
  bool rfc = p.blockCounterBits == 32 && p.ulNonceBits == 96;
  bool original = p.blockCounterBits == 64 && p.ulNonceBits == 64;
  if ((!rfc && !original) || p.pBlockCounter == nullptr || p.pNonce == nullptr) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "ChaCha20 counter or nonce");
  }
  size_t counter_bytes = p.blockCounterBits / 8;
  StreamStart start{};
  std::memcpy(start.iv, p.pBlockCounter, counter_bytes);
  std::memcpy(start.iv + counter_bytes, p.pNonce, sizeof start.iv - counter_bytes);
  uint64_t counter = 0;
  for (size_t i = counter_bytes; i-- > 0;) counter = counter << 8 | start.iv[i];
  // Capped at 2^60 blocks, far beyond any buffer.
  constexpr uint64_t kCap = uint64_t{1} << 60;
  if (rfc) {
    start.blocks_left = (uint64_t{1} << 32) - counter;
  } else {
    start.blocks_left = counter > ~kCap ? ~counter + 1 : kCap;
  }
  return start;
}

Result<aead::Setup> ParsePolyParams(ByteView param) {
  P11_ASSIGN_OR_RETURN(auto p, ParamAs<CK_SALSA20_CHACHA20_POLY1305_PARAMS>(param));
  // A 64-bit nonce has two incompatible readings (zero-prefixed RFC 8439, or the original
  // construction with its own length encoding), so only the RFC 8439 nonce is accepted.
  if (p.pNonce == nullptr || p.ulNonceLen != kPolyNonceBytes) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "ChaCha20-Poly1305 nonce");
  }
  if (p.pAAD == nullptr && p.ulAADLen != 0) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "ChaCha20-Poly1305 AAD");
  }
  return aead::Setup{ByteView(p.pNonce, p.ulNonceLen), ByteView(p.pAAD, p.ulAADLen), kPolyTagBytes,
                     0};
}

Result<aead::MessageParams> ParsePolyMessageParams(std::span<uint8_t> raw) {
  P11_ASSIGN_OR_RETURN(auto p, ParamAs<CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS>(raw));
  if (p.pNonce == nullptr || p.ulNonceLen != kPolyNonceBytes || p.pTag == nullptr) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "ChaCha20-Poly1305 message parameters");
  }
  aead::MessageParams m;
  m.iv = std::span<uint8_t>(p.pNonce, p.ulNonceLen);
  m.tag = std::span<uint8_t>(p.pTag, kPolyTagBytes);
  return m;
}

class ChachaMechanism final : public TwoWayCipherMechanism {
 public:
  ChachaMechanism(const ChachaRow& row, ossl::UniquePtr<EVP_CIPHER> cipher)
      : TwoWayCipherMechanism(row.type, row.info), kind_(row.kind), cipher_(std::move(cipher)) {}

  bool AcceptsKeyType(CK_KEY_TYPE type) const override {
    return kind_ != Kind::kKeyGen && type == CKK_CHACHA20;
  }
  CK_KEY_TYPE GeneratedKeyType() const override {
    return kind_ == Kind::kKeyGen ? CKK_CHACHA20 : CK_UNAVAILABLE_INFORMATION;
  }

  // CKA_VALUE_LEN may be left out (the size is fixed) but, if given, must be 32.
  Result<void> GenerateKey(ByteView param, Object& key) const override {
    if (kind_ != Kind::kKeyGen) return CKR_MECHANISM_INVALID;
    if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "key gen takes no parameter");
    if (!key.Has(CKA_VALUE_LEN)) key.SetUlong(CKA_VALUE_LEN, kKeyBytes);
    P11_ASSIGN_OR_RETURN(CK_ULONG len, sym::ValueLenForGenerate(key, CKK_CHACHA20));
    if (len != kKeyBytes) return Fail(CKR_KEY_SIZE_RANGE, "ChaCha20 CKA_VALUE_LEN");
    return sym::FillRandomValue(key, len);
  }

 private:
  Result<std::unique_ptr<CipherOperation>> Begin(ByteView param, const KeyMaterial& key,
                                                 bool encrypt) const override {
    if (kind_ == Kind::kKeyGen) return CKR_MECHANISM_INVALID;
    if (kind_ == Kind::kAead) {
      P11_ASSIGN_OR_RETURN(aead::Setup setup, ParsePolyParams(param));
      P11_TRY(sym::CheckSecretKey(*this, key));
      return aead::NewCipherOp(cipher_.get(), encrypt, key.secret.secret(), setup);
    }
    P11_ASSIGN_OR_RETURN(StreamStart start, ParseChachaParams(param));
    P11_TRY(sym::CheckSecretKey(*this, key));
    P11_ASSIGN_OR_RETURN(auto ctx, sym::NewCipherContext(cipher_.get(), encrypt,
                                                         key.secret.secret(), start.iv, false));
    return sym::NewKeystreamOp(std::move(ctx), encrypt, kChachaBlock, start.blocks_left);
  }

  Result<std::unique_ptr<MessageCipherOperation>> BeginMessage(ByteView /*param*/,
                                                               const KeyMaterial& key,
                                                               bool encrypt) const override {
    // Parameters come with each message.
    if (kind_ != Kind::kAead) return CKR_MECHANISM_INVALID;
    P11_TRY(sym::CheckSecretKey(*this, key));
    return aead::NewMessageOp(cipher_.get(), encrypt, key.secret.secret(), ParsePolyMessageParams);
  }

  Kind kind_;
  ossl::UniquePtr<EVP_CIPHER> cipher_;  // null for the key generator
};

}  // namespace

void RegisterChacha(Registry& registry) {
  for (const ChachaRow& row : kChachas) {
    ossl::UniquePtr<EVP_CIPHER> cipher;
    if (row.cipher != nullptr) {
      cipher = ossl::Own(EVP_CIPHER_fetch(nullptr, row.cipher, nullptr));
      if (!cipher) {
        (void)ossl::ToError(CKR_OK, row.cipher);
        continue;
      }
    }
    registry.Add(std::make_unique<ChachaMechanism>(row, std::move(cipher)));
  }
}

}  // namespace p11
