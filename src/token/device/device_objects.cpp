#include "token/device/device_objects.h"

#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/param_build.h>

#include <string>

#include "mechanisms/asym_util.h"
#include "mechanisms/keys.h"

namespace p11::device {
namespace {

struct FlagRow {
  CK_ATTRIBUTE_TYPE attribute;
  uint32_t flag;
  bool absent;  // the value when the object does not carry the attribute
};
constexpr FlagRow kFlagRows[] = {
    {CKA_TOKEN, wire::kFlagToken, false},
    {CKA_PRIVATE, wire::kFlagPrivate, false},
    {CKA_EXTRACTABLE, wire::kFlagExtractable, false},
    {CKA_SIGN, wire::kFlagSign, false},
    {CKA_VERIFY, wire::kFlagVerify, false},
    {CKA_ENCRYPT, wire::kFlagEncrypt, false},
    {CKA_DECRYPT, wire::kFlagDecrypt, false},
    {CKA_DERIVE, wire::kFlagDerive, false},
    {CKA_WRAP, wire::kFlagWrap, false},
    {CKA_UNWRAP, wire::kFlagUnwrap, false},
    {CKA_MODIFIABLE, wire::kFlagModifiable, true},
};

constexpr CK_ATTRIBUTE_TYPE kDerived[] = {CKA_UNIQUE_ID, CKA_EC_POINT,     CKA_PUBLIC_KEY_INFO,
                                          CKA_MODULUS,   CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT,
                                          CKA_VALUE_LEN};

Result<ossl::UniquePtr<EVP_PKEY>> DecodeRsaPublic(ByteView der) {
  EVP_PKEY* pkey = nullptr;
  ossl::UniquePtr<OSSL_DECODER_CTX> ctx(
      OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", "type-specific", asym::ProviderKeyName("RSA"),
                                    EVP_PKEY_PUBLIC_KEY, nullptr, nullptr));
  const unsigned char* p = der.data();
  size_t len = der.size();
  if (ctx == nullptr || OSSL_DECODER_from_data(ctx.get(), &p, &len) != 1 || pkey == nullptr) {
    return Fail(CKR_DEVICE_ERROR, "RSA public value from the device");
  }
  return ossl::UniquePtr<EVP_PKEY>(pkey);
}

// CKA_PUBLIC_KEY_INFO (and CKA_MODULUS_BITS) as CompleteKeyObject computes them for a
// public key object with these values.
Result<Object> CompletedPublic(CK_KEY_TYPE type, const Object& values) {
  Object pub;
  pub.SetUlong(CKA_CLASS, CKO_PUBLIC_KEY);
  pub.SetUlong(CKA_KEY_TYPE, type);
  for (const auto& [attr, value] : values.attributes()) pub.Set(attr, ByteView(value));
  P11_TRY(CompleteKeyObject(pub));
  return pub;
}

Result<void> AddEcAttributes(Object& object, ByteView point) {
  Object values;
  values.Set(CKA_EC_PARAMS, object.GetBytes(CKA_EC_PARAMS));
  values.Set(CKA_EC_POINT, ByteView(asym::DerOctetString(point)));
  auto pub = CompletedPublic(CKK_EC, values);
  if (!pub.ok()) return Fail(CKR_DEVICE_ERROR, "EC public value from the device");
  object.Set(CKA_EC_POINT, pub->GetBytes(CKA_EC_POINT));
  object.Set(CKA_PUBLIC_KEY_INFO, pub->GetBytes(CKA_PUBLIC_KEY_INFO));
  return Ok();
}

Result<void> AddRsaAttributes(Object& object, ByteView der) {
  P11_ASSIGN_OR_RETURN(ossl::UniquePtr<EVP_PKEY> pkey, DecodeRsaPublic(der));
  Object values;
  values.Set(CKA_MODULUS, ByteView(asym::BnToBytes(asym::GetBnParam(pkey.get(), "n").get())));
  values.Set(CKA_PUBLIC_EXPONENT,
             ByteView(asym::BnToBytes(asym::GetBnParam(pkey.get(), "e").get())));
  auto pub = CompletedPublic(CKK_RSA, values);
  if (!pub.ok()) return Fail(CKR_DEVICE_ERROR, "RSA public value from the device");
  for (CK_ATTRIBUTE_TYPE t : {CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PUBLIC_KEY_INFO}) {
    object.Set(t, pub->GetBytes(t));
  }
  if (object.Class() == CKO_PUBLIC_KEY)
    object.Set(CKA_MODULUS_BITS, pub->GetBytes(CKA_MODULUS_BITS));
  return Ok();
}

Result<ZBytes> EncodeRsaPublic(const Object& key) {
  ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  auto n = asym::BytesToBn(key.GetBytes(CKA_MODULUS));
  auto e = asym::BytesToBn(key.GetBytes(CKA_PUBLIC_EXPONENT));
  if (bld == nullptr || n == nullptr || e == nullptr ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return Fail(CKR_TEMPLATE_INCOMPLETE, "RSA public key");
  }
  P11_ASSIGN_OR_RETURN(
      ossl::UniquePtr<EVP_PKEY> pkey,
      asym::PkeyFromParams("RSA", EVP_PKEY_PUBLIC_KEY, bld.get(), CKR_ATTRIBUTE_VALUE_INVALID));
  ossl::UniquePtr<OSSL_ENCODER_CTX> ctx(OSSL_ENCODER_CTX_new_for_pkey(
      pkey.get(), EVP_PKEY_PUBLIC_KEY, "DER", "type-specific", nullptr));
  unsigned char* out = nullptr;
  size_t len = 0;
  if (ctx == nullptr || OSSL_ENCODER_to_data(ctx.get(), &out, &len) != 1) {
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "RSA public key");
  }
  ZBytes der(out, out + len);
  OPENSSL_free(out);
  return der;
}

}  // namespace

