// HKDF (RFC 5869) as PKCS#11 3.1 §6.59 defines it: CKM_HKDF_DERIVE derives a secret key,
// CKM_HKDF_DATA a CKO_DATA object, both from CK_HKDF_PARAMS (extract and/or expand, the PRF
// hash, a NULL / data / key salt, info); CKM_HKDF_KEY_GEN generates CKK_HKDF keys. The work is
// OpenSSL's EVP_KDF "HKDF".
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "mechanisms/kdf_common.h"
#include "mechanisms/kdf_keyed.h"
#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"
#include "mechanisms/sym_common.h"

namespace p11::kdf {
namespace {

// RFC 5869 §2.3: L <= 255 * HashLen.
constexpr size_t kMaxExpandBlocks = 255;

struct HkdfInput {
  const char* digest;
  size_t hash_len;
  bool extract;
  bool expand;
  CK_ULONG salt_type;  // meaningful only when extracting
  ByteView salt;
  CK_OBJECT_HANDLE salt_key;
  ByteView info;
};

Result<HkdfInput> ParseHkdfParams(ByteView param) {
  P11_ASSIGN_OR_RETURN(CK_HKDF_PARAMS p, ParamAs<CK_HKDF_PARAMS>(param));
  HkdfInput in{};
  in.extract = p.bExtract != CK_FALSE;
  in.expand = p.bExpand != CK_FALSE;
  if (!in.extract && !in.expand) return Fail(CKR_MECHANISM_PARAM_INVALID, "HKDF does nothing");
  in.digest = DigestName(p.prfHashMechanism);
  auto md = ossl::Own(in.digest ? EVP_MD_fetch(nullptr, in.digest, nullptr) : nullptr);
  if (!md) return Fail(CKR_MECHANISM_PARAM_INVALID, "HKDF hash");
  in.hash_len = static_cast<size_t>(EVP_MD_get_size(md.get()));
  if (in.expand) {
    P11_ASSIGN_OR_RETURN(in.info, CallerBytes(p.pInfo, p.ulInfoLen, true));
  }
  if (!in.extract) return in;
  in.salt_type = p.ulSaltType;
  switch (p.ulSaltType) {
    case CKF_HKDF_SALT_NULL:
      if (p.pSalt != nullptr || p.ulSaltLen != 0) {
        return Fail(CKR_MECHANISM_PARAM_INVALID, "HKDF NULL salt with data");
      }
      break;
    case CKF_HKDF_SALT_DATA: {
      P11_ASSIGN_OR_RETURN(in.salt, CallerBytes(p.pSalt, p.ulSaltLen, false));
      break;
    }
    case CKF_HKDF_SALT_KEY:
      in.salt_key = p.hSaltKey;
      break;
    default:
      return Fail(CKR_MECHANISM_PARAM_INVALID, "HKDF salt type");
  }
  return in;
}

// One EVP_KDF "HKDF" run producing `len` bytes. A NULL salt is RFC 5869's default (HashLen
// zero bytes), which OpenSSL applies when no salt is given.
Result<SecureBuffer> RunHkdf(const HkdfInput& in, SecretView ikm, ByteView salt, size_t len) {
  auto kdf = ossl::Own(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  auto ctx = ossl::Own(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  if (!ctx) return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_KDF HKDF");
  int mode = !in.extract  ? EVP_KDF_HKDF_MODE_EXPAND_ONLY
             : !in.expand ? EVP_KDF_HKDF_MODE_EXTRACT_ONLY
                          : EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND;
  auto octets = [](const char* key, ByteView bytes) {
    return OSSL_PARAM_construct_octet_string(key, const_cast<uint8_t*>(bytes.data()), bytes.size());
  };
  OSSL_PARAM params[6];
  size_t n = 0;
  params[n++] =
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(in.digest), 0);
  params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
  params[n++] = octets(OSSL_KDF_PARAM_KEY, ikm.bytes);
  if (in.extract && !salt.empty()) params[n++] = octets(OSSL_KDF_PARAM_SALT, salt);
  if (in.expand && !in.info.empty()) params[n++] = octets(OSSL_KDF_PARAM_INFO, in.info);
  params[n] = OSSL_PARAM_construct_end();
  SecureBuffer out(len);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "HKDF derive");
  }
  return out;
}

bool IsHkdfKeyType(CK_KEY_TYPE type) { return type == CKK_GENERIC_SECRET || type == CKK_HKDF; }

class HkdfDerive final : public Mechanism, public KeyedDerive {
 public:
  HkdfDerive(CK_MECHANISM_TYPE type, bool data_object)
      : Mechanism(type, kDeriveInfo), data_object_(data_object) {}

  bool AcceptsKeyType(CK_KEY_TYPE type) const override { return IsHkdfKeyType(type); }

