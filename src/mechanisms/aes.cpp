// AES (PKCS#11 3.1 §6.13 AES key generation, ECB, CBC, CBC_PAD; §6.14 GCM, including the
// message-based API and GCM key wrapping). EVP_CIPHER objects are fetched once at
// registration, one per key size. Output goes straight into the caller's buffer whenever its
// exact size is known in advance, which it is everywhere except the plaintext length of
// CBC_PAD decryption. The AEAD machinery GCM shares with CCM and ChaCha20-Poly1305 lives in
// aead_cipher.h / aead_message.h; CTR, CTS and CCM are in aes_modes.cpp.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <vector>

#include "mechanisms/aead_cipher.h"
#include "mechanisms/aead_message.h"
#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"
#include "mechanisms/sym_cipher.h"
#include "mechanisms/sym_common.h"
#include "mechanisms/two_way_cipher.h"

namespace p11 {
namespace {

using sym::CipherUpdate;
constexpr size_t kBlock = sym::kAesBlock;
// PKCS#11 allows IVs up to 2^32-1 bytes; OpenSSL 3.0's GCM takes at most 128 (1024 bits).
constexpr size_t kMaxGcmIvBytes = 128;

enum class Mode { kEcb, kCbc, kCbcPad, kGcm };

// Sizes in bytes (PKCS#11 3.1 §6.13.2 gives AES key sizes in bytes).
constexpr CK_MECHANISM_INFO kCipherInfo{16, 32, CKF_ENCRYPT | CKF_DECRYPT};
constexpr CK_MECHANISM_INFO kGcmInfo{
    16, 32,
    CKF_ENCRYPT | CKF_DECRYPT | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | CKF_WRAP | CKF_UNWRAP};
constexpr CK_MECHANISM_INFO kKeyGenInfo{16, 32, CKF_GENERATE};

struct AesRow {
  CK_MECHANISM_TYPE type;
  Mode mode;
  std::array<const char*, 3> ciphers;  // for 16-, 24- and 32-byte keys
  CK_MECHANISM_INFO info;
};

constexpr AesRow kAesModes[] = {
    {CKM_AES_ECB, Mode::kEcb, {"AES-128-ECB", "AES-192-ECB", "AES-256-ECB"}, kCipherInfo},
    {CKM_AES_CBC, Mode::kCbc, {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"}, kCipherInfo},
    {CKM_AES_CBC_PAD, Mode::kCbcPad, {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"}, kCipherInfo},
    {CKM_AES_GCM, Mode::kGcm, {"AES-128-GCM", "AES-192-GCM", "AES-256-GCM"}, kGcmInfo},
};

// ECB, CBC and CBC_PAD. OpenSSL 3 providers write exactly the bytes they report, so the
// caller's buffer only needs the exact output length, which CumulativeOut predicts.
class BlockCipherOp final : public CipherOperation {
 public:
  BlockCipherOp(ossl::UniquePtr<EVP_CIPHER_CTX> ctx, bool encrypt, bool pad)
      : ctx_(std::move(ctx)), encrypt_(encrypt), pad_(pad) {}

  Result<void> Update(ByteView in, OutBuffer& out) override {
    size_t n = CumulativeOut(total_in_ + in.size()) - CumulativeOut(total_in_);
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(n));
    P11_ASSIGN_OR_RETURN(size_t written, CipherUpdate(ctx_.get(), dst.data(), in));
    total_in_ += in.size();
    out.Commit(written);
    return Ok();
  }

  Result<void> Final(OutBuffer& out) override {
    P11_TRY(CheckTotalLength(total_in_));
    if (!pad_) return out.Put({});
    if (encrypt_) {
      P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(kBlock));
      int written = 0;
      if (EVP_CipherFinal_ex(ctx_.get(), dst.data(), &written) != 1) {
        return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_CipherFinal_ex");
      }
      out.Commit(static_cast<size_t>(written));
      return Ok();
    }
    // The plaintext length is known only after unpadding: do it once, keep the result for a
    // retry after CKR_BUFFER_TOO_SMALL.
    if (!stashed_) {
      stash_.resize(kBlock);
      int written = 0;
      if (EVP_CipherFinal_ex(ctx_.get(), stash_.data(), &written) != 1) {
        return ossl::ToError(CKR_ENCRYPTED_DATA_INVALID, "CBC_PAD padding");
      }
      stash_.resize(static_cast<size_t>(written));
      stashed_ = true;
    }
    return out.Put(stash_.view());
  }

  Result<void> OneShot(ByteView in, OutBuffer& out) override {
    P11_TRY(CheckTotalLength(in.size()));
    if (encrypt_ || !pad_) {
      size_t n = encrypt_ && pad_ ? (in.size() / kBlock + 1) * kBlock : in.size();
      P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(n));
      P11_ASSIGN_OR_RETURN(size_t written, Run(in, dst.data()));
      out.Commit(written);
      return Ok();
    }
    return OneShotUnpad(in, out);
  }

 private:
  // Output released by Update calls once `total` input bytes have gone in: whole blocks, less
  // the last one when decrypting with padding (it may hold the padding).
  size_t CumulativeOut(size_t total) const {
    if (!encrypt_ && pad_) return total == 0 ? 0 : (total - 1) / kBlock * kBlock;
    return total / kBlock * kBlock;
  }

  Result<void> CheckTotalLength(size_t total) const {
    if (encrypt_ && pad_) return Ok();
    if (total % kBlock == 0 && (total != 0 || !pad_)) return Ok();
    return Fail(encrypt_ ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE, "AES block length");
  }

  // All of `in` through the cipher into `dst` (room for the whole output), final included.
  Result<size_t> Run(ByteView in, uint8_t* dst) {
    P11_ASSIGN_OR_RETURN(size_t written, CipherUpdate(ctx_.get(), dst, in));
    int tail = 0;
    if (EVP_CipherFinal_ex(ctx_.get(), dst + written, &tail) != 1) {
      return ossl::ToError(pad_ ? CKR_ENCRYPTED_DATA_INVALID : CKR_FUNCTION_FAILED, "AES final");
    }
    return written + static_cast<size_t>(tail);
  }

  // CBC_PAD decryption in one call. The query reports the input length, an upper bound the
  // specification allows; a buffer that size takes the plaintext directly, a smaller one gets
  // it through a zeroizing temporary (kept for a retry after CKR_BUFFER_TOO_SMALL).
  Result<void> OneShotUnpad(ByteView in, OutBuffer& out) {
    if (!stashed_) {
      if (out.is_query()) return out.Reserve(in.size()).error();
      if (out.capacity() >= in.size()) {
        P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(in.size()));
        Result<size_t> written = Run(in, dst.data());
        if (!written.ok()) {
          OPENSSL_cleanse(dst.data(), in.size());
          return written.error();
        }
        out.Commit(*written);
        return Ok();
      }
      stash_.resize(in.size());
      P11_ASSIGN_OR_RETURN(size_t written, Run(in, stash_.data()));
      stash_.resize(written);
      stashed_ = true;
    }
    return out.Put(stash_.view());
  }

  ossl::UniquePtr<EVP_CIPHER_CTX> ctx_;
  bool encrypt_;
  bool pad_;
  size_t total_in_ = 0;
  bool stashed_ = false;
  SecureBuffer stash_;
};

// Tag lengths NIST SP 800-38D allows.
bool IsGcmTagBits(CK_ULONG bits) {
  constexpr CK_ULONG kTagBits[] = {32, 64, 96, 104, 112, 120, 128};
  return std::find(std::begin(kTagBits), std::end(kTagBits), bits) != std::end(kTagBits);
}

struct GcmConfig {
  ByteView iv;
  ByteView aad;
  size_t tag_len;
};

// CK_GCM_PARAMS: IV 1..kMaxGcmIvBytes bytes, a tag length NIST SP 800-38D allows, AAD of any
// length. ulIvBits is informational and ignored.
Result<GcmConfig> ParseGcmParams(ByteView param) {
  P11_ASSIGN_OR_RETURN(CK_GCM_PARAMS p, ParamAs<CK_GCM_PARAMS>(param));
  if (p.pIv == nullptr || p.ulIvLen == 0 || p.ulIvLen > kMaxGcmIvBytes) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "GCM IV");
  }
  if (p.pAAD == nullptr && p.ulAADLen != 0) return Fail(CKR_MECHANISM_PARAM_INVALID, "GCM AAD");
  if (!IsGcmTagBits(p.ulTagBits)) return Fail(CKR_MECHANISM_PARAM_INVALID, "GCM tag length");
  return GcmConfig{ByteView(p.pIv, p.ulIvLen), ByteView(p.pAAD, p.ulAADLen), p.ulTagBits / 8};
}

