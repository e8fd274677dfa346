// HMAC (PKCS#11 3.1 §6.20-6.25 and §6.26-6.29 SHA-3: *_HMAC and *_HMAC_GENERAL): C_Sign*
// computes the MAC, C_Verify* recomputes and compares in constant time (sym_mac.h). Each
// mechanism keeps an EVP_MAC_CTX with its digest already set for every lane of threads
// (ossl/lanes.h), each operation starting from a copy of its lane's.
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "mechanisms/ossl/error.h"
#include "mechanisms/ossl/lanes.h"
#include "mechanisms/registry.h"
#include "mechanisms/sym_common.h"
#include "mechanisms/sym_mac.h"

namespace p11 {
namespace {

// Generic secret keys and HMAC-typed keys alike; sizes in bytes.
constexpr CK_ULONG kMinKeyBytes = 1;
constexpr CK_ULONG kMaxKeyBytes = 512;

struct HmacRow {
  CK_MECHANISM_TYPE type;
  CK_MECHANISM_TYPE general_type;
  const char* digest;
  CK_KEY_TYPE key_type;
};

constexpr HmacRow kHmacs[] = {
    {CKM_SHA_1_HMAC, CKM_SHA_1_HMAC_GENERAL, "SHA1", CKK_SHA_1_HMAC},
    {CKM_SHA224_HMAC, CKM_SHA224_HMAC_GENERAL, "SHA2-224", CKK_SHA224_HMAC},
    {CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL, "SHA2-256", CKK_SHA256_HMAC},
    {CKM_SHA384_HMAC, CKM_SHA384_HMAC_GENERAL, "SHA2-384", CKK_SHA384_HMAC},
    {CKM_SHA512_HMAC, CKM_SHA512_HMAC_GENERAL, "SHA2-512", CKK_SHA512_HMAC},
    {CKM_SHA512_224_HMAC, CKM_SHA512_224_HMAC_GENERAL, "SHA2-512/224", CKK_SHA512_224_HMAC},
    {CKM_SHA512_256_HMAC, CKM_SHA512_256_HMAC_GENERAL, "SHA2-512/256", CKK_SHA512_256_HMAC},
    {CKM_SHA3_224_HMAC, CKM_SHA3_224_HMAC_GENERAL, "SHA3-224", CKK_SHA3_224_HMAC},
    {CKM_SHA3_256_HMAC, CKM_SHA3_256_HMAC_GENERAL, "SHA3-256", CKK_SHA3_256_HMAC},
    {CKM_SHA3_384_HMAC, CKM_SHA3_384_HMAC_GENERAL, "SHA3-384", CKK_SHA3_384_HMAC},
    {CKM_SHA3_512_HMAC, CKM_SHA3_512_HMAC_GENERAL, "SHA3-512", CKK_SHA3_512_HMAC},
};

// An HMAC context bound to `digest` but to no key yet. (Its EVP_MAC_CTX_get_mac_size is 0
// until a key is set, so the MAC size comes from the digest itself.)
ossl::UniquePtr<EVP_MAC_CTX> MakePrototype(EVP_MAC* mac, const char* digest) {
  auto ctx = ossl::Own(EVP_MAC_CTX_new(mac));
  if (!ctx) return nullptr;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest), 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(ctx.get(), params) != 1) return nullptr;
  return ctx;
}

class HmacMechanism final : public sym::MacMechanism {
 public:
  HmacMechanism(CK_MECHANISM_TYPE type, const HmacRow& row, bool general,
                ossl::UniquePtr<EVP_MAC_CTX> prototype, size_t mac_size)
      : MacMechanism(type, CK_MECHANISM_INFO{kMinKeyBytes, kMaxKeyBytes, CKF_SIGN | CKF_VERIFY}),
        digest_(row.digest),
        key_type_(row.key_type),
        general_(general),
        prototype_(std::move(prototype)),
        mac_size_(mac_size) {}

  bool AcceptsKeyType(CK_KEY_TYPE type) const override {
    return type == CKK_GENERIC_SECRET || type == key_type_;
  }

 private:
  Result<sym::MacState> Start(ByteView param, const KeyMaterial& key) const override {
    P11_ASSIGN_OR_RETURN(size_t out_len, sym::MacOutputLength(param, general_, mac_size_));
    P11_TRY(sym::CheckSecretKey(*this, key));
    const EVP_MAC_CTX* lanes = lane_prototypes_.Get([this] {
      auto mac = ossl::Own(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
      return mac ? MakePrototype(mac.get(), digest_) : nullptr;
    });
    // The registration's prototype serves a lane whose own could not be made.
    const EVP_MAC_CTX* prototype = lanes != nullptr ? lanes : prototype_.get();
    return sym::StartMac(prototype, key.secret.secret(), out_len);
  }

  const char* digest_;
  CK_KEY_TYPE key_type_;
  bool general_;
  ossl::UniquePtr<EVP_MAC_CTX> prototype_;
  ossl::PerLane<EVP_MAC_CTX> lane_prototypes_;
  size_t mac_size_;
};

}  // namespace

void RegisterHmac(Registry& registry) {
  auto mac = ossl::Own(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr));
  if (!mac) {
    (void)ossl::ToError(CKR_OK, "EVP_MAC_fetch HMAC");
    return;
  }
  for (const HmacRow& row : kHmacs) {
    auto md = ossl::Own(EVP_MD_fetch(nullptr, row.digest, nullptr));
    for (bool general : {false, true}) {
      auto prototype = md ? MakePrototype(mac.get(), row.digest) : nullptr;
      if (!prototype) {
        (void)ossl::ToError(CKR_OK, row.digest);
        break;
      }
      CK_MECHANISM_TYPE type = general ? row.general_type : row.type;
      size_t size = static_cast<size_t>(EVP_MD_get_size(md.get()));
      registry.Add(std::make_unique<HmacMechanism>(type, row, general, std::move(prototype), size));
    }
  }
}

}  // namespace p11
