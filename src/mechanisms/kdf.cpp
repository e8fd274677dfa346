// Key derivation by simple combination (PKCS#11 3.1 §6.61: CKM_CONCATENATE_BASE_AND_KEY,
// CKM_CONCATENATE_BASE_AND_DATA, CKM_XOR_BASE_AND_DATA) and by encrypting data under an AES
// base key (§6.13.x CKM_AES_ECB_ENCRYPT_DATA, CKM_AES_CBC_ENCRYPT_DATA). The derived value is
// the combination, truncated to the template's CKA_VALUE_LEN when that is shorter.
// RegisterKdf also registers the HKDF, SP 800-108 and PBKDF2 sub-families.
#include <openssl/evp.h>

#include <algorithm>

#include "mechanisms/kdf_common.h"
#include "mechanisms/kdf_keyed.h"
#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"

namespace p11 {
namespace {

constexpr size_t kAesBlock = 16;

Result<ByteView> StringData(ByteView param, bool allow_empty) {
  P11_ASSIGN_OR_RETURN(auto p, ParamAs<CK_KEY_DERIVATION_STRING_DATA>(param));
  return kdf::CallerBytes(p.pData, p.ulLen, allow_empty);
}

// Truncates `value` to the length the template asks for and stores it.
Result<void> StoreTruncated(Object& derived, const SecureBuffer& value) {
  P11_ASSIGN_OR_RETURN(size_t len, kdf::DerivedKeyLength(derived, value.size(), value.size()));
  kdf::StoreDerivedKey(derived, value.view().first(len));
  return Ok();
}

// Base class of the combining mechanisms: any secret key is a valid base.
class CombineMechanism : public Mechanism {
 public:
  explicit CombineMechanism(CK_MECHANISM_TYPE type) : Mechanism(type, kdf::kDeriveInfo) {}
  bool AcceptsKeyType(CK_KEY_TYPE type) const override { return kdf::IsSecretKeyType(type); }
};

class ConcatenateBaseAndData final : public CombineMechanism {
 public:
  ConcatenateBaseAndData() : CombineMechanism(CKM_CONCATENATE_BASE_AND_DATA) {}

  Result<void> Derive(ByteView param, const KeyMaterial& base, Object& derived) const override {
    P11_ASSIGN_OR_RETURN(ByteView data, StringData(param, false));
    P11_TRY(kdf::CheckBaseKey(*this, base));
    SecureBuffer value = base.secret.Clone();
    value.Append(data);
    return StoreTruncated(derived, value);
  }
};

class XorBaseAndData final : public CombineMechanism {
 public:
  XorBaseAndData() : CombineMechanism(CKM_XOR_BASE_AND_DATA) {}

  // The result is as long as the shorter of key and data (PKCS#11 3.1 §6.61.5).
  Result<void> Derive(ByteView param, const KeyMaterial& base, Object& derived) const override {
    P11_ASSIGN_OR_RETURN(ByteView data, StringData(param, false));
    P11_TRY(kdf::CheckBaseKey(*this, base));
    SecureBuffer value(std::min(base.secret.size(), data.size()));
    for (size_t i = 0; i < value.size(); ++i) value.data()[i] = base.secret.data()[i] ^ data[i];
    return StoreTruncated(derived, value);
  }
};

// The parameter is the other key's handle (PKCS#11 3.1 §6.61.2); see kdf_keyed.h.
class ConcatenateBaseAndKey final : public CombineMechanism, public KeyedDerive {
 public:
  ConcatenateBaseAndKey() : CombineMechanism(CKM_CONCATENATE_BASE_AND_KEY) {}

  Result<void> Derive(ByteView, const KeyMaterial&, Object&) const override {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "CONCATENATE_BASE_AND_KEY needs the other key");
  }

  Result<std::optional<CK_OBJECT_HANDLE>> OtherKeyHandle(ByteView param) const override {
    P11_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE handle, ParamAs<CK_OBJECT_HANDLE>(param));
    return std::optional<CK_OBJECT_HANDLE>(handle);
  }

