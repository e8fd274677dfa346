// Cipher plumbing shared by the AES and ChaCha20 families (see sym_cipher.h).
#include "mechanisms/sym_cipher.h"

#include <algorithm>

#include "mechanisms/ossl/error.h"
#include "mechanisms/sym_common.h"

namespace p11::sym {

AesCiphers::AesCiphers(const std::array<const char*, 3>& names) {
  for (size_t i = 0; i < ciphers_.size(); ++i) {
    ciphers_[i] = ossl::Own(EVP_CIPHER_fetch(nullptr, names[i], nullptr));
    if (!ciphers_[i]) (void)ossl::ToError(CKR_OK, names[i]);
  }
}

Result<const EVP_CIPHER*> AesCiphers::For(const Mechanism& mechanism,
                                          const KeyMaterial& key) const {
  P11_TRY(CheckSecretKey(mechanism, key));
  size_t n = key.secret.size();
  const EVP_CIPHER* cipher = IsAesKeySize(n) ? ciphers_[(n - 16) / 8].get() : nullptr;
  if (cipher == nullptr) return Fail(CKR_KEY_SIZE_RANGE, "AES key size");
  return cipher;
}

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

Result<ossl::UniquePtr<EVP_CIPHER_CTX>> NewCipherContext(const EVP_CIPHER* cipher, bool encrypt,
                                                         SecretView key, ByteView iv, bool pad,
                                                         const OSSL_PARAM* params) {
  auto ctx = ossl::Own(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex2(ctx.get(), cipher, nullptr, nullptr, encrypt, nullptr) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_CipherInit_ex2");
  }
  if (params != nullptr && EVP_CIPHER_CTX_set_params(ctx.get(), params) != 1) {
    return ossl::ToError(CKR_MECHANISM_PARAM_INVALID, "cipher parameters");
  }
  if (EVP_CipherInit_ex2(ctx.get(), nullptr, key.data(), iv.empty() ? nullptr : iv.data(), encrypt,
                         nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), pad ? 1 : 0) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_CipherInit_ex2 key");
  }
  return ctx;
}

namespace {

class KeystreamOp final : public CipherOperation {
 public:
  KeystreamOp(ossl::UniquePtr<EVP_CIPHER_CTX> ctx, bool encrypt, size_t block_size,
              uint64_t blocks_left)
      : ctx_(std::move(ctx)), encrypt_(encrypt), block_(block_size), blocks_left_(blocks_left) {}

  Result<void> Update(ByteView in, OutBuffer& out) override {
    P11_TRY(CheckRoom(in.size()));
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(in.size()));
    P11_ASSIGN_OR_RETURN(size_t written, CipherUpdate(ctx_.get(), dst.data(), in));
    used_ += in.size();
    out.Commit(written);
    return Ok();
  }

  Result<void> Final(OutBuffer& out) override { return out.Put({}); }

  Result<void> OneShot(ByteView in, OutBuffer& out) override { return Update(in, out); }

 private:
  Result<void> CheckRoom(size_t more) const {
    uint64_t total = static_cast<uint64_t>(used_) + more;
    uint64_t blocks = total / block_ + (total % block_ != 0 ? 1 : 0);
    if (blocks <= blocks_left_) return Ok();
    return Fail(encrypt_ ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE, "counter wrap");
  }

  ossl::UniquePtr<EVP_CIPHER_CTX> ctx_;
  bool encrypt_;
  size_t block_;
  uint64_t blocks_left_;
  size_t used_ = 0;
};

}  // namespace

std::unique_ptr<CipherOperation> NewKeystreamOp(ossl::UniquePtr<EVP_CIPHER_CTX> ctx, bool encrypt,
                                                size_t block_size, uint64_t blocks_left) {
  return std::make_unique<KeystreamOp>(std::move(ctx), encrypt, block_size, blocks_left);
}

}  // namespace p11::sym
