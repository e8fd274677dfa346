#include "mechanisms/rsa_hash.h"

#include "mechanisms/ossl/error.h"

namespace p11::rsa {
namespace {

constexpr RsaHash kHashes[] = {
    {CKM_SHA_1, CKG_MGF1_SHA1, "SHA1", 20},
    {CKM_SHA224, CKG_MGF1_SHA224, "SHA2-224", 28},
    {CKM_SHA256, CKG_MGF1_SHA256, "SHA2-256", 32},
    {CKM_SHA384, CKG_MGF1_SHA384, "SHA2-384", 48},
    {CKM_SHA512, CKG_MGF1_SHA512, "SHA2-512", 64},
    {CKM_SHA3_224, CKG_MGF1_SHA3_224, "SHA3-224", 28},
    {CKM_SHA3_256, CKG_MGF1_SHA3_256, "SHA3-256", 32},
    {CKM_SHA3_384, CKG_MGF1_SHA3_384, "SHA3-384", 48},
    {CKM_SHA3_512, CKG_MGF1_SHA3_512, "SHA3-512", 64},
};
static_assert(std::size(kHashes) == kRsaHashCount);

size_t IndexOf(const RsaHash& hash) { return static_cast<size_t>(&hash - kHashes); }

}  // namespace

const RsaHash* HashByMechanism(CK_MECHANISM_TYPE mechanism) {
  for (const RsaHash& hash : kHashes) {
    if (hash.mechanism == mechanism) return &hash;
  }
  return nullptr;
}

const RsaHash* HashByMgf(CK_RSA_PKCS_MGF_TYPE mgf) {
  for (const RsaHash& hash : kHashes) {
    if (hash.mgf == mgf) return &hash;
  }
  return nullptr;
}

RsaDigests::RsaDigests() {
  for (size_t i = 0; i < mds_.size(); ++i) {
    mds_[i].reset(EVP_MD_fetch(nullptr, kHashes[i].name, nullptr));
    // A missing digest is a supported configuration: drain its error so it is not reported
    // later as the cause of an unrelated failure.
    if (!mds_[i]) (void)ossl::ToError(CKR_MECHANISM_INVALID, kHashes[i].name);
  }
}

Result<const EVP_MD*> RsaDigests::Get(const RsaHash& hash, CK_RV missing_rv) const {
  const EVP_MD* md = mds_[IndexOf(hash)].get();
  if (md == nullptr) return Fail(missing_rv, hash.name);
  return md;
}

bool RsaDigests::Has(const RsaHash& hash) const { return mds_[IndexOf(hash)] != nullptr; }

}  // namespace p11::rsa
