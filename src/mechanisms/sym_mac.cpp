// MAC sign/verify operations over EVP_MAC (see sym_mac.h).
#include "mechanisms/sym_mac.h"

#include <openssl/crypto.h>

#include <cstring>

#include "mechanisms/ossl/error.h"

namespace p11::sym {

Result<MacState> MacState::Clone() const {
  auto ctx = ossl::Own(EVP_MAC_CTX_dup(ctx_.get()));
  if (!ctx) return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_MAC_CTX_dup");
  return MacState(std::move(ctx), out_len_);
}

Result<void> MacState::Update(ByteView data) {
  if (EVP_MAC_update(ctx_.get(), data.data(), data.size()) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_MAC_update");
  }
  return Ok();
}

Result<void> MacState::Finish(uint8_t* dst) {
  uint8_t mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  if (EVP_MAC_final(ctx_.get(), mac, &mac_len, sizeof mac) != 1 || mac_len < out_len_) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_MAC_final");
  }
  std::memcpy(dst, mac, out_len_);
  OPENSSL_cleanse(mac, sizeof mac);
  return Ok();
}

Result<MacState> StartMac(const EVP_MAC_CTX* prototype, SecretView key, size_t out_len) {
  auto ctx = ossl::Own(EVP_MAC_CTX_dup(prototype));
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), nullptr) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_MAC_init");
  }
  return MacState(std::move(ctx), out_len);
}

namespace {

class MacSignOp final : public SignOperation {
 public:
  explicit MacSignOp(MacState state) : state_(std::move(state)) {}

  Result<std::unique_ptr<SignOperation>> Clone() const override {
    P11_ASSIGN_OR_RETURN(MacState copy, state_.Clone());
    return std::unique_ptr<SignOperation>(std::make_unique<MacSignOp>(std::move(copy)));
  }

  Result<void> Update(ByteView data) override { return state_.Update(data); }

  Result<void> Final(OutBuffer& signature) override {
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, signature.Reserve(state_.out_len()));
    P11_TRY(state_.Finish(dst.data()));
    signature.Commit(state_.out_len());
    return Ok();
  }

  Result<void> Sign(ByteView data, OutBuffer& signature) override {
    // Length first, so a query or a short buffer leaves the operation untouched.
    P11_TRY(signature.Reserve(state_.out_len()));
    P11_TRY(state_.Update(data));
    return Final(signature);
  }

 private:
  MacState state_;
};

class MacVerifyOp final : public VerifyOperation {
 public:
  explicit MacVerifyOp(MacState state) : state_(std::move(state)) {}

  Result<void> Update(ByteView data) override { return state_.Update(data); }

  Result<void> Final(ByteView signature) override {
    if (signature.size() != state_.out_len()) return Fail(CKR_SIGNATURE_LEN_RANGE, "MAC length");
    uint8_t expected[EVP_MAX_MD_SIZE];
    P11_TRY(state_.Finish(expected));
    bool match = CRYPTO_memcmp(expected, signature.data(), signature.size()) == 0;
    OPENSSL_cleanse(expected, sizeof expected);
    if (!match) return Fail(CKR_SIGNATURE_INVALID, "MAC mismatch");
    return Ok();
  }

  Result<void> Verify(ByteView data, ByteView signature) override {
    if (signature.size() != state_.out_len()) return Fail(CKR_SIGNATURE_LEN_RANGE, "MAC length");
    P11_TRY(state_.Update(data));
    return Final(signature);
  }

 private:
  MacState state_;
};

}  // namespace

std::unique_ptr<SignOperation> NewMacSignOp(MacState state) {
  return std::make_unique<MacSignOp>(std::move(state));
}

std::unique_ptr<VerifyOperation> NewMacVerifyOp(MacState state) {
  return std::make_unique<MacVerifyOp>(std::move(state));
}

Result<size_t> MacOutputLength(ByteView param, bool general, size_t full) {
  if (!general) {
    if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "MAC takes no parameter");
    return full;
  }
  P11_ASSIGN_OR_RETURN(CK_MAC_GENERAL_PARAMS len, ParamAs<CK_MAC_GENERAL_PARAMS>(param));
  if (len == 0 || len > full) return Fail(CKR_MECHANISM_PARAM_INVALID, "MAC length");
  return static_cast<size_t>(len);
}

}  // namespace p11::sym
