// AES (PKCS#11 3.1 §6.13 AES key generation, ECB, CBC, CBC_PAD; §6.14 GCM). EVP_CIPHER
// objects are fetched once at registration, one per key size. Output goes straight into the
// caller's buffer whenever its exact size is known in advance, which it is everywhere except
// the plaintext length of CBC_PAD decryption.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <vector>

#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"
#include "mechanisms/sym_common.h"

namespace p11 {
namespace {

constexpr size_t kBlock = 16;
// PKCS#11 allows IVs up to 2^32-1 bytes; OpenSSL 3.0's GCM takes at most 128 (1024 bits).
constexpr size_t kMaxGcmIvBytes = 128;

enum class Mode { kEcb, kCbc, kCbcPad, kGcm };

struct AesRow {
  CK_MECHANISM_TYPE type;
  Mode mode;
  std::array<const char*, 3> ciphers;  // for 16-, 24- and 32-byte keys
};

constexpr AesRow kAesModes[] = {
    {CKM_AES_ECB, Mode::kEcb, {"AES-128-ECB", "AES-192-ECB", "AES-256-ECB"}},
    {CKM_AES_CBC, Mode::kCbc, {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"}},
    {CKM_AES_CBC_PAD, Mode::kCbcPad, {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"}},
    {CKM_AES_GCM, Mode::kGcm, {"AES-128-GCM", "AES-192-GCM", "AES-256-GCM"}},
};

// Sizes in bytes (PKCS#11 3.1 §6.13.2 gives AES key sizes in bytes).
constexpr CK_MECHANISM_INFO kCipherInfo{16, 32, CKF_ENCRYPT | CKF_DECRYPT};
constexpr CK_MECHANISM_INFO kKeyGenInfo{16, 32, CKF_GENERATE};

bool IsAesKeySize(size_t n) { return n == 16 || n == 24 || n == 32; }

// EVP lengths are int: large inputs go in block-aligned chunks. `out` may be null (GCM AAD).
Result<size_t> CipherUpdate(EVP_CIPHER_CTX* ctx, uint8_t* out, ByteView in) {
  constexpr size_t kChunk = size_t{1} << 30;
  size_t written = 0;
  while (!in.empty()) {
    size_t n = std::min(in.size(), kChunk);
    int w = 0;
    uint8_t* dst = out == nullptr ? nullptr : out + written;
    if (EVP_CipherUpdate(ctx, dst, &w, in.data(), static_cast<int>(n)) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_CipherUpdate");
    }
    written += static_cast<size_t>(w);
    in = in.subspan(n);
  }
  return written;
}

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

// GCM. Encryption streams; decryption holds all input until Final, because no plaintext may
// be released before the tag has been checked (PKCS#11 3.1 §6.14.3).
class GcmOp final : public CipherOperation {
 public:
  GcmOp(ossl::UniquePtr<EVP_CIPHER_CTX> ctx, bool encrypt, size_t tag_len)
      : ctx_(std::move(ctx)), encrypt_(encrypt), tag_len_(tag_len) {}

  Result<void> Update(ByteView in, OutBuffer& out) override {
    if (!encrypt_) {
      P11_TRY(out.Reserve(0));
      held_.insert(held_.end(), in.begin(), in.end());
      out.Commit(0);
      return Ok();
    }
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(in.size()));
    P11_ASSIGN_OR_RETURN(size_t written, CipherUpdate(ctx_.get(), dst.data(), in));
    out.Commit(written);
    return Ok();
  }

  Result<void> Final(OutBuffer& out) override {
    if (!encrypt_) return Open(held_, out);
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(tag_len_));
    P11_TRY(Seal(dst.data()));
    out.Commit(tag_len_);
    return Ok();
  }

  Result<void> OneShot(ByteView in, OutBuffer& out) override {
    if (!encrypt_) return Open(in, out);
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(in.size() + tag_len_));
    P11_ASSIGN_OR_RETURN(size_t written, CipherUpdate(ctx_.get(), dst.data(), in));
    P11_TRY(Seal(dst.data() + written));
    out.Commit(written + tag_len_);
    return Ok();
  }

 private:
  // Finishes encryption and writes the tag to `tag`.
  Result<void> Seal(uint8_t* tag) {
    int unused = 0;
    if (EVP_CipherFinal_ex(ctx_.get(), tag, &unused) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "GCM final");
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, tag_len_),
        OSSL_PARAM_construct_end()};
    if (EVP_CIPHER_CTX_get_params(ctx_.get(), params) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "GCM tag");
    }
    return Ok();
  }

