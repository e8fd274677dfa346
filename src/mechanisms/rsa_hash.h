// The hashes the RSA family accepts, as one table: SHA-1, SHA-2 and SHA-3, each with its
// CKM_* and CKG_MGF1_* names. asym_util's table stops at SHA-2 and is shared with ECDSA; this
// one is the RSA family's own, so SHA-3 for OAEP and PSS does not change other families.
#pragma once

#include <openssl/evp.h>

#include <array>

#include "common/result.h"
#include "mechanisms/ossl/unique_ptr.h"
#include "pkcs11/pkcs11.h"

namespace p11::rsa {

struct RsaHash {
  CK_MECHANISM_TYPE mechanism;  // CKM_SHA_1, CKM_SHA3_256, …
  CK_RSA_PKCS_MGF_TYPE mgf;     // CKG_MGF1_SHA1, CKG_MGF1_SHA3_256, …
  const char* name;             // OpenSSL digest name
  size_t size;
};

inline constexpr size_t kRsaHashCount = 9;

// nullptr when the value names no hash of the table.
const RsaHash* HashByMechanism(CK_MECHANISM_TYPE mechanism);
const RsaHash* HashByMgf(CK_RSA_PKCS_MGF_TYPE mgf);

// The digests fetched once, when the family registers. Get fails with `missing_rv` when this
// OpenSSL lacks the digest (a FIPS provider without SHA-1, a build without SHA-3); it never
// returns nullptr, which OpenSSL would read as "the default digest".
class RsaDigests {
 public:
  RsaDigests();
  Result<const EVP_MD*> Get(const RsaHash& hash, CK_RV missing_rv) const;
  bool Has(const RsaHash& hash) const;

 private:
  std::array<ossl::UniquePtr<EVP_MD>, kRsaHashCount> mds_;
};

}  // namespace p11::rsa