  Result<void> Derive(ByteView param, const KeyMaterial& base, Object& derived) const override {
    P11_ASSIGN_OR_RETURN(HkdfInput in, ParseHkdfParams(param));
    if (in.extract && in.salt_type == CKF_HKDF_SALT_KEY) {
      return Fail(CKR_MECHANISM_PARAM_INVALID, "HKDF salt key not resolved");
    }
    return Run(in, base, in.salt, derived);
  }

  Result<std::optional<CK_OBJECT_HANDLE>> OtherKeyHandle(ByteView param) const override {
    P11_ASSIGN_OR_RETURN(HkdfInput in, ParseHkdfParams(param));
    if (!in.extract || in.salt_type != CKF_HKDF_SALT_KEY) return std::optional<CK_OBJECT_HANDLE>();
    return std::optional<CK_OBJECT_HANDLE>(in.salt_key);
  }

  Result<void> DeriveWithOtherKey(ByteView param, const KeyMaterial& base,
                                  const KeyMaterial& salt_key, Object& derived) const override {
    P11_ASSIGN_OR_RETURN(HkdfInput in, ParseHkdfParams(param));
    if (!in.extract || in.salt_type != CKF_HKDF_SALT_KEY) {
      return Fail(CKR_MECHANISM_PARAM_INVALID, "HKDF parameter names no salt key");
    }
    P11_TRY(CheckBaseKey(*this, salt_key));
    return Run(in, base, salt_key.secret.view(), derived);
  }

 private:
  Result<void> Run(const HkdfInput& in, const KeyMaterial& base, ByteView salt,
                   Object& derived) const {
    P11_TRY(CheckBaseKey(*this, base));
    size_t max_len = in.expand ? kMaxExpandBlocks * in.hash_len : in.hash_len;
    P11_ASSIGN_OR_RETURN(size_t len, OutputLength(derived, in.hash_len, max_len));
    // Extract alone yields exactly the PRK (RFC 5869 §2.2).
    if (!in.expand && len != in.hash_len) {
      return Fail(CKR_TEMPLATE_INCONSISTENT, "HKDF extract length");
    }
    P11_ASSIGN_OR_RETURN(SecureBuffer value, RunHkdf(in, base.secret.secret(), salt, len));
    if (!data_object_) {
      StoreDerivedKey(derived, value.view());
      return Ok();
    }
    derived.Erase(CKA_VALUE_LEN);
    derived.SetUlong(CKA_CLASS, CKO_DATA);
    derived.Set(CKA_VALUE, value.view());
    return Ok();
  }

  CK_OBJECT_CLASS DerivedObjectClass() const override {
    return data_object_ ? CKO_DATA : CKO_SECRET_KEY;
  }

  // CKM_HKDF_DATA makes a CKO_DATA object, whose length is the template's CKA_VALUE_LEN when
  // given (a data object has no such attribute, so it is removed afterwards), else HashLen.
  Result<size_t> OutputLength(const Object& derived, size_t hash_len, size_t max_len) const {
    if (!data_object_) return DerivedKeyLength(derived, hash_len, max_len);
    if (derived.Has(CKA_CLASS) && derived.Class() != CKO_DATA) {
      return Fail(CKR_TEMPLATE_INCONSISTENT, "HKDF_DATA class");
    }
    if (!derived.Has(CKA_VALUE_LEN)) return hash_len;
    std::optional<CK_ULONG> len = derived.GetUlong(CKA_VALUE_LEN);
    if (!len || *len == 0) return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE_LEN");
    if (*len > max_len) return Fail(CKR_TEMPLATE_INCONSISTENT, "HKDF_DATA length");
    return static_cast<size_t>(*len);
  }

  bool data_object_;
};

class HkdfKeyGen final : public Mechanism {
 public:
  HkdfKeyGen() : Mechanism(CKM_HKDF_KEY_GEN, {1, kMaxSecretBytes, CKF_GENERATE}) {}

  CK_KEY_TYPE GeneratedKeyType() const override { return CKK_HKDF; }

  Result<void> GenerateKey(ByteView param, Object& key) const override {
    if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "key gen takes no parameter");
    P11_ASSIGN_OR_RETURN(CK_ULONG len, sym::ValueLenForGenerate(key, CKK_HKDF));
    if (len < info().ulMinKeySize || len > info().ulMaxKeySize) {
      return Fail(CKR_KEY_SIZE_RANGE, "CKA_VALUE_LEN");
    }
    return sym::FillRandomValue(key, len);
  }
};

}  // namespace

void AddHkdf(Registry& registry) {
  registry.Add(std::make_unique<HkdfDerive>(CKM_HKDF_DERIVE, false));
  registry.Add(std::make_unique<HkdfDerive>(CKM_HKDF_DATA, true));
  registry.Add(std::make_unique<HkdfKeyGen>());
}

}  // namespace p11::kdf
