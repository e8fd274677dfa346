// PBKDF2 (RFC 8018 §5.2) as the key *generation* mechanism CKM_PKCS5_PBKD2 (PKCS#11 3.1
// §6.39.2): a secret key of CKA_VALUE_LEN bytes from a password, a salt and an iteration
// count, with an HMAC-SHA-1/SHA-2 PRF. The work is OpenSSL's EVP_KDF "PBKDF2".
#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include <cstring>

#include "mechanisms/kdf_common.h"
#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"

namespace p11::kdf {
namespace {

// CK_PKCS5_PBKD2_PARAMS (2.20, ulPasswordLen a CK_ULONG_PTR) and CK_PKCS5_PBKD2_PARAMS2 (a
// CK_ULONG) have the same size on every ABI, so the size cannot tell them apart. Linux never
// maps the lowest 64 KiB (vm.mmap_min_addr), so a value below this bound is a length and
// anything else is read as the older form's pointer. Passwords are limited to below it.
constexpr CK_ULONG kPasswordLenBound = 0x10000;

struct PrfRow {
  CK_PKCS5_PBKD2_PSEUDO_RANDOM_FUNCTION_TYPE prf;
  const char* digest;
};

constexpr PrfRow kPrfs[] = {
    {CKP_PKCS5_PBKD2_HMAC_SHA1, "SHA1"},
    {CKP_PKCS5_PBKD2_HMAC_SHA224, "SHA224"},
    {CKP_PKCS5_PBKD2_HMAC_SHA256, "SHA256"},
    {CKP_PKCS5_PBKD2_HMAC_SHA384, "SHA384"},
    {CKP_PKCS5_PBKD2_HMAC_SHA512, "SHA512"},
    {CKP_PKCS5_PBKD2_HMAC_SHA512_224, "SHA512-224"},
    {CKP_PKCS5_PBKD2_HMAC_SHA512_256, "SHA512-256"},
};

struct Pbkdf2Input {
  const char* digest = nullptr;
  ByteView salt;
  CK_ULONG iterations = 0;
  ByteView password;
};

Result<CK_ULONG> PasswordLength(CK_ULONG field) {
  if (field < kPasswordLenBound) return field;
  CK_ULONG len = 0;
  std::memcpy(&len, reinterpret_cast<const void*>(field), sizeof len);
  if (len >= kPasswordLenBound) return Fail(CKR_MECHANISM_PARAM_INVALID, "password length");
  return len;
}

Result<Pbkdf2Input> ParsePbkdf2Params(ByteView param) {
  static_assert(sizeof(CK_PKCS5_PBKD2_PARAMS) == sizeof(CK_PKCS5_PBKD2_PARAMS2));
  P11_ASSIGN_OR_RETURN(auto p, ParamAs<CK_PKCS5_PBKD2_PARAMS2>(param));
  Pbkdf2Input in;
  for (const PrfRow& row : kPrfs) {
    if (row.prf == p.prf) in.digest = row.digest;
  }
  if (in.digest == nullptr || p.pPrfData != nullptr || p.ulPrfDataLen != 0) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "PBKDF2 PRF");
  }
  if (p.saltSource != CKZ_SALT_SPECIFIED) return Fail(CKR_MECHANISM_PARAM_INVALID, "salt source");
  P11_ASSIGN_OR_RETURN(in.salt, CallerBytes(p.pSaltSourceData, p.ulSaltSourceDataLen, false));
  if (p.iterations == 0) return Fail(CKR_MECHANISM_PARAM_INVALID, "PBKDF2 iterations");
  in.iterations = p.iterations;
  P11_ASSIGN_OR_RETURN(CK_ULONG password_len, PasswordLength(p.ulPasswordLen));
  P11_ASSIGN_OR_RETURN(in.password, CallerBytes(p.pPassword, password_len, true));
  return in;
}

Result<SecureBuffer> RunPbkdf2(const Pbkdf2Input& in, size_t len) {
  auto kdf = ossl::Own(EVP_KDF_fetch(nullptr, "PBKDF2", nullptr));
  auto ctx = ossl::Own(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  if (!ctx) return ossl::ToError(CKR_FUNCTION_FAILED, "EVP_KDF PBKDF2");
  uint64_t iterations = in.iterations;
  // An empty password still needs a non-NULL pointer for OpenSSL.
  static const uint8_t kEmpty = 0;
  const uint8_t* password = in.password.empty() ? &kEmpty : in.password.data();
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(in.digest), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<uint8_t*>(password),
                                        in.password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(in.salt.data()),
                                        in.salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_ITER, &iterations), OSSL_PARAM_construct_end()};
  SecureBuffer out(len);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "PBKDF2 derive");
  }
  return out;
}

class Pbkdf2KeyGen final : public Mechanism {
 public:
  Pbkdf2KeyGen() : Mechanism(CKM_PKCS5_PBKD2, {1, kMaxSecretBytes, CKF_GENERATE}) {}

  CK_KEY_TYPE GeneratedKeyType() const override { return CKK_GENERIC_SECRET; }

  // The key type is the template's (generic secret when absent); CKA_VALUE_LEN is required
  // unless that type has a fixed length.
  Result<void> GenerateKey(ByteView param, Object& key) const override {
    P11_ASSIGN_OR_RETURN(Pbkdf2Input in, ParsePbkdf2Params(param));
    P11_ASSIGN_OR_RETURN(size_t len, DerivedKeyLength(key, 0));
    if (len > info().ulMaxKeySize) return Fail(CKR_KEY_SIZE_RANGE, "CKA_VALUE_LEN");
    P11_ASSIGN_OR_RETURN(SecureBuffer value, RunPbkdf2(in, len));
    StoreDerivedKey(key, value.view());
    return Ok();
  }
};

}  // namespace

void AddPbkdf2(Registry& registry) { registry.Add(std::make_unique<Pbkdf2KeyGen>()); }

}  // namespace p11::kdf