uint32_t DeviceFlags(const Object& object) {
  uint32_t flags = 0;
  for (const FlagRow& row : kFlagRows) {
    if (object.GetBool(row.attribute, row.absent)) flags |= row.flag;
  }
  CK_OBJECT_CLASS cls = object.Class();
  if (cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY) flags |= wire::kFlagSensitive;
  return flags;
}

wire::ObjectKind DeviceKind(const Object& object) {
  switch (object.Class()) {
    case CKO_PUBLIC_KEY:
      return wire::ObjectKind::kPublicKey;
    case CKO_PRIVATE_KEY:
      return wire::ObjectKind::kPrivateKey;
    case CKO_SECRET_KEY:
      return wire::ObjectKind::kSecretKey;
    default:
      return wire::ObjectKind::kData;
  }
}

void HoldAsSensitive(Object& key) {
  CK_OBJECT_CLASS cls = key.Class();
  if (cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY) key.SetBool(CKA_SENSITIVE, true);
}

Result<wire::KeyType> DeviceKeyType(const Object& key) {
  CK_KEY_TYPE type = key.KeyType();
  if (type == CKK_EC) {
    P11_ASSIGN_OR_RETURN(const asym::Curve* curve, asym::CurveFromParams(key));
    if (curve->bits == 256 && std::string(curve->group_name) == "prime256v1") {
      return wire::KeyType::kEcP256;
    }
    if (curve->bits == 384 && std::string(curve->group_name) == "secp384r1") {
      return wire::KeyType::kEcP384;
    }
    return Fail(CKR_CURVE_NOT_SUPPORTED, "device curves are P-256 and P-384");
  }
  if (type == CKK_RSA) {
    CK_ULONG bits = key.GetUlong(CKA_MODULUS_BITS).value_or(key.GetBytes(CKA_MODULUS).size() * 8);
    if (bits != 2048) return Fail(CKR_KEY_SIZE_RANGE, "device RSA keys are 2048 bits");
    return wire::KeyType::kRsa2048;
  }
  if (type == CKK_AES) {
    CK_ULONG len = key.GetUlong(CKA_VALUE_LEN).value_or(key.GetBytes(CKA_VALUE).size());
    if (len == 16) return wire::KeyType::kAes128;
    if (len == 32) return wire::KeyType::kAes256;
    return Fail(CKR_KEY_SIZE_RANGE, "device AES keys are 128 or 256 bits");
  }
  if (type == CKK_GENERIC_SECRET) return wire::KeyType::kGenericSecret;
  return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "key type the device does not hold");
}

Result<void> AddDerivedAttributes(Object& object, const DeviceFacts& facts) {
  std::string unique = std::to_string(facts.id);
  object.Set(CKA_UNIQUE_ID, AsBytes(unique));
  switch (facts.type) {
    case wire::KeyType::kEcP256:
    case wire::KeyType::kEcP384:
      if (facts.kind == wire::ObjectKind::kPublicKey ||
          facts.kind == wire::ObjectKind::kPrivateKey) {
        return AddEcAttributes(object, facts.public_value);
      }
      break;
    case wire::KeyType::kRsa2048:
      if (facts.kind == wire::ObjectKind::kPublicKey ||
          facts.kind == wire::ObjectKind::kPrivateKey) {
        return AddRsaAttributes(object, facts.public_value);
      }
      break;
    default:
      if (facts.kind == wire::ObjectKind::kSecretKey) {
        object.SetUlong(CKA_VALUE_LEN, facts.secret_length);
      }
      break;
  }
  return Ok();
}

Result<ZBytes> PublicValueOf(const Object& public_key) {
  if (public_key.KeyType() == CKK_RSA) return EncodeRsaPublic(public_key);
  auto point = asym::ParseDerOctetString(public_key.GetBytes(CKA_EC_POINT));
  if (!point) return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_POINT");
  return ZBytes(point->begin(), point->end());
}

bool IsDerivedAttribute(CK_ATTRIBUTE_TYPE type) {
  for (CK_ATTRIBUTE_TYPE t : kDerived) {
    if (t == type) return true;
  }
  return false;
}

}  // namespace p11::device
