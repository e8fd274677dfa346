#include "mechanisms/rsa_cipher.h"

#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include <cstring>

#include "mechanisms/mechanism.h"
#include "mechanisms/ossl/error.h"
#include "mechanisms/rsa_raw.h"

namespace p11::rsa {
namespace {

// PKCS#1 v1.5 encryption padding takes at least 11 bytes (RFC 8017 §7.2.1).
constexpr size_t kPkcs1Overhead = 11;
// The spec sets no bound on an OAEP label; this one only stops a garbage length in the
// caller's structure from becoming a huge allocation and read.
constexpr CK_ULONG kMaxLabelLen = 1 << 20;

int OsslPadding(Padding padding) {
  switch (padding) {
    case Padding::kOaep:
      return RSA_PKCS1_OAEP_PADDING;
    case Padding::kRaw:
      return RSA_NO_PADDING;
    case Padding::kPkcs1:
      break;
  }
  return RSA_PKCS1_PADDING;
}

// RFC 8017 §7.1.1: mLen ≤ k − 2hLen − 2 for OAEP; §7.2.1: mLen ≤ k − 11 for PKCS#1 v1.5.
Result<size_t> MaxPlaintext(const CipherSpec& spec, size_t k) {
  switch (spec.padding) {
    case Padding::kOaep:
      if (k < 2 * spec.oaep_hash_size + 2) return Fail(CKR_KEY_SIZE_RANGE, "OAEP modulus");
      return k - 2 * spec.oaep_hash_size - 2;
    case Padding::kRaw:
      return k;
    case Padding::kPkcs1:
      break;
  }
  if (k < kPkcs1Overhead) return Fail(CKR_KEY_SIZE_RANGE, "PKCS#1 modulus");
  return k - kPkcs1Overhead;
}

Result<void> Configure(EVP_PKEY_CTX* ctx, const CipherSpec& spec) {
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, OsslPadding(spec.padding)) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "RSA padding");
  }
  if (spec.padding != Padding::kOaep) return Ok();
  if (EVP_PKEY_CTX_set_rsa_oaep_md(ctx, spec.oaep_md) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, spec.mgf1_md) != 1) {
    return ossl::ToError(CKR_MECHANISM_PARAM_INVALID, "OAEP digests");
  }
  if (spec.label.empty()) return Ok();
  // The provider keeps its own copy of the label.
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL,
                                        const_cast<uint8_t*>(spec.label.data()), spec.label.size()),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_PKEY_CTX_set_params(ctx, params) != 1) {
    return ossl::ToError(CKR_MECHANISM_PARAM_INVALID, "OAEP label");
  }
  return Ok();
}

class RsaCipherOp final : public CipherOperation {
 public:
  RsaCipherOp(RsaCipher cipher, bool encrypt) : cipher_(std::move(cipher)), encrypt_(encrypt) {}

  // PKCS#11 3.1 mechanisms table: the RSA ciphers are single-part.
  Result<void> Update(ByteView, OutBuffer&) override {
    return Fail(CKR_FUNCTION_NOT_SUPPORTED, "single-part mechanism");
  }
  Result<void> Final(OutBuffer&) override {
    return Fail(CKR_FUNCTION_NOT_SUPPORTED, "single-part mechanism");
  }

  Result<void> OneShot(ByteView in, OutBuffer& out) override {
    if (encrypt_) return cipher_.Encrypt(in, out);
    // The plaintext length is only known after decrypting: a query reports the modulus size,
    // a real call decrypts into secure memory and then reports the exact length (or
    // CKR_BUFFER_TOO_SMALL with it, keeping the operation usable).
    if (in.size() != cipher_.modulus_size()) {
      return Fail(CKR_ENCRYPTED_DATA_LEN_RANGE, "RSA ciphertext length");
    }
    if (out.is_query()) return out.Reserve(cipher_.modulus_size()).error();
    P11_ASSIGN_OR_RETURN(SecureBuffer plain, cipher_.Decrypt(in, CKR_ENCRYPTED_DATA_INVALID));
    return out.Put(plain.view());
  }

 private:
  RsaCipher cipher_;
  bool encrypt_;
};

}  // namespace