  Result<void> DeriveWithOtherKey(ByteView param, const KeyMaterial& base, const KeyMaterial& other,
                                  Object& derived) const override {
    P11_TRY(ParamAs<CK_OBJECT_HANDLE>(param));
    P11_TRY(kdf::CheckBaseKey(*this, base));
    P11_TRY(kdf::CheckBaseKey(*this, other));
    SecureBuffer value = base.secret.Clone();
    value.Append(other.secret.view());
    return StoreTruncated(derived, value);
  }
};

struct EncryptDataRow {
  CK_MECHANISM_TYPE type;
  bool cbc;
};

constexpr EncryptDataRow kEncryptData[] = {
    {CKM_AES_ECB_ENCRYPT_DATA, false},
    {CKM_AES_CBC_ENCRYPT_DATA, true},
};

// AES-ECB or AES-CBC without padding of `data` (a non-empty multiple of the block size).
Result<SecureBuffer> AesEncryptData(SecretView key, ByteView iv, ByteView data) {
  static constexpr const char* kNames[2][3] = {{"AES-128-ECB", "AES-192-ECB", "AES-256-ECB"},
                                               {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"}};
  const char* name = kNames[iv.empty() ? 0 : 1][(key.size() - 16) / 8];
  auto cipher = ossl::Own(EVP_CIPHER_fetch(nullptr, name, nullptr));
  auto ctx = ossl::Own(EVP_CIPHER_CTX_new());
  if (!cipher || !ctx ||
      EVP_EncryptInit_ex2(ctx.get(), cipher.get(), key.data(), iv.empty() ? nullptr : iv.data(),
                          nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "AES encrypt-data init");
  }
  SecureBuffer out(data.size());
  int written = 0;
  int tail = 0;
  if (EVP_EncryptUpdate(ctx.get(), out.data(), &written, data.data(),
                        static_cast<int>(data.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &tail) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "AES encrypt-data");
  }
  return out;
}

class AesEncryptDataDerive final : public Mechanism {
 public:
  explicit AesEncryptDataDerive(const EncryptDataRow& row)
      : Mechanism(row.type, CK_MECHANISM_INFO{16, 32, CKF_DERIVE}), cbc_(row.cbc) {}

  bool AcceptsKeyType(CK_KEY_TYPE type) const override { return type == CKK_AES; }

  Result<void> Derive(ByteView param, const KeyMaterial& base, Object& derived) const override {
    ByteView iv;
    ByteView data;
    if (cbc_) {
      P11_ASSIGN_OR_RETURN(auto p, ParamAs<CK_AES_CBC_ENCRYPT_DATA_PARAMS>(param));
      P11_ASSIGN_OR_RETURN(data, kdf::CallerBytes(p.pData, p.length, false));
      iv = ByteView(param.data() + offsetof(CK_AES_CBC_ENCRYPT_DATA_PARAMS, iv), sizeof p.iv);
    } else {
      P11_ASSIGN_OR_RETURN(data, StringData(param, false));
    }
    if (data.size() % kAesBlock != 0) return Fail(CKR_MECHANISM_PARAM_INVALID, "data length");
    P11_TRY(kdf::CheckBaseKey(*this, base));
    size_t n = base.secret.size();
    if (n != 16 && n != 24 && n != 32) return Fail(CKR_KEY_SIZE_RANGE, "AES key size");
    P11_ASSIGN_OR_RETURN(SecureBuffer value, AesEncryptData(base.secret.secret(), iv, data));
    return StoreTruncated(derived, value);
  }

 private:
  bool cbc_;
};

}  // namespace

void RegisterKdf(Registry& registry) {
  registry.Add(std::make_unique<ConcatenateBaseAndData>());
  registry.Add(std::make_unique<ConcatenateBaseAndKey>());
  registry.Add(std::make_unique<XorBaseAndData>());
  for (const EncryptDataRow& row : kEncryptData) {
    registry.Add(std::make_unique<AesEncryptDataDerive>(row));
  }
  kdf::AddHkdf(registry);
  kdf::AddSp800108(registry);
  kdf::AddPbkdf2(registry);
}

}  // namespace p11
