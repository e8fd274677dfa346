#include "mechanisms/asym_sign.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include <array>

#include "mechanisms/ossl/error.h"

namespace p11::asym {
namespace {

// Room for the DER ECDSA-Sig-Value of the largest supported curve (P-521: 139 bytes).
constexpr size_t kMaxDerSignature = 160;

// Padding, PSS parameters and, for direct PSS input, the input's digest.
Result<void> Configure(EVP_PKEY_CTX* ctx, const SignatureSpec& spec) {
  if (spec.rsa_padding == 0) return Ok();
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, spec.rsa_padding) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "set_rsa_padding");
  }
  if (spec.rsa_padding != RSA_PKCS1_PSS_PADDING) return Ok();
  if ((spec.input_md != nullptr && EVP_PKEY_CTX_set_signature_md(ctx, spec.input_md) != 1) ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, spec.mgf1_md) != 1 ||
      EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, spec.salt_len) != 1) {
    return ossl::ToError(CKR_MECHANISM_PARAM_INVALID, "PSS parameters");
  }
  return Ok();
}

Result<void> CheckDirectInput(const SignatureSpec& spec, ByteView data) {
  if ((spec.input_exact_len != 0 && data.size() != spec.input_exact_len) ||
      data.size() > spec.input_max_len) {
    return Fail(CKR_DATA_LEN_RANGE, "signature input length");
  }
  return Ok();
}

// DER ECDSA-Sig-Value → r‖s, each left-padded to `width` bytes.
Result<void> DerToRaw(ByteView der, size_t width, std::span<uint8_t> out) {
  const unsigned char* p = der.data();
  ossl::UniquePtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return ossl::ToError(CKR_FUNCTION_FAILED, "d2i_ECDSA_SIG");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  int w = static_cast<int>(width);
  if (BN_bn2binpad(r, out.data(), w) != w || BN_bn2binpad(s, out.data() + width, w) != w) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "ECDSA signature width");
  }
  return Ok();
}

// r‖s → DER ECDSA-Sig-Value; returns the DER length written into `der`.
Result<size_t> RawToDer(ByteView raw, std::span<uint8_t> der) {
  size_t width = raw.size() / 2;
  ossl::UniquePtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  ossl::UniquePtr<BIGNUM> r(BN_bin2bn(raw.data(), static_cast<int>(width), nullptr));
  ossl::UniquePtr<BIGNUM> s(BN_bin2bn(raw.data() + width, static_cast<int>(width), nullptr));
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return ossl::ToError(CKR_HOST_MEMORY, "ECDSA_SIG_set0");
  }
  // The signature owns them now.
  (void)r.release();
  (void)s.release();
  if (i2d_ECDSA_SIG(sig.get(), nullptr) > static_cast<int>(der.size())) {
    return Fail(CKR_SIGNATURE_INVALID, "ECDSA signature size");
  }
  unsigned char* p = der.data();
  int len = i2d_ECDSA_SIG(sig.get(), &p);
  if (len <= 0) return ossl::ToError(CKR_FUNCTION_FAILED, "i2d_ECDSA_SIG");
  return static_cast<size_t>(len);
}

// A hash-and-sign context initialised for `key` and configured for `spec`.
Result<ossl::UniquePtr<EVP_MD_CTX>> NewDigestContext(EVP_PKEY* key, const SignatureSpec& spec,
                                                     bool sign) {
  ossl::UniquePtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  int ok = !ctx   ? 0
           : sign ? EVP_DigestSignInit(ctx.get(), &pctx, spec.md, nullptr, key)
                  : EVP_DigestVerifyInit(ctx.get(), &pctx, spec.md, nullptr, key);
  if (ok != 1) return ossl::ToError(CKR_FUNCTION_FAILED, "DigestSign/VerifyInit");
  P11_TRY(Configure(pctx, spec));
  return ctx;
}

// The contexts of one signature or verification, started from what the key keeps ready
// (KeyMaterial): hash-and-sign copies a pristine initialised context of the key's into
// md_ctx_ (its EVP_PKEY_CTX is owned by it); direct input takes a ready context as pkey_ctx_
// and gives it back after an operation that went well. PSS, whose parameters come with each
// operation, starts from nothing.
class SignatureContexts {
 protected:
  Result<void> Init(const KeyMaterial& key, bool sign) {
    use_ = ossl::SignatureUse{sign, spec_.rsa_padding, spec_.md};
    if (spec_.rsa_padding != RSA_PKCS1_PSS_PADDING) pool_owner_ = key.weak_from_this().lock();
    return spec_.md != nullptr ? InitDigest(key, sign) : InitDirect(key, sign);
  }