// CK_GCM_MESSAGE_PARAMS: as CK_GCM_PARAMS for IV and tag, plus the IV generator.
Result<aead::MessageParams> ParseGcmMessageParams(std::span<uint8_t> raw) {
  P11_ASSIGN_OR_RETURN(CK_GCM_MESSAGE_PARAMS p, ParamAs<CK_GCM_MESSAGE_PARAMS>(raw));
  if (p.pIv == nullptr || p.ulIvLen == 0 || p.ulIvLen > kMaxGcmIvBytes) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "GCM IV");
  }
  if (p.pTag == nullptr || !IsGcmTagBits(p.ulTagBits)) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "GCM tag");
  }
  aead::MessageParams m{std::span<uint8_t>(p.pIv, p.ulIvLen), p.ulIvFixedBits, p.ivGenerator,
                        std::span<uint8_t>(p.pTag, p.ulTagBits / 8)};
  P11_TRY(aead::CheckGenerator(m));
  return m;
}

class AesCipherMechanism final : public TwoWayCipherMechanism {
 public:
  explicit AesCipherMechanism(const AesRow& row)
      : TwoWayCipherMechanism(row.type, row.info), mode_(row.mode), ciphers_(row.ciphers) {}

  bool available() const { return ciphers_.any(); }

  bool AcceptsKeyType(CK_KEY_TYPE type) const override { return type == CKK_AES; }

