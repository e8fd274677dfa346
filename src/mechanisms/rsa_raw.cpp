#include "mechanisms/rsa_raw.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include <cstring>
#include <vector>

#include "mechanisms/asym_util.h"
#include "mechanisms/ossl/error.h"

namespace p11::rsa {
namespace {

// PKCS#1 v1.5 block type 1 takes at least 11 bytes of the modulus (RFC 8017 §8.2.1).
constexpr size_t kPkcs1Overhead = 11;

Result<void> SinglePartOnly() { return Fail(CKR_FUNCTION_NOT_SUPPORTED, "single-part mechanism"); }

size_t ModulusSize(const EVP_PKEY* pkey) { return static_cast<size_t>(EVP_PKEY_get_size(pkey)); }

// The public operation s^e mod n on a signature, through OpenSSL's verify-recover with the
// given padding check (none for X.509, block type 1 for PKCS#1 v1.5).
class PublicRecover {
 public:
  static Result<PublicRecover> New(ossl::UniquePtr<EVP_PKEY> pkey, int padding) {
    ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
    if (!ctx || EVP_PKEY_verify_recover_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), padding) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "RSA verify-recover init");
    }
    size_t size = ModulusSize(pkey.get());
    return PublicRecover(std::move(pkey), std::move(ctx), size);
  }

  size_t modulus_size() const { return modulus_size_; }

  // A wrong length is CKR_SIGNATURE_LEN_RANGE; a value at or above the modulus, or a block
  // that fails the padding check, is CKR_SIGNATURE_INVALID.
  Result<std::vector<uint8_t>> Run(ByteView signature) {
    if (signature.size() != modulus_size_) {
      return Fail(CKR_SIGNATURE_LEN_RANGE, "signature length");
    }
    std::vector<uint8_t> block(modulus_size_);
    size_t len = block.size();
    if (EVP_PKEY_verify_recover(ctx_.get(), block.data(), &len, signature.data(),
                                signature.size()) != 1) {
      return ossl::ToError(CKR_SIGNATURE_INVALID, "EVP_PKEY_verify_recover");
    }
    block.resize(len);
    return block;
  }

 private:
  PublicRecover(ossl::UniquePtr<EVP_PKEY> pkey, ossl::UniquePtr<EVP_PKEY_CTX> ctx, size_t size)
      : pkey_(std::move(pkey)), ctx_(std::move(ctx)), modulus_size_(size) {}

  ossl::UniquePtr<EVP_PKEY> pkey_;
  ossl::UniquePtr<EVP_PKEY_CTX> ctx_;
  size_t modulus_size_;
};

class RawSignOp final : public SignOperation {
 public:
  RawSignOp(ossl::UniquePtr<EVP_PKEY> pkey, ossl::UniquePtr<EVP_PKEY_CTX> ctx, ZBytes modulus)
      : pkey_(std::move(pkey)), ctx_(std::move(ctx)), modulus_(std::move(modulus)) {}

  Result<void> Update(ByteView) override { return SinglePartOnly(); }
  Result<void> Final(OutBuffer&) override { return SinglePartOnly(); }

  Result<void> Sign(ByteView data, OutBuffer& signature) override {
    P11_ASSIGN_OR_RETURN(SecureBuffer block, RawBlock(data, modulus_));
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> out, signature.Reserve(modulus_.size()));
    size_t len = modulus_.size();
    if (EVP_PKEY_sign(ctx_.get(), out.data(), &len, block.data(), block.size()) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_PKEY_sign");
    }
    signature.Commit(len);
    return Ok();
  }

 private:
  ossl::UniquePtr<EVP_PKEY> pkey_;
  ossl::UniquePtr<EVP_PKEY_CTX> ctx_;
  ZBytes modulus_;
};

class RawVerifyOp final : public VerifyOperation {
 public:
  explicit RawVerifyOp(PublicRecover recover) : recover_(std::move(recover)) {}

  Result<void> Update(ByteView) override { return SinglePartOnly(); }
  Result<void> Final(ByteView) override { return SinglePartOnly(); }