  explicit SignatureContexts(const SignatureSpec& spec) : spec_(spec) {}
  ~SignatureContexts() {
    if (pool_owner_ != nullptr && pkey_ctx_ != nullptr && reusable_) {
      pool_owner_->contexts.signature().Give(use_, std::move(pkey_ctx_));
    }
  }
  SignatureContexts(const SignatureContexts&) = delete;
  SignatureContexts& operator=(const SignatureContexts&) = delete;

  // PKCS#11 3.1 mechanisms table: direct-input signature mechanisms are single-part only.
  Result<void> CheckMultiPart() const {
    if (spec_.md == nullptr) return Fail(CKR_FUNCTION_NOT_SUPPORTED, "single-part mechanism");
    return Ok();
  }

  // After a direct-input call: whether the context is fit for another operation. A failed
  // call may have left it half-way.
  void KeepIf(bool fit) { reusable_ = reusable_ && fit; }

  SignatureSpec spec_;
  ossl::UniquePtr<EVP_MD_CTX> md_ctx_;
  ossl::UniquePtr<EVP_PKEY_CTX> pkey_ctx_;

 private:
  // Copying a ready context costs OpenSSL a duplicate of its state; initialising one, an
  // algorithm fetch under its global lock and a walk of its name map.
  Result<void> InitDigest(const KeyMaterial& key, bool sign) {
    ossl::UniquePtr<EVP_MD_CTX> ready;
    if (pool_owner_ != nullptr) ready = pool_owner_->contexts.digest().Take(use_);
    if (ready == nullptr) {
      P11_ASSIGN_OR_RETURN(ready, NewDigestContext(key.pkey.get(), spec_, sign));
    }
    md_ctx_.reset(pool_owner_ != nullptr ? EVP_MD_CTX_new() : nullptr);
    if (md_ctx_ != nullptr && EVP_MD_CTX_copy_ex(md_ctx_.get(), ready.get()) == 1) {
      pool_owner_->contexts.digest().Give(use_, std::move(ready));  // never used itself
    } else {
      // Not pooled, or a provider that cannot duplicate its context: the ready one serves.
      ERR_clear_error();
      md_ctx_ = std::move(ready);
    }
    // The operation ends after Final: no need for OpenSSL to finalise a copy.
    EVP_MD_CTX_set_flags(md_ctx_.get(), EVP_MD_CTX_FLAG_FINALISE);
    return Ok();
  }

  Result<void> InitDirect(const KeyMaterial& key, bool sign) {
    if (pool_owner_ != nullptr) pkey_ctx_ = pool_owner_->contexts.signature().Take(use_);
    if (pkey_ctx_ != nullptr) return Ok();
    pkey_ctx_.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, key.pkey.get(), nullptr));
    int ok = !pkey_ctx_ ? 0
             : sign     ? EVP_PKEY_sign_init(pkey_ctx_.get())
                        : EVP_PKEY_verify_init(pkey_ctx_.get());
    if (ok != 1) return ossl::ToError(CKR_FUNCTION_FAILED, "PKEY sign/verify init");
    return Configure(pkey_ctx_.get(), spec_);
  }

  // The key whose pools the contexts come from (null: not pooled).
  std::shared_ptr<const KeyMaterial> pool_owner_;
  ossl::SignatureUse use_;
  bool reusable_ = true;
};

class SignOp final : public SignOperation, private SignatureContexts {
 public:
  explicit SignOp(const SignatureSpec& spec) : SignatureContexts(spec) {}
  Result<void> Init(const KeyMaterial& key) { return SignatureContexts::Init(key, true); }