  // Decrypts ciphertext || tag into the caller's buffer; wipes it again if the tag is wrong.
  Result<void> Open(ByteView in, OutBuffer& out) {
    if (in.size() < tag_len_) return Fail(CKR_ENCRYPTED_DATA_LEN_RANGE, "GCM input");
    size_t n = in.size() - tag_len_;
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(n));
    ByteView tag = in.subspan(n);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                          const_cast<uint8_t*>(tag.data()), tag.size()),
        OSSL_PARAM_construct_end()};
    if (EVP_CIPHER_CTX_set_params(ctx_.get(), params) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "GCM set tag");
    }
    Result<size_t> written = CipherUpdate(ctx_.get(), dst.data(), in.first(n));
    int unused = 0;
    if (!written.ok() || EVP_CipherFinal_ex(ctx_.get(), dst.data() + *written, &unused) != 1) {
      OPENSSL_cleanse(dst.data(), n);
      return ossl::ToError(CKR_ENCRYPTED_DATA_INVALID, "GCM tag mismatch");
    }
    out.Commit(*written);
    return Ok();
  }

  ossl::UniquePtr<EVP_CIPHER_CTX> ctx_;
  bool encrypt_;
  size_t tag_len_;
  std::vector<uint8_t> held_;  // ciphertext only: not secret
};

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
  constexpr CK_ULONG kTagBits[] = {32, 64, 96, 104, 112, 120, 128};
  if (std::find(std::begin(kTagBits), std::end(kTagBits), p.ulTagBits) == std::end(kTagBits)) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "GCM tag length");
  }
  return GcmConfig{ByteView(p.pIv, p.ulIvLen), ByteView(p.pAAD, p.ulAADLen), p.ulTagBits / 8};
}

// A context keyed for `encrypt`, with `iv` (any length the mode allows; set first, since GCM
// needs the length before the IV itself).
Result<ossl::UniquePtr<EVP_CIPHER_CTX>> NewContext(const EVP_CIPHER* cipher, bool encrypt,
                                                   SecretView key, ByteView iv, bool pad) {
  auto ctx = ossl::Own(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex2(ctx.get(), cipher, nullptr, nullptr, encrypt, nullptr) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_CipherInit_ex2");
  }
  if (EVP_CIPHER_CTX_get_mode(ctx.get()) == EVP_CIPH_GCM_MODE) {
    size_t iv_len = iv.size();
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &iv_len),
                           OSSL_PARAM_construct_end()};
    if (EVP_CIPHER_CTX_set_params(ctx.get(), params) != 1) {
      return ossl::ToError(CKR_MECHANISM_PARAM_INVALID, "GCM IV length");
    }
  }
  if (EVP_CipherInit_ex2(ctx.get(), nullptr, key.data(), iv.empty() ? nullptr : iv.data(), encrypt,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), pad ? 1 : 0) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_CipherInit_ex2 key");
  }
  return ctx;
}

using CipherSet = std::array<ossl::UniquePtr<EVP_CIPHER>, 3>;

class AesCipherMechanism final : public Mechanism {
 public:
  AesCipherMechanism(const AesRow& row, CipherSet ciphers)
      : Mechanism(row.type, kCipherInfo), mode_(row.mode), ciphers_(std::move(ciphers)) {}

  bool AcceptsKeyType(CK_KEY_TYPE type) const override { return type == CKK_AES; }

