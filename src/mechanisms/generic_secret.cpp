// Generic secret key generation (PKCS#11 3.1 §6.7 CKM_GENERIC_SECRET_KEY_GEN) and the per-hash
// HMAC key generators (§6.20-6.29 CKM_SHA*_KEY_GEN): a random CKA_VALUE of CKA_VALUE_LEN
// bytes, typed CKK_GENERIC_SECRET or the hash's CKK_*_HMAC.
#include "mechanisms/registry.h"
#include "mechanisms/sym_common.h"

namespace p11 {
namespace {

struct SecretKeyGenRow {
  CK_MECHANISM_TYPE type;
  CK_KEY_TYPE key_type;
  CK_MECHANISM_INFO info;  // sizes in bytes
};

// 512 bytes matches the largest key the HMAC mechanisms accept.
constexpr CK_MECHANISM_INFO kGenInfo{1, 512, CKF_GENERATE};

constexpr SecretKeyGenRow kGenerators[] = {
    {CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, kGenInfo},
    {CKM_SHA_1_KEY_GEN, CKK_SHA_1_HMAC, kGenInfo},
    {CKM_SHA224_KEY_GEN, CKK_SHA224_HMAC, kGenInfo},
    {CKM_SHA256_KEY_GEN, CKK_SHA256_HMAC, kGenInfo},
    {CKM_SHA384_KEY_GEN, CKK_SHA384_HMAC, kGenInfo},
    {CKM_SHA512_KEY_GEN, CKK_SHA512_HMAC, kGenInfo},
    {CKM_SHA512_224_KEY_GEN, CKK_SHA512_224_HMAC, kGenInfo},
    {CKM_SHA512_256_KEY_GEN, CKK_SHA512_256_HMAC, kGenInfo},
    {CKM_SHA3_224_KEY_GEN, CKK_SHA3_224_HMAC, kGenInfo},
    {CKM_SHA3_256_KEY_GEN, CKK_SHA3_256_HMAC, kGenInfo},
    {CKM_SHA3_384_KEY_GEN, CKK_SHA3_384_HMAC, kGenInfo},
    {CKM_SHA3_512_KEY_GEN, CKK_SHA3_512_HMAC, kGenInfo},
};

class SecretKeyGen final : public Mechanism {
 public:
  explicit SecretKeyGen(const SecretKeyGenRow& row)
      : Mechanism(row.type, row.info), key_type_(row.key_type) {}

  CK_KEY_TYPE GeneratedKeyType() const override { return key_type_; }

  Result<void> GenerateKey(ByteView param, Object& key) const override {
    if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "key gen takes no parameter");
    P11_ASSIGN_OR_RETURN(CK_ULONG len, sym::ValueLenForGenerate(key, key_type_));
    if (len < info().ulMinKeySize || len > info().ulMaxKeySize) {
      return Fail(CKR_KEY_SIZE_RANGE, "CKA_VALUE_LEN");
    }
    return sym::FillRandomValue(key, len);
  }

 private:
  CK_KEY_TYPE key_type_;
};

}  // namespace

void RegisterGenericSecret(Registry& registry) {
  for (const SecretKeyGenRow& row : kGenerators) {
    registry.Add(std::make_unique<SecretKeyGen>(row));
  }
}

}  // namespace p11
