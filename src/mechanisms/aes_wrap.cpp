// AES key wrap (PKCS#11 3.1 §6.13.x): CKM_AES_KEY_WRAP (RFC 3394, NIST SP 800-38F KW) and
// CKM_AES_KEY_WRAP_KWP (RFC 5649, KWP), for C_WrapKey / C_UnwrapKey and for C_Encrypt /
// C_Decrypt of data. The parameter is empty (the RFC's default IV) or an IV of 8 bytes (KW) or
// 4 bytes (KWP). KW needs a multiple of 8 bytes, at least 16; KWP takes any non-empty input.
// The transform needs all of its input at once, so multi-part calls buffer until Final.
#include <openssl/evp.h>

#include <array>

#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"
#include "mechanisms/sym_common.h"

namespace p11 {
namespace {

constexpr size_t kSemiblock = 8;

struct WrapRow {
  CK_MECHANISM_TYPE type;
  bool pad;                            // RFC 5649
  size_t iv_len;                       // the optional IV's length
  std::array<const char*, 3> ciphers;  // for 16-, 24- and 32-byte keys
};

constexpr WrapRow kWrapRows[] = {
    {CKM_AES_KEY_WRAP, false, 8, {"AES-128-WRAP", "AES-192-WRAP", "AES-256-WRAP"}},
    {CKM_AES_KEY_WRAP_KWP, true, 4, {"AES-128-WRAP-PAD", "AES-192-WRAP-PAD", "AES-256-WRAP-PAD"}},
};

constexpr CK_MECHANISM_INFO kWrapInfo{16, 32, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP};

using CipherSet = std::array<ossl::UniquePtr<EVP_CIPHER>, 3>;

// One configured key-wrap transform: cipher, key and IV, in one direction.
class WrapTransform {
 public:
  WrapTransform(const EVP_CIPHER* cipher, bool pad, bool encrypt, SecureBuffer key, SecureBuffer iv)
      : cipher_(cipher), pad_(pad), encrypt_(encrypt), key_(std::move(key)), iv_(std::move(iv)) {}

  bool encrypt() const { return encrypt_; }

  // Whether `n` input bytes are a length this direction accepts.
  bool LengthOk(size_t n) const {
    if (encrypt_) return pad_ ? n != 0 : n >= 2 * kSemiblock && n % kSemiblock == 0;
    return n >= 2 * kSemiblock && n % kSemiblock == 0;
  }

  // Exact output length when wrapping; an upper bound (exact for KW) when unwrapping.
  size_t OutputBound(size_t n) const {
    if (!encrypt_) return n - kSemiblock;
    return (n + kSemiblock - 1) / kSemiblock * kSemiblock + kSemiblock;
  }

  // Runs the transform into `out` (OutputBound(in.size()) bytes when wrapping; see Open for
  // unwrapping); returns the bytes written.
  // Failure when unwrapping is the integrity check failing, reported as `integrity_rv`.
  Result<size_t> Run(ByteView in, uint8_t* out, CK_RV integrity_rv) const {
    auto ctx = ossl::Own(EVP_CIPHER_CTX_new());
    if (!ctx) return ossl::ToError(CKR_HOST_MEMORY, "EVP_CIPHER_CTX_new");
    EVP_CIPHER_CTX_set_flags(ctx.get(), EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
    if (EVP_CipherInit_ex2(ctx.get(), cipher_, key_.data(), iv_.empty() ? nullptr : iv_.data(),
                           encrypt_ ? 1 : 0, nullptr) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "key wrap init");
    }
    int written = 0;
    if (EVP_CipherUpdate(ctx.get(), out, &written, in.data(), static_cast<int>(in.size())) != 1 ||
        written <= 0) {
      return ossl::ToError(encrypt_ ? CKR_FUNCTION_FAILED : integrity_rv, "key wrap");
    }
    return static_cast<size_t>(written);
  }

  // Unwraps into a zeroizing buffer trimmed to the recovered length. The buffer has the room
  // EVP_CipherUpdate assumes (input plus one block), not just the plaintext bound: on a failed
  // integrity check OpenSSL wipes more than the plaintext length.
  Result<SecureBuffer> Open(ByteView in, CK_RV integrity_rv) const {
    SecureBuffer out(in.size() + kSemiblock);
    P11_ASSIGN_OR_RETURN(size_t written, Run(in, out.data(), integrity_rv));
    out.resize(written);
    return out;
  }

 private:
  const EVP_CIPHER* cipher_;
  bool pad_;
  bool encrypt_;
  SecureBuffer key_;
  SecureBuffer iv_;
};

// C_Encrypt / C_Decrypt with a key-wrap mechanism. Update only collects input (it may be
// plaintext key material, hence the zeroizing buffer); Final or OneShot transforms it.
class WrapCipherOp final : public CipherOperation {
 public:
  explicit WrapCipherOp(WrapTransform transform) : transform_(std::move(transform)) {}

  Result<void> Update(ByteView in, OutBuffer& out) override {
    P11_TRY(out.Reserve(0));
    held_.Append(in);
    out.Commit(0);
    return Ok();
  }

  Result<void> Final(OutBuffer& out) override { return Transform(held_.view(), out); }

