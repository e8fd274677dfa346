// AES CTR, CTS and CCM (PKCS#11 3.1 §6.13: CKM_AES_CTR with CK_AES_CTR_PARAMS, CKM_AES_CTS as
// CBC-CS3 of the NIST SP 800-38A addendum, CKM_AES_CCM with CK_CCM_PARAMS and, for the
// message-based API, CK_CCM_MESSAGE_PARAMS). GCM is in aes.cpp; CCM shares its AEAD
// machinery (aead_cipher.h, aead_message.h).
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <limits>

#include "mechanisms/aead_cipher.h"
#include "mechanisms/aead_message.h"
#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"
#include "mechanisms/sym_cipher.h"
#include "mechanisms/sym_common.h"
#include "mechanisms/two_way_cipher.h"

namespace p11 {
namespace {

using sym::kAesBlock;

enum class Mode { kCtr, kCts, kCcm };

constexpr CK_MECHANISM_INFO kCipherInfo{16, 32, CKF_ENCRYPT | CKF_DECRYPT};
constexpr CK_MECHANISM_INFO kAeadInfo{
    16, 32, CKF_ENCRYPT | CKF_DECRYPT | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT};

struct ModeRow {
  CK_MECHANISM_TYPE type;
  Mode mode;
  std::array<const char*, 3> ciphers;  // for 16-, 24- and 32-byte keys
  CK_MECHANISM_INFO info;
};

constexpr ModeRow kModes[] = {
    {CKM_AES_CTR, Mode::kCtr, {"AES-128-CTR", "AES-192-CTR", "AES-256-CTR"}, kCipherInfo},
    {CKM_AES_CTS,
     Mode::kCts,
     {"AES-128-CBC-CTS", "AES-192-CBC-CTS", "AES-256-CBC-CTS"},
     kCipherInfo},
    {CKM_AES_CCM, Mode::kCcm, {"AES-128-CCM", "AES-192-CCM", "AES-256-CCM"}, kAeadInfo},
};

// ---- CTR ----

// Blocks the counter field (the low `bits` bits of `cb`) can count before it wraps, capped
// at 2^60 (2^64 bytes, more than any buffer).
uint64_t CtrBlocksBeforeWrap(const CK_BYTE (&cb)[16], CK_ULONG bits) {
  auto bit = [&](size_t i) { return (cb[15 - i / 8] >> (i % 8)) & 1u; };
  constexpr size_t kCap = 60;
  for (size_t i = kCap; i < bits; ++i) {
    if (bit(i) == 0) return uint64_t{1} << kCap;  // room above the capped range
  }
  size_t low = bits < kCap ? bits : kCap;
  uint64_t value = 0;
  for (size_t i = 0; i < low; ++i) value |= uint64_t{bit(i)} << i;
  return (uint64_t{1} << low) - value;
}

// ---- CTS ----

// OpenSSL's CTS ciphers take a single update, so input is held until Final; output equals
// input in length, which must be at least one block.
class CtsOp final : public CipherOperation {
 public:
  CtsOp(ossl::UniquePtr<EVP_CIPHER_CTX> ctx, bool encrypt)
      : ctx_(std::move(ctx)), encrypt_(encrypt) {}

  Result<void> Update(ByteView in, OutBuffer& out) override {
    P11_TRY(out.Reserve(0));
    held_.Append(in);
    out.Commit(0);
    return Ok();
  }

  Result<void> Final(OutBuffer& out) override { return OneShot(held_.view(), out); }

  Result<void> OneShot(ByteView in, OutBuffer& out) override {
    if (in.size() < kAesBlock || in.size() > std::numeric_limits<int>::max()) {
      return Fail(encrypt_ ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE, "CTS length");
    }
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(in.size()));
    int written = 0;
    int tail = 0;
    if (EVP_CipherUpdate(ctx_.get(), dst.data(), &written, in.data(),
                         static_cast<int>(in.size())) != 1 ||
        EVP_CipherFinal_ex(ctx_.get(), dst.data() + written, &tail) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "CTS");
    }
    out.Commit(static_cast<size_t>(written + tail));
    return Ok();
  }

 private:
  ossl::UniquePtr<EVP_CIPHER_CTX> ctx_;
  bool encrypt_;
  SecureBuffer held_;
};

// ---- CCM ----

// Nonce 7..13 bytes and MAC 4..16 bytes, even (NIST SP 800-38C §A.1).
bool CcmSizesValid(CK_ULONG nonce_len, CK_ULONG mac_len) {
  return nonce_len >= 7 && nonce_len <= 13 && mac_len >= 4 && mac_len <= 16 && mac_len % 2 == 0;
}