Result<CipherSpec> OaepSpec(ByteView param, const RsaDigests& digests) {
  P11_ASSIGN_OR_RETURN(CK_RSA_PKCS_OAEP_PARAMS oaep, ParamAs<CK_RSA_PKCS_OAEP_PARAMS>(param));
  const RsaHash* hash = HashByMechanism(oaep.hashAlg);
  const RsaHash* mgf = HashByMgf(oaep.mgf);
  if (hash == nullptr || mgf == nullptr) return Fail(CKR_MECHANISM_PARAM_INVALID, "OAEP hash");
  bool no_label = oaep.pSourceData == nullptr && oaep.ulSourceDataLen == 0;
  bool source_ok = oaep.source == CKZ_DATA_SPECIFIED
                       ? (oaep.pSourceData != nullptr || oaep.ulSourceDataLen == 0)
                       : (oaep.source == 0 && no_label);
  if (!source_ok || oaep.ulSourceDataLen > kMaxLabelLen) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "OAEP source");
  }
  CipherSpec spec;
  spec.padding = Padding::kOaep;
  P11_ASSIGN_OR_RETURN(spec.oaep_md, digests.Get(*hash, CKR_MECHANISM_PARAM_INVALID));
  P11_ASSIGN_OR_RETURN(spec.mgf1_md, digests.Get(*mgf, CKR_MECHANISM_PARAM_INVALID));
  spec.oaep_hash_size = hash->size;
  if (oaep.ulSourceDataLen != 0) {
    const auto* label = static_cast<const uint8_t*>(oaep.pSourceData);
    spec.label.assign(label, label + oaep.ulSourceDataLen);
  }
  return spec;
}

RsaCipher::RsaCipher(ossl::UniquePtr<EVP_PKEY> pkey, ossl::UniquePtr<EVP_PKEY_CTX> ctx,
                     Padding padding, ZBytes modulus, size_t max_plaintext)
    : pkey_(std::move(pkey)),
      ctx_(std::move(ctx)),
      padding_(padding),
      modulus_(std::move(modulus)),
      max_plaintext_(max_plaintext) {}

Result<RsaCipher> RsaCipher::New(ossl::UniquePtr<EVP_PKEY> pkey, CipherSpec spec, bool encrypt) {
  P11_ASSIGN_OR_RETURN(ZBytes modulus, ModulusBytes(pkey.get()));
  P11_ASSIGN_OR_RETURN(size_t max_plaintext, MaxPlaintext(spec, modulus.size()));
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  int ok = !ctx ? 0 : encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get());
  if (ok != 1) return ossl::ToError(CKR_FUNCTION_FAILED, "RSA cipher init");
  P11_TRY(Configure(ctx.get(), spec));
  return RsaCipher(std::move(pkey), std::move(ctx), spec.padding, std::move(modulus),
                   max_plaintext);
}

Result<void> RsaCipher::Encrypt(ByteView in, OutBuffer& out) {
  if (in.size() > max_plaintext_) return Fail(CKR_DATA_LEN_RANGE, "RSA plaintext length");
  SecureBuffer block;
  if (padding_ == Padding::kRaw) {
    P11_ASSIGN_OR_RETURN(block, RawBlock(in, modulus_));
    in = block.view();
  }
  P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(modulus_.size()));
  size_t len = modulus_.size();
  if (EVP_PKEY_encrypt(ctx_.get(), dst.data(), &len, in.data(), in.size()) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_PKEY_encrypt");
  }
  out.Commit(len);
  return Ok();
}

// No early exit of ours depends on the decrypted block: OpenSSL's unpadding of PKCS#1 v1.5
// type 2 and OAEP is constant-time and reports every failure the same way, and so do we.
Result<SecureBuffer> RsaCipher::Decrypt(ByteView in, CK_RV invalid_rv) {
  SecureBuffer plain(modulus_.size());
  size_t len = plain.size();
  if (EVP_PKEY_decrypt(ctx_.get(), plain.data(), &len, in.data(), in.size()) != 1) {
    return ossl::ToError(invalid_rv, "EVP_PKEY_decrypt");
  }
  plain.resize(len);
  return plain;
}

std::unique_ptr<CipherOperation> NewCipherOperation(RsaCipher cipher, bool encrypt) {
  return std::make_unique<RsaCipherOp>(std::move(cipher), encrypt);
}

Result<void> WrapKey(RsaCipher& cipher, SecretView key_encoding, OutBuffer& out) {
  if (key_encoding.size() > cipher.max_plaintext()) {
    return Fail(CKR_KEY_SIZE_RANGE, "key too long for the wrapping key");
  }
  return cipher.Encrypt(key_encoding.bytes, out);
}

Result<SecureBuffer> UnwrapKey(RsaCipher& cipher, ByteView wrapped) {
  if (wrapped.size() != cipher.modulus_size()) {
    return Fail(CKR_WRAPPED_KEY_LEN_RANGE, "wrapped key length");
  }
  return cipher.Decrypt(wrapped, CKR_WRAPPED_KEY_INVALID);
}

}  // namespace p11::rsa
