// MAC operations shared by the HMAC and CMAC families: one EVP_MAC computation behind
// SignOperation (compute) and VerifyOperation (recompute, compare in constant time). Both
// families keep an unkeyed EVP_MAC_CTX per algorithm, made at registration; an operation
// duplicates it and loads only the key, so no fetch happens per operation.
#pragma once

#include <openssl/evp.h>

#include <memory>

#include "common/result.h"
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

}  // namespace p11::sym
