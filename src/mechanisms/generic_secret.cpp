// Generic secret key generation (PKCS#11 3.1 §6.7 CKM_GENERIC_SECRET_KEY_GEN): a random
// CKA_VALUE of CKA_VALUE_LEN bytes, used as an HMAC or key-derivation key.
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
constexpr SecretKeyGenRow kGenerators[] = {
    {CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, {1, 512, CKF_GENERATE}},
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
