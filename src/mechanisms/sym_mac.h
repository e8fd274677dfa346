// MAC operations shared by the HMAC and CMAC families: one EVP_MAC computation behind
// SignOperation (compute) and VerifyOperation (recompute, compare in constant time). Both
// families keep an unkeyed EVP_MAC_CTX per algorithm, made at registration; an operation
// duplicates it and loads only the key, so no fetch happens per operation.
#pragma once

#include <openssl/evp.h>

#include <memory>

#include "common/result.h"
#include "mechanisms/mechanism.h"
#include "mechanisms/operation.h"
#include "mechanisms/ossl/unique_ptr.h"

namespace p11::sym {

// One keyed MAC computation; `out_len` is the (possibly truncated) length the caller sees.
class MacState {
 public:
  MacState(ossl::UniquePtr<EVP_MAC_CTX> ctx, size_t out_len)
      : ctx_(std::move(ctx)), out_len_(out_len) {}

  size_t out_len() const { return out_len_; }

  // An independent copy of the running computation (C_GetOperationState).
  Result<MacState> Clone() const;
  Result<void> Update(ByteView data);
  // Writes the first out_len() bytes of the MAC to `dst` (which has room for them).
  Result<void> Finish(uint8_t* dst);

 private:
  ossl::UniquePtr<EVP_MAC_CTX> ctx_;
  size_t out_len_;
};

// A copy of `prototype` (an unkeyed context with its algorithm set) keyed with `key`.
Result<MacState> StartMac(const EVP_MAC_CTX* prototype, SecretView key, size_t out_len);

std::unique_ptr<SignOperation> NewMacSignOp(MacState state);
std::unique_ptr<VerifyOperation> NewMacVerifyOp(MacState state);

// The output length a MAC mechanism's parameter asks for: the full MAC (`full` bytes, no
// parameter), or for the *_GENERAL forms 1..full bytes from CK_MAC_GENERAL_PARAMS.
Result<size_t> MacOutputLength(ByteView param, bool general, size_t full);

// A MAC mechanism (HMAC, CMAC): signing computes the MAC, verifying compares it in constant
// time. A family implements only Start, which checks the key and parameter and keys a context.
class MacMechanism : public Mechanism {
 public:
  using Mechanism::Mechanism;

  Result<std::unique_ptr<SignOperation>> BeginSign(ByteView param,
                                                   const KeyMaterial& key) const override {
    P11_ASSIGN_OR_RETURN(MacState state, Start(param, key));
    return NewMacSignOp(std::move(state));
  }
  Result<std::unique_ptr<VerifyOperation>> BeginVerify(ByteView param,
                                                       const KeyMaterial& key) const override {
    P11_ASSIGN_OR_RETURN(MacState state, Start(param, key));
    return NewMacVerifyOp(std::move(state));
  }

 protected:
  virtual Result<MacState> Start(ByteView param, const KeyMaterial& key) const = 0;
};

}  // namespace p11::sym