  // GCM wrapping: the key encoding sealed as one message, ciphertext || tag.
  Result<void> Wrap(ByteView param, const KeyMaterial& wrapping, SecretView key_encoding,
                    OutBuffer& out) const override {
    if (mode_ != Mode::kGcm) return CKR_MECHANISM_INVALID;
    P11_ASSIGN_OR_RETURN(auto op, BeginGcm(param, wrapping, true));
    return op->OneShot(key_encoding.bytes, out);
  }

  Result<SecureBuffer> Unwrap(ByteView param, const KeyMaterial& unwrapping,
                              ByteView wrapped) const override {
    if (mode_ != Mode::kGcm) return CKR_MECHANISM_INVALID;
    P11_ASSIGN_OR_RETURN(auto op, BeginGcm(param, unwrapping, false));
    // Which check failed (length or tag) is not revealed.
    SecureBuffer key(wrapped.size());
    CK_ULONG len = key.size();
    OutBuffer out(key.data(), &len);
    Result<void> opened = op->OneShot(wrapped, out);
    if (!opened.ok()) {
      CK_RV rv = opened.error().rv;
      bool bad = rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_ENCRYPTED_DATA_LEN_RANGE;
      return bad ? Fail(CKR_WRAPPED_KEY_INVALID, "GCM unwrap") : opened.error();
    }
    key.resize(len);
    return key;
  }

 private:
  Result<const EVP_CIPHER*> CipherFor(const KeyMaterial& key) const {
    return ciphers_.For(*this, key);
  }

  Result<std::unique_ptr<MessageCipherOperation>> BeginMessage(ByteView param,
                                                               const KeyMaterial& key,
                                                               bool encrypt) const override {
    if (mode_ != Mode::kGcm) return CKR_MECHANISM_INVALID;
    // Parameters come with each message; C_MessageEncryptInit takes none (or ignores one).
    (void)param;
    P11_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, CipherFor(key));
    return aead::NewMessageOp(cipher, encrypt, key.secret.secret(), ParseGcmMessageParams);
  }

  Result<std::unique_ptr<CipherOperation>> Begin(ByteView param, const KeyMaterial& key,
                                                 bool encrypt) const override {
    if (mode_ == Mode::kGcm) return BeginGcm(param, key, encrypt);
    bool wants_iv = mode_ != Mode::kEcb;
    if (param.size() != (wants_iv ? kBlock : 0)) {
      return Fail(CKR_MECHANISM_PARAM_INVALID, "AES IV");
    }
    P11_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, CipherFor(key));
    bool pad = mode_ == Mode::kCbcPad;
    P11_ASSIGN_OR_RETURN(auto ctx,
                         sym::NewCipherContext(cipher, encrypt, key.secret.secret(), param, pad));
    return std::unique_ptr<CipherOperation>(
        std::make_unique<BlockCipherOp>(std::move(ctx), encrypt, pad));
  }

  Result<std::unique_ptr<CipherOperation>> BeginGcm(ByteView param, const KeyMaterial& key,
                                                    bool encrypt) const {
    P11_ASSIGN_OR_RETURN(GcmConfig gcm, ParseGcmParams(param));
    P11_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, CipherFor(key));
    // The AAD is only valid during Init: the context authenticates it now.
    aead::Setup setup{gcm.iv, gcm.aad, gcm.tag_len, 0};
    return aead::NewCipherOp(cipher, encrypt, key.secret.secret(), setup);
  }

  Mode mode_;
  sym::AesCiphers ciphers_;
};

class AesKeyGen final : public Mechanism {
 public:
  AesKeyGen() : Mechanism(CKM_AES_KEY_GEN, kKeyGenInfo) {}

  CK_KEY_TYPE GeneratedKeyType() const override { return CKK_AES; }

  Result<void> GenerateKey(ByteView param, Object& key) const override {
    if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "key gen takes no parameter");
    P11_ASSIGN_OR_RETURN(CK_ULONG len, sym::ValueLenForGenerate(key, CKK_AES));
    if (!sym::IsAesKeySize(len)) return Fail(CKR_KEY_SIZE_RANGE, "AES CKA_VALUE_LEN");
    return sym::FillRandomValue(key, len);
  }
};

}  // namespace

void RegisterAes(Registry& registry) {
  registry.Add(std::make_unique<AesKeyGen>());
  for (const AesRow& row : kAesModes) {
    auto mechanism = std::make_unique<AesCipherMechanism>(row);
    if (mechanism->available()) registry.Add(std::move(mechanism));
  }
}

}  // namespace p11
