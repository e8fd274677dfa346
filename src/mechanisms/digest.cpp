// Message digests (PKCS#11 3.1 §6.20-6.25 SHA-1 and SHA-2 including SHA-512/224 and
// SHA-512/256, §6.26-6.29 SHA-3): C_Digest*, C_DigestKey, and state copies for
// C_GetOperationState. One row per mechanism; the EVP_MD is fetched once at registration.
#include <openssl/evp.h>

#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"

namespace p11 {
namespace {

struct DigestRow {
  CK_MECHANISM_TYPE type;
  const char* ossl_name;
};

constexpr DigestRow kDigests[] = {
    {CKM_SHA_1, "SHA1"},
    {CKM_SHA224, "SHA2-224"},
    {CKM_SHA256, "SHA2-256"},
    {CKM_SHA384, "SHA2-384"},
    {CKM_SHA512, "SHA2-512"},
    {CKM_SHA512_224, "SHA2-512/224"},
    {CKM_SHA512_256, "SHA2-512/256"},
    {CKM_SHA3_224, "SHA3-224"},
    {CKM_SHA3_256, "SHA3-256"},
    {CKM_SHA3_384, "SHA3-384"},
    {CKM_SHA3_512, "SHA3-512"},
};

class DigestOp final : public DigestOperation {
 public:
  DigestOp(ossl::UniquePtr<EVP_MD_CTX> ctx, size_t size) : ctx_(std::move(ctx)), size_(size) {}

  Result<std::unique_ptr<DigestOperation>> Clone() const override {
    auto copy = ossl::Own(EVP_MD_CTX_new());
    if (!copy || EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_MD_CTX_copy_ex");
    }
    return std::unique_ptr<DigestOperation>(std::make_unique<DigestOp>(std::move(copy), size_));
  }

  Result<void> Update(ByteView data) override {
    if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_DigestUpdate");
    }
    return Ok();
  }

  Result<void> UpdateKey(SecretView key) override { return Update(key.bytes); }

  Result<void> Final(OutBuffer& out) override {
    P11_ASSIGN_OR_RETURN(std::span<uint8_t> dst, out.Reserve(size_));
    unsigned int written = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), dst.data(), &written) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_DigestFinal_ex");
    }
    out.Commit(written);
    return Ok();
  }

  Result<void> Digest(ByteView data, OutBuffer& out) override {
    // Reserve before hashing: a length query or a short buffer must not consume `data`.
    P11_TRY(out.Reserve(size_));
    P11_TRY(Update(data));
    return Final(out);
  }

 private:
  ossl::UniquePtr<EVP_MD_CTX> ctx_;
  size_t size_;
};

class DigestMechanism final : public Mechanism {
 public:
  DigestMechanism(CK_MECHANISM_TYPE type, ossl::UniquePtr<EVP_MD> md)
      : Mechanism(type, CK_MECHANISM_INFO{0, 0, CKF_DIGEST}), md_(std::move(md)) {}

  Result<std::unique_ptr<DigestOperation>> BeginDigest(ByteView param) const override {
    if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "digest takes no parameter");
    auto ctx = ossl::Own(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex2(ctx.get(), md_.get(), nullptr) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_DigestInit_ex2");
    }
    return std::unique_ptr<DigestOperation>(
        std::make_unique<DigestOp>(std::move(ctx), EVP_MD_get_size(md_.get())));
  }

 private:
  ossl::UniquePtr<EVP_MD> md_;
};

}  // namespace

void RegisterDigest(Registry& registry) {
  for (const DigestRow& row : kDigests) {
    // A provider configuration without this digest (a strict FIPS setup has no SHA-1 for some
    // uses) simply leaves the mechanism out of C_GetMechanismList.
    auto md = ossl::Own(EVP_MD_fetch(nullptr, row.ossl_name, nullptr));
    if (!md) {
      (void)ossl::ToError(CKR_OK, row.ossl_name);
      continue;
    }
    registry.Add(std::make_unique<DigestMechanism>(row.type, std::move(md)));
  }
}

}  // namespace p11