Result<aead::Setup> ParseCcmParams(ByteView param) {
  P11_ASSIGN_OR_RETURN(CK_CCM_PARAMS p, ParamAs<CK_CCM_PARAMS>(param));
  if (p.pNonce == nullptr || !CcmSizesValid(p.ulNonceLen, p.ulMACLen)) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "CCM nonce or MAC length");
  }
  if (p.pAAD == nullptr && p.ulAADLen != 0) return Fail(CKR_MECHANISM_PARAM_INVALID, "CCM AAD");
  return aead::Setup{ByteView(p.pNonce, p.ulNonceLen), ByteView(p.pAAD, p.ulAADLen), p.ulMACLen,
                     p.ulDataLen};
}

Result<aead::MessageParams> ParseCcmMessageParams(std::span<uint8_t> raw) {
  P11_ASSIGN_OR_RETURN(CK_CCM_MESSAGE_PARAMS p, ParamAs<CK_CCM_MESSAGE_PARAMS>(raw));
  if (p.pNonce == nullptr || p.pMAC == nullptr || !CcmSizesValid(p.ulNonceLen, p.ulMACLen)) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "CCM nonce or MAC");
  }
  aead::MessageParams m{std::span<uint8_t>(p.pNonce, p.ulNonceLen), p.ulNonceFixedBits,
                        p.nonceGenerator, std::span<uint8_t>(p.pMAC, p.ulMACLen), p.ulDataLen};
  P11_TRY(aead::CheckGenerator(m));
  return m;
}

// ---- Mechanism ----

class AesModeMechanism final : public TwoWayCipherMechanism {
 public:
  explicit AesModeMechanism(const ModeRow& row)
      : TwoWayCipherMechanism(row.type, row.info), mode_(row.mode), ciphers_(row.ciphers) {}

  bool available() const { return ciphers_.any(); }
  bool AcceptsKeyType(CK_KEY_TYPE type) const override { return type == CKK_AES; }

 private:
  Result<std::unique_ptr<CipherOperation>> Begin(ByteView param, const KeyMaterial& key,
                                                 bool encrypt) const override {
    switch (mode_) {
      case Mode::kCtr:
        return BeginCtr(param, key, encrypt);
      case Mode::kCts:
        return BeginCts(param, key, encrypt);
      case Mode::kCcm:
        break;
    }
    P11_ASSIGN_OR_RETURN(aead::Setup setup, ParseCcmParams(param));
    P11_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, ciphers_.For(*this, key));
    return aead::NewCipherOp(cipher, encrypt, key.secret.secret(), setup);
  }

  Result<std::unique_ptr<CipherOperation>> BeginCtr(ByteView param, const KeyMaterial& key,
                                                    bool encrypt) const {
    P11_ASSIGN_OR_RETURN(CK_AES_CTR_PARAMS p, ParamAs<CK_AES_CTR_PARAMS>(param));
    if (p.ulCounterBits == 0 || p.ulCounterBits > 128) {
      return Fail(CKR_MECHANISM_PARAM_INVALID, "CTR counter bits");
    }
    P11_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, ciphers_.For(*this, key));
    P11_ASSIGN_OR_RETURN(auto ctx, sym::NewCipherContext(cipher, encrypt, key.secret.secret(),
                                                         ByteView(p.cb), false));
    return sym::NewKeystreamOp(std::move(ctx), encrypt, kAesBlock,
                               CtrBlocksBeforeWrap(p.cb, p.ulCounterBits));
  }

  Result<std::unique_ptr<CipherOperation>> BeginCts(ByteView param, const KeyMaterial& key,
                                                    bool encrypt) const {
    if (param.size() != kAesBlock) return Fail(CKR_MECHANISM_PARAM_INVALID, "CTS IV");
    P11_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, ciphers_.For(*this, key));
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_CIPHER_PARAM_CTS_MODE, const_cast<char*>("CS3"), 0),
        OSSL_PARAM_construct_end()};
    P11_ASSIGN_OR_RETURN(auto ctx, sym::NewCipherContext(cipher, encrypt, key.secret.secret(),
                                                         param, false, params));
    return std::unique_ptr<CipherOperation>(std::make_unique<CtsOp>(std::move(ctx), encrypt));
  }

  Result<std::unique_ptr<MessageCipherOperation>> BeginMessage(ByteView /*param*/,
                                                               const KeyMaterial& key,
                                                               bool encrypt) const override {
    // Parameters come with each message.
    if (mode_ != Mode::kCcm) return CKR_MECHANISM_INVALID;
    P11_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, ciphers_.For(*this, key));
    return aead::NewMessageOp(cipher, encrypt, key.secret.secret(), ParseCcmMessageParams);
  }

  Mode mode_;
  sym::AesCiphers ciphers_;
};

}  // namespace

void RegisterAesModes(Registry& registry) {
  for (const ModeRow& row : kModes) {
    auto mechanism = std::make_unique<AesModeMechanism>(row);
    if (mechanism->available()) registry.Add(std::move(mechanism));
  }
}

}  // namespace p11
