// AES-CMAC (PKCS#11 3.1 §6.13.7 CKM_AES_CMAC, CKM_AES_CMAC_GENERAL; NIST SP 800-38B): C_Sign*
// computes the MAC, C_Verify* recomputes and compares (sym_mac.h). EVP_MAC "CMAC" needs its
// block cipher chosen by key size, given when the key is loaded. (An unkeyed CMAC context
// cannot be duplicated, so unlike HMAC there is no prototype context to copy.)
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <array>

#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"
#include "mechanisms/sym_common.h"
#include "mechanisms/sym_mac.h"

namespace p11 {
namespace {

constexpr size_t kAesBlock = 16;

struct CmacRow {
  CK_MECHANISM_TYPE type;
  bool general;  // takes CK_MAC_GENERAL_PARAMS (1..16 bytes of output)
};

constexpr CmacRow kCmacs[] = {{CKM_AES_CMAC, false}, {CKM_AES_CMAC_GENERAL, true}};
constexpr std::array<const char*, 3> kCbcCiphers = {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"};

// Sizes in bytes, as for every AES mechanism.
constexpr CK_MECHANISM_INFO kCmacInfo{16, 32, CKF_SIGN | CKF_VERIFY};

class CmacMechanism final : public sym::MacMechanism {
 public:
  CmacMechanism(const CmacRow& row, ossl::UniquePtr<EVP_MAC> mac)
      : MacMechanism(row.type, kCmacInfo), general_(row.general), mac_(std::move(mac)) {}

  bool AcceptsKeyType(CK_KEY_TYPE type) const override { return type == CKK_AES; }

 private:
  Result<sym::MacState> Start(ByteView param, const KeyMaterial& key) const override {
    P11_ASSIGN_OR_RETURN(size_t out_len, sym::MacOutputLength(param, general_, kAesBlock));
    P11_TRY(sym::CheckSecretKey(*this, key));
    size_t n = key.secret.size();
    if (n != 16 && n != 24 && n != 32) return Fail(CKR_KEY_SIZE_RANGE, "AES key size");
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
                                         const_cast<char*>(kCbcCiphers[(n - 16) / 8]), 0),
        OSSL_PARAM_construct_end()};
    auto ctx = ossl::Own(EVP_MAC_CTX_new(mac_.get()));
    if (!ctx || EVP_MAC_init(ctx.get(), key.secret.data(), n, params) != 1) {
      return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_MAC_init CMAC");
    }
    return sym::MacState(std::move(ctx), out_len);
  }

  bool general_;
  ossl::UniquePtr<EVP_MAC> mac_;
};

}  // namespace

void RegisterCmac(Registry& registry) {
  auto mac = ossl::Own(EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_CMAC, nullptr));
  if (!mac) {
    (void)ossl::ToError(CKR_OK, "EVP_MAC_fetch CMAC");
    return;
  }
  for (const CmacRow& row : kCmacs) {
    EVP_MAC_up_ref(mac.get());
    registry.Add(std::make_unique<CmacMechanism>(row, ossl::Own(mac.get())));
  }
}

}  // namespace p11