  // X.509 verification compares the recovered block with the zero-padded data.
  Result<void> Verify(ByteView data, ByteView signature) override {
    size_t size = recover_.modulus_size();
    if (signature.size() != size) return Fail(CKR_SIGNATURE_LEN_RANGE, "signature length");
    if (data.size() > size) return Fail(CKR_DATA_LEN_RANGE, "RSA X.509 input length");
    P11_ASSIGN_OR_RETURN(std::vector<uint8_t> block, recover_.Run(signature));
    std::vector<uint8_t> expected(size - data.size(), 0);
    expected.insert(expected.end(), data.begin(), data.end());
    if (block.size() != size || CRYPTO_memcmp(block.data(), expected.data(), size) != 0) {
      return Fail(CKR_SIGNATURE_INVALID, "RSA X.509 signature");
    }
    return Ok();
  }

 private:
  PublicRecover recover_;
};

class RecoverOp final : public RecoverOperation {
 public:
  RecoverOp(PublicRecover recover, size_t max_data)
      : recover_(std::move(recover)), max_data_(max_data) {}

  // The data length is only known after recovery: a query reports the most there can be.
  Result<void> Recover(ByteView signature, OutBuffer& data) override {
    if (signature.size() != recover_.modulus_size()) {
      return Fail(CKR_SIGNATURE_LEN_RANGE, "signature length");
    }
    if (data.is_query()) return data.Reserve(max_data_).error();
    P11_ASSIGN_OR_RETURN(std::vector<uint8_t> recovered, recover_.Run(signature));
    return data.Put(recovered);
  }

 private:
  PublicRecover recover_;
  size_t max_data_;
};

}  // namespace

Result<ZBytes> ModulusBytes(const EVP_PKEY* pkey) {
  ossl::UniquePtr<BIGNUM> n = asym::GetBnParam(pkey, OSSL_PKEY_PARAM_RSA_N);
  if (!n) return ossl::ToError(CKR_FUNCTION_FAILED, "RSA modulus");
  ZBytes bytes = asym::BnToBytes(n.get(), ModulusSize(pkey));
  if (bytes.empty()) return Fail(CKR_FUNCTION_FAILED, "RSA modulus width");
  return bytes;
}

Result<SecureBuffer> RawBlock(ByteView in, ByteView modulus) {
  if (in.size() > modulus.size()) return Fail(CKR_DATA_LEN_RANGE, "RSA X.509 input length");
  SecureBuffer block(modulus.size());
  // An empty input may come with a null pointer, which memcpy must never see.
  if (!in.empty()) std::memcpy(block.data() + (modulus.size() - in.size()), in.data(), in.size());
  // Both are big-endian of the same width, so byte order is numeric order.
  if (std::memcmp(block.data(), modulus.data(), modulus.size()) >= 0) {
    return Fail(CKR_DATA_INVALID, "RSA X.509 input not below the modulus");
  }
  return block;
}

Result<std::unique_ptr<SignOperation>> NewRawSignOperation(ossl::UniquePtr<EVP_PKEY> pkey) {
  P11_ASSIGN_OR_RETURN(ZBytes modulus, ModulusBytes(pkey.get()));
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "RSA X.509 sign init");
  }
  return std::unique_ptr<SignOperation>(
      std::make_unique<RawSignOp>(std::move(pkey), std::move(ctx), std::move(modulus)));
}

Result<std::unique_ptr<VerifyOperation>> NewRawVerifyOperation(ossl::UniquePtr<EVP_PKEY> pkey) {
  P11_ASSIGN_OR_RETURN(PublicRecover recover, PublicRecover::New(std::move(pkey), RSA_NO_PADDING));
  return std::unique_ptr<VerifyOperation>(std::make_unique<RawVerifyOp>(std::move(recover)));
}

Result<std::unique_ptr<RecoverOperation>> NewRecoverOperation(ossl::UniquePtr<EVP_PKEY> pkey,
                                                              bool raw) {
  int padding = raw ? RSA_NO_PADDING : RSA_PKCS1_PADDING;
  P11_ASSIGN_OR_RETURN(PublicRecover recover, PublicRecover::New(std::move(pkey), padding));
  size_t size = recover.modulus_size();
  size_t max_data = raw ? size : size - kPkcs1Overhead;
  return std::unique_ptr<RecoverOperation>(
      std::make_unique<RecoverOp>(std::move(recover), max_data));
}

}  // namespace p11::rsa
