#include "mechanisms/edwards_keys.h"

#include <algorithm>

#include "mechanisms/ossl/error.h"

namespace p11::asym {

std::optional<ByteView> RawPublicFromAttribute(const RawCurve& curve, ByteView value) {
  // A bare key could happen to parse as DER: the length decides which reading is meant.
  std::optional<ByteView> inner = ParseDerOctetString(value);
  if (inner && inner->size() == curve.public_bytes) return *inner;
  if (value.size() == curve.public_bytes) return value;
  return std::nullopt;
}

Result<ossl::UniquePtr<EVP_PKEY>> RawPublicKey(const RawCurve& curve, ByteView key) {
  ossl::UniquePtr<EVP_PKEY> pkey(EVP_PKEY_new_raw_public_key_ex(
      nullptr, ProviderKeyName(curve.key_name), nullptr, key.data(), key.size()));
  if (!pkey) return ossl::ToError(CKR_ATTRIBUTE_VALUE_INVALID, "raw public key");
  return pkey;
}

Result<ZBytes> RawPublicBytes(const EVP_PKEY* pkey) {
  size_t len = 0;
  if (EVP_PKEY_get_raw_public_key(pkey, nullptr, &len) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "raw public key length");
  }
  ZBytes out(len);
  if (EVP_PKEY_get_raw_public_key(pkey, out.data(), &len) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "raw public key");
  }
  out.resize(len);
  return out;
}

Result<ZBytes> RawPrivateBytes(const EVP_PKEY* pkey) {
  size_t len = 0;
  if (EVP_PKEY_get_raw_private_key(pkey, nullptr, &len) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "raw private key length");
  }
  ZBytes out(len);
  if (EVP_PKEY_get_raw_private_key(pkey, out.data(), &len) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "raw private key");
  }
  out.resize(len);
  return out;
}

Result<BuiltRawKey> RawKeyFromObject(const Object& key, bool is_private) {
  BuiltRawKey built;
  P11_ASSIGN_OR_RETURN(built.curve, RawCurveFromParams(key, key.KeyType()));
  if (!is_private) {
    if (!key.Has(CKA_EC_POINT)) return Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_EC_POINT");
    std::optional<ByteView> raw = RawPublicFromAttribute(*built.curve, key.GetBytes(CKA_EC_POINT));
    if (!raw) return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_POINT length");
    P11_ASSIGN_OR_RETURN(built.pkey, RawPublicKey(*built.curve, *raw));
    built.public_key.assign(raw->begin(), raw->end());
    return built;
  }
  if (!key.Has(CKA_VALUE)) return Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE");
  ByteView value = key.GetBytes(CKA_VALUE);
  if (value.size() != built.curve->private_bytes) {
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE length");
  }
  built.pkey.reset(EVP_PKEY_new_raw_private_key_ex(nullptr, ProviderKeyName(built.curve->key_name),
                                                   nullptr, value.data(), value.size()));
  if (!built.pkey) return ossl::ToError(CKR_ATTRIBUTE_VALUE_INVALID, "raw private key");
  P11_ASSIGN_OR_RETURN(built.public_key, RawPublicBytes(built.pkey.get()));
  return built;
}

Result<void> GenerateRawKeyPair(CK_KEY_TYPE key_type, Object& pub, Object& priv) {
  P11_ASSIGN_OR_RETURN(const RawCurve* curve, RawCurveFromParams(pub, key_type));
  ByteView params = pub.GetBytes(CKA_EC_PARAMS);
  if (priv.Has(CKA_EC_PARAMS) && !std::ranges::equal(priv.GetBytes(CKA_EC_PARAMS), params)) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "CKA_EC_PARAMS of the private key");
  }
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, ProviderKeyName(curve->key_name), nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "raw-key keygen");
  }
  ossl::UniquePtr<EVP_PKEY> pkey(raw);
  P11_ASSIGN_OR_RETURN(ZBytes public_key, RawPublicBytes(pkey.get()));
  P11_ASSIGN_OR_RETURN(ZBytes private_key, RawPrivateBytes(pkey.get()));
  P11_ASSIGN_OR_RETURN(ZBytes info, PublicKeyInfo(pkey.get()));
  ZBytes ec_point = DerOctetString(public_key);

  priv.Set(CKA_EC_PARAMS, params);
  priv.Set(CKA_VALUE, std::move(private_key));
  priv.Set(CKA_EC_POINT, ByteView(ec_point));
  priv.Set(CKA_PUBLIC_KEY_INFO, ByteView(info));
  pub.Set(CKA_EC_POINT, std::move(ec_point));
  pub.Set(CKA_PUBLIC_KEY_INFO, std::move(info));
  return Ok();
}

}  // namespace p11::asym
