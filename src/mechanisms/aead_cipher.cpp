// AEAD contexts and the ciphertext || tag operation (see aead_cipher.h).
#include "mechanisms/aead_cipher.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include <climits>
#include <vector>

#include "mechanisms/ossl/error.h"
#include "mechanisms/sym_cipher.h"

namespace p11::aead {

Result<Context> Context::Start(const EVP_CIPHER* cipher, bool encrypt, SecretView key,
                               const Setup& setup) {
  int mode = EVP_CIPHER_get_mode(cipher);
  bool ccm = mode == EVP_CIPH_CCM_MODE;
  size_t iv_len = setup.nonce.size();
  // GCM and CCM need the IV length before the IV; CCM also the tag length (its M).
  OSSL_PARAM params[3] = {OSSL_PARAM_construct_end(), OSSL_PARAM_construct_end(),
                          OSSL_PARAM_construct_end()};
  if (mode == EVP_CIPH_GCM_MODE || ccm) {
    params[0] = OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &iv_len);
  }
  if (ccm) {
    params[1] =
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, nullptr, setup.tag_len);
  }
  P11_ASSIGN_OR_RETURN(auto ctx,
                       sym::NewCipherContext(cipher, encrypt, key, setup.nonce, false, params));
  int unused = 0;
  if (ccm) {
    if (setup.data_len > INT_MAX) return Fail(CKR_DATA_LEN_RANGE, "CCM data length");
    if (EVP_CipherUpdate(ctx.get(), nullptr, &unused, nullptr, static_cast<int>(setup.data_len)) !=
        1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "CCM length");
    }
  }
  // CCM takes the AAD in one update; an empty AAD is simply not given.
  if (!setup.aad.empty()) {
    if (ccm && setup.aad.size() > INT_MAX) return Fail(CKR_MECHANISM_PARAM_INVALID, "CCM AAD");
    P11_TRY(sym::CipherUpdate(ctx.get(), nullptr, setup.aad));
  }
  return Context(std::move(ctx), ccm, setup.tag_len);
}

Result<size_t> Context::Update(uint8_t* out, ByteView in) {
  if (!ccm_) return sym::CipherUpdate(ctx_.get(), out, in);
  if (in.size() > INT_MAX) return Fail(CKR_DATA_LEN_RANGE, "CCM data length");
  int written = 0;
  uint8_t none = 0;  // CCM wants a non-null buffer even for an empty payload
  if (EVP_CipherUpdate(ctx_.get(), out == nullptr ? &none : out, &written,
                       in.empty() ? &none : in.data(), static_cast<int>(in.size())) != 1) {
    return ossl::ToError(CKR_ENCRYPTED_DATA_INVALID, "CCM payload");
  }
  return static_cast<size_t>(written);
}

Result<void> Context::Seal(uint8_t* tag) {
  uint8_t scratch[sym::kAesBlock];  // AEAD finals write no data, but want a buffer
  int unused = 0;
  if (EVP_CipherFinal_ex(ctx_.get(), scratch, &unused) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "AEAD final");
  }
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, tag_len_),
      OSSL_PARAM_construct_end()};
  if (EVP_CIPHER_CTX_get_params(ctx_.get(), params) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "AEAD tag");
  }
  return Ok();
}

Result<void> Context::Open(ByteView in, ByteView tag, uint8_t* out) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG,
                                        const_cast<uint8_t*>(tag.data()), tag.size()),
      OSSL_PARAM_construct_end()};
  if (tag.size() != tag_len_ || EVP_CIPHER_CTX_set_params(ctx_.get(), params) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "AEAD set tag");
  }
  Result<size_t> written = Update(out, in);
  uint8_t scratch[sym::kAesBlock];
  int unused = 0;
  if (!written.ok() || EVP_CipherFinal_ex(ctx_.get(), scratch, &unused) != 1) {
    if (out != nullptr) OPENSSL_cleanse(out, in.size());
    return ossl::ToError(CKR_ENCRYPTED_DATA_INVALID, "AEAD tag mismatch");
  }
  return Ok();
}

namespace {

// Encryption streams (except CCM, which needs the whole payload at once); decryption and CCM
// hold their input until Final.
class AeadCipherOp final : public CipherOperation {
 public:
  AeadCipherOp(Context ctx, bool encrypt, size_t data_len)
      : ctx_(std::move(ctx)), encrypt_(encrypt), data_len_(data_len) {}

  Result<void> Update(ByteView in, OutBuffer& out) override {
    if (!encrypt_ || ctx_.is_ccm()) {
      P11_TRY(out.Reserve(0));
      held_.Append(in);
      out.Commit(0);
      return Ok();
    }
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(in.size()));
    P11_ASSIGN_OR_RETURN(size_t written, ctx_.Update(dst.data(), in));
    out.Commit(written);
    return Ok();
  }

  Result<void> Final(OutBuffer& out) override {
    if (!encrypt_ || ctx_.is_ccm()) return OneShot(held_.view(), out);
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(ctx_.tag_len()));
    P11_TRY(ctx_.Seal(dst.data()));
    out.Commit(ctx_.tag_len());
    return Ok();
  }

  Result<void> OneShot(ByteView in, OutBuffer& out) override {
    size_t tag_len = ctx_.tag_len();
    if (!encrypt_) {
      if (in.size() < tag_len) return Fail(CKR_ENCRYPTED_DATA_LEN_RANGE, "AEAD input");
      size_t n = in.size() - tag_len;
      if (ctx_.is_ccm() && n != data_len_) {
        return Fail(CKR_ENCRYPTED_DATA_LEN_RANGE, "CCM ulDataLen");
      }
      P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(n));
      P11_TRY(ctx_.Open(in.first(n), in.subspan(n), dst.data()));
      out.Commit(n);
      return Ok();
    }
    if (ctx_.is_ccm() && in.size() != data_len_) return Fail(CKR_DATA_LEN_RANGE, "CCM ulDataLen");
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(in.size() + tag_len));
    P11_ASSIGN_OR_RETURN(size_t written, ctx_.Update(dst.data(), in));
    P11_TRY(ctx_.Seal(dst.data() + written));
    out.Commit(written + tag_len);
    return Ok();
  }

 private:
  Context ctx_;
  bool encrypt_;
  size_t data_len_;
  SecureBuffer held_;  // CCM plaintext (secret) or ciphertext awaiting its tag
};

}  // namespace

Result<std::unique_ptr<CipherOperation>> NewCipherOp(const EVP_CIPHER* cipher, bool encrypt,
                                                     SecretView key, const Setup& setup) {
  P11_ASSIGN_OR_RETURN(Context ctx, Context::Start(cipher, encrypt, key, setup));
  return std::unique_ptr<CipherOperation>(
      std::make_unique<AeadCipherOp>(std::move(ctx), encrypt, setup.data_len));
}

}  // namespace p11::aead