  Result<std::unique_ptr<CipherOperation>> BeginEncrypt(ByteView param,
                                                        const KeyMaterial& key) const override {
    return Begin(param, key, true);
  }
  Result<std::unique_ptr<CipherOperation>> BeginDecrypt(ByteView param,
                                                        const KeyMaterial& key) const override {
    return Begin(param, key, false);
  }

 private:
  Result<const EVP_CIPHER*> CipherFor(const KeyMaterial& key) const {
    P11_TRY(sym::CheckSecretKey(*this, key));
    size_t n = key.secret.size();
    const EVP_CIPHER* cipher = IsAesKeySize(n) ? ciphers_[(n - 16) / 8].get() : nullptr;
    if (cipher == nullptr) return Fail(CKR_KEY_SIZE_RANGE, "AES key size");
    return cipher;
  }

  Result<std::unique_ptr<CipherOperation>> Begin(ByteView param, const KeyMaterial& key,
                                                 bool encrypt) const {
    if (mode_ == Mode::kGcm) return BeginGcm(param, key, encrypt);
    bool wants_iv = mode_ != Mode::kEcb;
    if (param.size() != (wants_iv ? kBlock : 0)) {
      return Fail(CKR_MECHANISM_PARAM_INVALID, "AES IV");
    }
    P11_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, CipherFor(key));
    bool pad = mode_ == Mode::kCbcPad;
    P11_ASSIGN_OR_RETURN(auto ctx, NewContext(cipher, encrypt, key.secret.secret(), param, pad));
    return std::unique_ptr<CipherOperation>(
        std::make_unique<BlockCipherOp>(std::move(ctx), encrypt, pad));
  }

  Result<std::unique_ptr<CipherOperation>> BeginGcm(ByteView param, const KeyMaterial& key,
                                                    bool encrypt) const {
    P11_ASSIGN_OR_RETURN(GcmConfig gcm, ParseGcmParams(param));
    P11_ASSIGN_OR_RETURN(const EVP_CIPHER* cipher, CipherFor(key));
    P11_ASSIGN_OR_RETURN(auto ctx, NewContext(cipher, encrypt, key.secret.secret(), gcm.iv, false));
    // The AAD is only valid during Init: authenticate it now rather than keep a copy.
    P11_TRY(CipherUpdate(ctx.get(), nullptr, gcm.aad));
    return std::unique_ptr<CipherOperation>(
        std::make_unique<GcmOp>(std::move(ctx), encrypt, gcm.tag_len));
  }

  Mode mode_;
  CipherSet ciphers_;
};

class AesKeyGen final : public Mechanism {
 public:
  AesKeyGen() : Mechanism(CKM_AES_KEY_GEN, kKeyGenInfo) {}

  CK_KEY_TYPE GeneratedKeyType() const override { return CKK_AES; }

  Result<void> GenerateKey(ByteView param, Object& key) const override {
    if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "key gen takes no parameter");
    P11_ASSIGN_OR_RETURN(CK_ULONG len, sym::ValueLenForGenerate(key, CKK_AES));
    if (!IsAesKeySize(len)) return Fail(CKR_KEY_SIZE_RANGE, "AES CKA_VALUE_LEN");
    return sym::FillRandomValue(key, len);
  }
};

}  // namespace

void RegisterAes(Registry& registry) {
  registry.Add(std::make_unique<AesKeyGen>());
  for (const AesRow& row : kAesModes) {
    CipherSet ciphers;
    bool any = false;
    for (size_t i = 0; i < ciphers.size(); ++i) {
      ciphers[i] = ossl::Own(EVP_CIPHER_fetch(nullptr, row.ciphers[i], nullptr));
      if (!ciphers[i]) (void)ossl::ToError(CKR_OK, row.ciphers[i]);
      any = any || ciphers[i] != nullptr;
    }
    if (any) registry.Add(std::make_unique<AesCipherMechanism>(row, std::move(ciphers)));
  }
}

}  // namespace p11