  Result<void> OneShot(ByteView in, OutBuffer& out) override { return Transform(in, out); }

 private:
  Result<void> Transform(ByteView in, OutBuffer& out) {
    if (!transform_.LengthOk(in.size())) {
      return Fail(transform_.encrypt() ? CKR_DATA_LEN_RANGE : CKR_ENCRYPTED_DATA_LEN_RANGE,
                  "key wrap length");
    }
    if (transform_.encrypt()) {
      P11_ASSIGN_OR_RETURN(auto dst, out.Reserve(transform_.OutputBound(in.size())));
      P11_ASSIGN_OR_RETURN(size_t written, transform_.Run(in, dst.data(), CKR_OK));
      out.Commit(written);
      return Ok();
    }
    // KWP's plaintext length is known only after unwrapping: report the bound to a query,
    // otherwise unwrap once and keep the result for a retry after CKR_BUFFER_TOO_SMALL.
    if (!opened_) {
      if (out.is_query()) return out.Reserve(transform_.OutputBound(in.size())).error();
      P11_ASSIGN_OR_RETURN(plain_, transform_.Open(in, CKR_ENCRYPTED_DATA_INVALID));
      opened_ = true;
    }
    return out.Put(plain_.view());
  }

  WrapTransform transform_;
  SecureBuffer held_;
  bool opened_ = false;
  SecureBuffer plain_;
};

class AesKeyWrap final : public Mechanism {
 public:
  AesKeyWrap(const WrapRow& row, CipherSet ciphers)
      : Mechanism(row.type, kWrapInfo), row_(row), ciphers_(std::move(ciphers)) {}

  bool AcceptsKeyType(CK_KEY_TYPE type) const override { return type == CKK_AES; }

  Result<std::unique_ptr<CipherOperation>> BeginEncrypt(ByteView param,
                                                        const KeyMaterial& key) const override {
    P11_ASSIGN_OR_RETURN(WrapTransform t, MakeTransform(param, key, true));
    return std::unique_ptr<CipherOperation>(std::make_unique<WrapCipherOp>(std::move(t)));
  }

  Result<std::unique_ptr<CipherOperation>> BeginDecrypt(ByteView param,
                                                        const KeyMaterial& key) const override {
    P11_ASSIGN_OR_RETURN(WrapTransform t, MakeTransform(param, key, false));
    return std::unique_ptr<CipherOperation>(std::make_unique<WrapCipherOp>(std::move(t)));
  }

  Result<void> Wrap(ByteView param, const KeyMaterial& wrapping, SecretView key_encoding,
                    OutBuffer& out) const override {
    P11_ASSIGN_OR_RETURN(WrapTransform t, MakeTransform(param, wrapping, true));
    if (!t.LengthOk(key_encoding.size())) return Fail(CKR_KEY_SIZE_RANGE, "key to wrap");
    P11_ASSIGN_OR_RETURN(auto dst, out.Reserve(t.OutputBound(key_encoding.size())));
    P11_ASSIGN_OR_RETURN(size_t written, t.Run(key_encoding.bytes, dst.data(), CKR_OK));
    out.Commit(written);
    return Ok();
  }

  Result<SecureBuffer> Unwrap(ByteView param, const KeyMaterial& unwrapping,
                              ByteView wrapped) const override {
    P11_ASSIGN_OR_RETURN(WrapTransform t, MakeTransform(param, unwrapping, false));
    if (!t.LengthOk(wrapped.size())) return Fail(CKR_WRAPPED_KEY_LEN_RANGE, "wrapped key");
    return t.Open(wrapped, CKR_WRAPPED_KEY_INVALID);
  }

 private:
  Result<WrapTransform> MakeTransform(ByteView param, const KeyMaterial& key, bool encrypt) const {
    if (!param.empty() && param.size() != row_.iv_len) {
      return Fail(CKR_MECHANISM_PARAM_INVALID, "key wrap IV");
    }
    P11_TRY(sym::CheckSecretKey(*this, key));
    size_t n = key.secret.size();
    const EVP_CIPHER* cipher =
        n == 16 || n == 24 || n == 32 ? ciphers_[(n - 16) / 8].get() : nullptr;
    if (cipher == nullptr) return Fail(CKR_KEY_SIZE_RANGE, "AES key size");
    return WrapTransform(cipher, row_.pad, encrypt, key.secret.Clone(), SecureBuffer(param));
  }

  WrapRow row_;
  CipherSet ciphers_;
};

}  // namespace

void RegisterAesWrap(Registry& registry) {
  for (const WrapRow& row : kWrapRows) {
    CipherSet ciphers;
    bool any = false;
    for (size_t i = 0; i < ciphers.size(); ++i) {
      ciphers[i] = ossl::Own(EVP_CIPHER_fetch(nullptr, row.ciphers[i], nullptr));
      if (!ciphers[i]) (void)ossl::ToError(CKR_OK, row.ciphers[i]);
      any = any || ciphers[i] != nullptr;
    }
    if (any) registry.Add(std::make_unique<AesKeyWrap>(row, std::move(ciphers)));
  }
}

}  // namespace p11