  Result<void> Update(ByteView data) override {
    P11_TRY(CheckMultiPart());
    if (EVP_DigestSignUpdate(md_ctx_.get(), data.data(), data.size()) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "DigestSignUpdate");
    }
    return Ok();
  }

  Result<void> Final(OutBuffer& signature) override {
    P11_TRY(CheckMultiPart());
    return Produce(signature, [&](uint8_t* out, size_t* len) {
      return EVP_DigestSignFinal(md_ctx_.get(), out, len);
    });
  }

  Result<void> Sign(ByteView data, OutBuffer& signature) override {
    if (spec_.md != nullptr) {
      return Produce(signature, [&](uint8_t* out, size_t* len) {
        return EVP_DigestSign(md_ctx_.get(), out, len, data.data(), data.size());
      });
    }
    P11_TRY(CheckDirectInput(spec_, data));
    return Produce(signature, [&](uint8_t* out, size_t* len) {
      int ok = EVP_PKEY_sign(pkey_ctx_.get(), out, len, data.data(), data.size());
      KeepIf(ok == 1);
      return ok;
    });
  }

 private:
  // Reserves the exact signature length first, so a length query or a short buffer leaves
  // the operation untouched, then signs straight into the caller's buffer (RSA) or through
  // a DER temporary (ECDSA).
  template <class SignFn>
  Result<void> Produce(OutBuffer& signature, SignFn sign) {
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> out, signature.Reserve(spec_.signature_len));
    if (spec_.ecdsa_order_bytes == 0) {
      size_t len = spec_.signature_len;
      if (sign(out.data(), &len) != 1) return ossl::ToError(CKR_FUNCTION_FAILED, "sign");
      signature.Commit(len);
      return Ok();
    }
    std::array<uint8_t, kMaxDerSignature> der;
    size_t der_len = der.size();
    if (sign(der.data(), &der_len) != 1) return ossl::ToError(CKR_FUNCTION_FAILED, "sign");
    P11_TRY(DerToRaw(ByteView(der.data(), der_len), spec_.ecdsa_order_bytes, out));
    signature.Commit(spec_.signature_len);
    return Ok();
  }
};

class VerifyOp final : public VerifyOperation, private SignatureContexts {
 public:
  explicit VerifyOp(const SignatureSpec& spec) : SignatureContexts(spec) {}
  Result<void> Init(const KeyMaterial& key) { return SignatureContexts::Init(key, false); }

  Result<void> Update(ByteView data) override {
    P11_TRY(CheckMultiPart());
    if (EVP_DigestVerifyUpdate(md_ctx_.get(), data.data(), data.size()) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "DigestVerifyUpdate");
    }
    return Ok();
  }

  Result<void> Final(ByteView signature) override {
    P11_TRY(CheckMultiPart());
    return Check(signature, [&](ByteView sig) {
      return EVP_DigestVerifyFinal(md_ctx_.get(), sig.data(), sig.size());
    });
  }

  Result<void> Verify(ByteView data, ByteView signature) override {
    if (spec_.md != nullptr) {
      return Check(signature, [&](ByteView sig) {
        return EVP_DigestVerify(md_ctx_.get(), sig.data(), sig.size(), data.data(), data.size());
      });
    }
    if (signature.size() != spec_.signature_len) {
      return Fail(CKR_SIGNATURE_LEN_RANGE, "signature length");
    }
    P11_TRY(CheckDirectInput(spec_, data));
    return Check(signature, [&](ByteView sig) {
      int ok = EVP_PKEY_verify(pkey_ctx_.get(), sig.data(), sig.size(), data.data(), data.size());
      KeepIf(ok == 1 || ok == 0);  // 0: a signature that does not verify
      return ok;
    });
  }

 private:
  template <class VerifyFn>
  Result<void> Check(ByteView signature, VerifyFn verify) {
    if (signature.size() != spec_.signature_len) {
      return Fail(CKR_SIGNATURE_LEN_RANGE, "signature length");
    }
    int ok;
    if (spec_.ecdsa_order_bytes == 0) {
      ok = verify(signature);
    } else {
      std::array<uint8_t, kMaxDerSignature> der;
      P11_ASSIGN_OR_RETURN(size_t der_len, RawToDer(signature, der));
      ok = verify(ByteView(der.data(), der_len));
    }
    // Any failure, including a value OpenSSL refuses to decode, means "not this signature".
    if (ok != 1) return ossl::ToError(CKR_SIGNATURE_INVALID, "verify");
    return Ok();
  }
};

}  // namespace

Result<std::unique_ptr<SignOperation>> NewSignOperation(const KeyMaterial& key,
                                                        const SignatureSpec& spec) {
  auto op = std::make_unique<SignOp>(spec);
  P11_TRY(op->Init(key));
  return std::unique_ptr<SignOperation>(std::move(op));
}

Result<std::unique_ptr<VerifyOperation>> NewVerifyOperation(const KeyMaterial& key,
                                                            const SignatureSpec& spec) {
  auto op = std::make_unique<VerifyOp>(spec);
  P11_TRY(op->Init(key));
  return std::unique_ptr<VerifyOperation>(std::move(op));
}

}  // namespace p11::asym
