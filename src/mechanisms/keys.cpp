// Key objects → OpenSSL keys (OSSL_PARAM_BLD + EVP_PKEY_fromdata, raw keys for Edwards and
// Montgomery curves), the checks and derived attributes of imported keys, and the key
// encodings C_WrapKey / C_UnwrapKey carry. PKCS#11 3.1 §2.1.2–2.1.3 (RSA), §2.3.3–2.3.4 (EC)
// and §2.3.5–2.3.7 (Edwards, Montgomery) list the attributes read here.
#include "mechanisms/keys.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <span>
#include <vector>

#include "mechanisms/asym_util.h"
#include "mechanisms/edwards_keys.h"
#include "mechanisms/ossl/error.h"

namespace p11 {
namespace {

using asym::Curve;

struct RsaParam {
  CK_ATTRIBUTE_TYPE type;
  const char* name;
};

constexpr RsaParam kRsaPublic[] = {
    {CKA_MODULUS, OSSL_PKEY_PARAM_RSA_N},
    {CKA_PUBLIC_EXPONENT, OSSL_PKEY_PARAM_RSA_E},
};
constexpr RsaParam kRsaCrt[] = {
    {CKA_PRIME_1, OSSL_PKEY_PARAM_RSA_FACTOR1},
    {CKA_PRIME_2, OSSL_PKEY_PARAM_RSA_FACTOR2},
    {CKA_EXPONENT_1, OSSL_PKEY_PARAM_RSA_EXPONENT1},
    {CKA_EXPONENT_2, OSSL_PKEY_PARAM_RSA_EXPONENT2},
    {CKA_COEFFICIENT, OSSL_PKEY_PARAM_RSA_COEFFICIENT1},
};

// An OpenSSL key built from attribute values; `has_crt` says whether RSA CRT values came along.
struct BuiltKey {
  ossl::UniquePtr<EVP_PKEY> pkey;
  bool has_crt = false;
};

// Collects BIGNUM parameters: OSSL_PARAM_BLD keeps pointers to them until it is turned into
// an OSSL_PARAM array, so they live here until then.
class ParamBuilder {
 public:
  ParamBuilder() : bld_(OSSL_PARAM_BLD_new()) {}
  OSSL_PARAM_BLD* get() { return bld_.get(); }

  // A required big integer: absent → CKR_TEMPLATE_INCOMPLETE, empty → invalid.
  Result<void> PushBn(const Object& key, CK_ATTRIBUTE_TYPE type, const char* name) {
    if (!key.Has(type)) return Fail(CKR_TEMPLATE_INCOMPLETE, name);
    ByteView value = key.GetBytes(type);
    if (value.empty()) return Fail(CKR_ATTRIBUTE_VALUE_INVALID, name);
    ossl::UniquePtr<BIGNUM> bn = asym::BytesToBn(value);
    if (!bn || !bld_ || OSSL_PARAM_BLD_push_BN(bld_.get(), name, bn.get()) != 1) {
      return ossl::ToError(CKR_HOST_MEMORY, "OSSL_PARAM_BLD_push_BN");
    }
    bns_.push_back(std::move(bn));
    return Ok();
  }

  Result<void> PushAll(const Object& key, std::span<const RsaParam> params) {
    for (const RsaParam& p : params) P11_TRY(PushBn(key, p.type, p.name));
    return Ok();
  }

 private:
  ossl::UniquePtr<OSSL_PARAM_BLD> bld_;
  std::vector<ossl::UniquePtr<BIGNUM>> bns_;
};

Result<BuiltKey> RsaFromObject(const Object& key, bool is_private) {
  ParamBuilder params;
  P11_TRY(params.PushAll(key, kRsaPublic));
  BuiltKey built;
  if (is_private) {
    P11_TRY(params.PushBn(key, CKA_PRIVATE_EXPONENT, OSSL_PKEY_PARAM_RSA_D));
    // The CRT values are optional and only useful all together; a partial set is ignored
    // and the key works from d alone (slower, still correct).
    built.has_crt = std::ranges::all_of(
        kRsaCrt, [&](const RsaParam& p) { return !key.GetBytes(p.type).empty(); });
    if (built.has_crt) P11_TRY(params.PushAll(key, kRsaCrt));
  }
  int selection = is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  P11_ASSIGN_OR_RETURN(built.pkey, asym::PkeyFromParams("RSA", selection, params.get(),
                                                        CKR_ATTRIBUTE_VALUE_INVALID));
  // OpenSSL's own ceiling for RSA; larger values only cost time in every check and use.
  if (EVP_PKEY_get_bits(built.pkey.get()) > OPENSSL_RSA_MAX_MODULUS_BITS) {
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_MODULUS size");
  }
  return built;
}

// The uncompressed point d·G of a private scalar, refusing scalars outside [1, n-1].
Result<ZBytes> PublicPoint(const Curve& curve, const BIGNUM* scalar) {
  ossl::UniquePtr<EC_GROUP> group(EC_GROUP_new_by_curve_name(OBJ_sn2nid(curve.group_name)));
  if (!group) return ossl::ToError(CKR_FUNCTION_FAILED, "EC_GROUP");
  if (BN_is_zero(scalar) || BN_cmp(scalar, EC_GROUP_get0_order(group.get())) >= 0) {
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "EC private value range");
  }
  ossl::UniquePtr<EC_POINT> point(EC_POINT_new(group.get()));
  ossl::UniquePtr<BN_CTX> bn_ctx(BN_CTX_secure_new());
  if (!point || !bn_ctx ||
      EC_POINT_mul(group.get(), point.get(), scalar, nullptr, nullptr, bn_ctx.get()) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "EC_POINT_mul");
  }
  ZBytes out(1 + 2 * curve.field_bytes);
  if (EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                         out.size(), bn_ctx.get()) != out.size()) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "EC_POINT_point2oct");
  }
  return out;
}

// CKA_EC_POINT as consumers send it: the DER OCTET STRING the specification asks for, or the
// bare point some applications pass.
ByteView PointFromAttribute(ByteView value) {
  std::optional<ByteView> inner = asym::ParseDerOctetString(value);
  return inner ? *inner : value;
}

struct BuiltEcKey {
  ossl::UniquePtr<EVP_PKEY> pkey;
  const Curve* curve = nullptr;
  ZBytes point;  // uncompressed; for a private key computed from its scalar
};

Result<BuiltEcKey> EcFromObject(const Object& key, bool is_private) {
  BuiltEcKey built;
  P11_ASSIGN_OR_RETURN(built.curve, asym::CurveFromParams(key));
  ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  ossl::UniquePtr<BIGNUM> scalar;
  if (is_private) {
    if (!key.Has(CKA_VALUE)) return Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE");
    ByteView value = key.GetBytes(CKA_VALUE);
    if (value.empty() || value.size() > built.curve->order_bytes) {
      return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE");
    }
    scalar = asym::BytesToBn(value);
    if (!scalar) return ossl::ToError(CKR_HOST_MEMORY, "EC scalar");
    P11_ASSIGN_OR_RETURN(built.point, PublicPoint(*built.curve, scalar.get()));
  } else {
    if (!key.Has(CKA_EC_POINT)) return Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_EC_POINT");
    ByteView point = PointFromAttribute(key.GetBytes(CKA_EC_POINT));
    built.point.assign(point.begin(), point.end());
  }
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      built.curve->group_name, 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, built.point.data(),
                                       built.point.size()) != 1 ||
      (scalar && OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, scalar.get()) != 1)) {
    return ossl::ToError(CKR_HOST_MEMORY, "EC params");
  }
  // An off-curve or malformed point fails here: decoding checks it lies on the curve.
  int selection = is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  P11_ASSIGN_OR_RETURN(
      built.pkey, asym::PkeyFromParams("EC", selection, bld.get(), CKR_ATTRIBUTE_VALUE_INVALID));
  return built;
}

// RSA without CRT values: OpenSSL's full check needs the primes, so check what it can and then
// that d really inverts e on this modulus, with one raw round trip.
Result<void> CheckRsaRoundTrip(EVP_PKEY* pkey) {
  size_t k = static_cast<size_t>(EVP_PKEY_get_size(pkey));
  SecureBuffer message(k), cipher(k), back(k);
  for (size_t i = 1; i < k; ++i) message.data()[i] = static_cast<uint8_t>(i * 7 + 1);
  ossl::UniquePtr<EVP_PKEY_CTX> enc(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  ossl::UniquePtr<EVP_PKEY_CTX> dec(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  size_t cipher_len = k, back_len = k;
  bool ok = enc && dec && EVP_PKEY_encrypt_init(enc.get()) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(enc.get(), RSA_NO_PADDING) == 1 &&
            EVP_PKEY_encrypt(enc.get(), cipher.data(), &cipher_len, message.data(), k) == 1 &&
            EVP_PKEY_decrypt_init(dec.get()) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(dec.get(), RSA_NO_PADDING) == 1 &&
            EVP_PKEY_decrypt(dec.get(), back.data(), &back_len, cipher.data(), cipher_len) == 1;
  if (!ok || !message.Equals(ByteView(back.data(), back_len))) {
    return ossl::ToError(CKR_ATTRIBUTE_VALUE_INVALID, "RSA key consistency");
  }
  return Ok();
}

Result<void> CheckKeyValues(EVP_PKEY* pkey, bool is_private, bool full_check_possible) {
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  if (!ctx) return ossl::ToError(CKR_HOST_MEMORY, "EVP_PKEY_CTX");
  int ok = !is_private ? EVP_PKEY_public_check(ctx.get())
           : full_check_possible
               ? EVP_PKEY_check(ctx.get())
               : (EVP_PKEY_public_check(ctx.get()) == 1 ? EVP_PKEY_private_check(ctx.get()) : 0);
  if (ok == -2) {
    // "Not supported": inside `openssl -engine pkcs11` the libp11 ENGINE claims EC and RSA
    // key contexts by NID and has no check method. EVP_PKEY_fromdata already refused values
    // that do not form a key (an EC point off the curve), so nothing more can be checked.
    ERR_clear_error();
    return Ok();
  }
  if (ok != 1) return ossl::ToError(CKR_ATTRIBUTE_VALUE_INVALID, "key check");
  if (is_private && !full_check_possible) return CheckRsaRoundTrip(pkey);
  return Ok();
}

// Adds a derived attribute, or checks the caller's value agrees with it. An empty
// CKA_PUBLIC_KEY_INFO is the specification's default ("empty") and is filled in.
Result<void> AddOrCheck(Object& key, CK_ATTRIBUTE_TYPE type, ByteView derived) {
  const std::optional<ByteView> given = key.Get(type);
  if (!given || (given->empty() && type == CKA_PUBLIC_KEY_INFO)) {
    key.Set(type, derived);
    return Ok();
  }
  if (!std::ranges::equal(*given, derived)) {
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "derived attribute mismatch");
  }
  return Ok();
}

Result<void> CompleteRsa(Object& key, bool is_private) {
  P11_ASSIGN_OR_RETURN(BuiltKey built, RsaFromObject(key, is_private));
  P11_TRY(CheckKeyValues(built.pkey.get(), is_private, built.has_crt));
  if (!is_private) {
    CK_ULONG bits = static_cast<CK_ULONG>(EVP_PKEY_get_bits(built.pkey.get()));
    P11_TRY(AddOrCheck(key, CKA_MODULUS_BITS,
                       ByteView(reinterpret_cast<const uint8_t*>(&bits), sizeof bits)));
  }
  P11_ASSIGN_OR_RETURN(ZBytes info, asym::PublicKeyInfo(built.pkey.get()));
  return AddOrCheck(key, CKA_PUBLIC_KEY_INFO, info);
}

Result<void> CompleteEc(Object& key, bool is_private) {
  P11_ASSIGN_OR_RETURN(BuiltEcKey built, EcFromObject(key, is_private));
  P11_TRY(CheckKeyValues(built.pkey.get(), is_private, true));
  if (is_private) {
    // A caller-supplied point (either form) must be the one the scalar gives.
    if (key.Has(CKA_EC_POINT) &&
        !std::ranges::equal(PointFromAttribute(key.GetBytes(CKA_EC_POINT)), built.point)) {
      return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_POINT of the private key");
    }
    if (!key.Has(CKA_EC_POINT)) key.Set(CKA_EC_POINT, asym::DerOctetString(built.point));
  }
  P11_ASSIGN_OR_RETURN(ZBytes info, asym::PublicKeyInfo(built.pkey.get()));
  return AddOrCheck(key, CKA_PUBLIC_KEY_INFO, info);
}

Result<void> CompleteRaw(Object& key, bool is_private) {
  P11_ASSIGN_OR_RETURN(asym::BuiltRawKey built, asym::RawKeyFromObject(key, is_private));
  if (is_private) {
    if (key.Has(CKA_EC_POINT)) {
      std::optional<ByteView> given =
          asym::RawPublicFromAttribute(*built.curve, key.GetBytes(CKA_EC_POINT));
      if (!given || !std::ranges::equal(*given, built.public_key)) {
        return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_POINT of the private key");
      }
    } else {
      key.Set(CKA_EC_POINT, asym::DerOctetString(built.public_key));
    }
  }
  P11_ASSIGN_OR_RETURN(ZBytes info, asym::PublicKeyInfo(built.pkey.get()));
  return AddOrCheck(key, CKA_PUBLIC_KEY_INFO, info);
}

// Key types whose value length the mechanisms fix (AES: 128/192/256-bit keys).
bool SecretLengthValid(CK_KEY_TYPE type, size_t len) {
  if (type == CKK_AES) return len == 16 || len == 24 || len == 32;
  return len > 0;
}

Result<void> CompleteSecret(Object& key) {
  if (!key.Has(CKA_VALUE)) return Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE");
  CK_ULONG len = key.GetBytes(CKA_VALUE).size();
  if (!SecretLengthValid(key.KeyType(), len)) {
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "secret key length");
  }
  if (!key.Has(CKA_VALUE_LEN)) {
    key.SetUlong(CKA_VALUE_LEN, len);
  } else if (key.GetUlong(CKA_VALUE_LEN) != len) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN");
  }
  return Ok();
}

// The stored key was checked when it was created; if it no longer parses, it is a key the
// mechanism cannot use, not a bad argument of the current call.
Error AsStoredKeyError(const Error& e) {
  if (e.rv == CKR_TEMPLATE_INCOMPLETE || e.rv == CKR_HOST_MEMORY) return e;
  return Error{CKR_KEY_TYPE_INCONSISTENT, 0, e.where};
}

Result<void> FillAsymmetric(const Object& key, KeyMaterial& material) {
  bool is_private = material.object_class == CKO_PRIVATE_KEY;
  if (material.key_type == CKK_RSA) {
    Result<BuiltKey> built = RsaFromObject(key, is_private);
    if (!built) return AsStoredKeyError(built.error());
    material.pkey = std::move(built->pkey);
    material.size = static_cast<CK_ULONG>(EVP_PKEY_get_bits(material.pkey.get()));
    return Ok();
  }
  if (material.key_type == CKK_EC) {
    Result<BuiltEcKey> built = EcFromObject(key, is_private);
    if (!built) return AsStoredKeyError(built.error());
    material.pkey = std::move(built->pkey);
    material.size = built->curve->bits;
    return Ok();
  }
  if (material.key_type == CKK_EC_EDWARDS || material.key_type == CKK_EC_MONTGOMERY) {
    Result<asym::BuiltRawKey> built = asym::RawKeyFromObject(key, is_private);
    if (!built) return AsStoredKeyError(built.error());
    material.pkey = std::move(built->pkey);
    material.size = built->curve->bits;
    return Ok();
  }
  return Fail(CKR_KEY_TYPE_INCONSISTENT, "unsupported asymmetric key type");
}

// ---- C_UnwrapKey: attributes from a decoded key ----

Result<void> SetBnAttribute(Object& key, const EVP_PKEY* pkey, CK_ATTRIBUTE_TYPE type,
                            const char* name, bool required) {
  ossl::UniquePtr<BIGNUM> bn = asym::GetBnParam(pkey, name);
  if (!bn) return required ? Fail(CKR_WRAPPED_KEY_INVALID, name) : Ok();
  key.Set(type, asym::BnToBytes(bn.get()));
  return Ok();
}

Result<void> SetRsaAttributes(Object& key, const EVP_PKEY* pkey) {
  for (const RsaParam& p : kRsaPublic) P11_TRY(SetBnAttribute(key, pkey, p.type, p.name, true));
  P11_TRY(SetBnAttribute(key, pkey, CKA_PRIVATE_EXPONENT, OSSL_PKEY_PARAM_RSA_D, true));
  // Two-prime keys only carry CRT values PKCS#11 can hold; without them the key works from d.
  for (const RsaParam& p : kRsaCrt) P11_TRY(SetBnAttribute(key, pkey, p.type, p.name, false));
  return Ok();
}

// CKA_EC_PARAMS of an unwrapped key: the template's, if it names the same curve (kept as
// the caller wrote it), else the curve's OID.
template <class CurveT, class FromParams>
Result<void> SetCurveParams(Object& key, const CurveT* curve, ByteView oid, FromParams parse) {
  if (curve == nullptr) return Fail(CKR_WRAPPED_KEY_INVALID, "unsupported curve");
  if (!key.Has(CKA_EC_PARAMS)) {
    key.Set(CKA_EC_PARAMS, oid);
    return Ok();
  }
  Result<const CurveT*> given = parse(key);
  if (!given || *given != curve) return Fail(CKR_TEMPLATE_INCONSISTENT, "CKA_EC_PARAMS");
  return Ok();
}

// The key-type attributes of a PKCS#8 key, whose algorithm must be CKA_KEY_TYPE's.
Result<void> SetPrivateAttributes(Object& key, const EVP_PKEY* pkey) {
  CK_KEY_TYPE type = key.KeyType();
  if (type == CKK_RSA && EVP_PKEY_is_a(pkey, "RSA")) return SetRsaAttributes(key, pkey);
  if (type == CKK_EC && EVP_PKEY_is_a(pkey, "EC")) {
    const Curve* curve = asym::CurveOfKey(pkey);
    P11_TRY(SetCurveParams(key, curve, curve ? asym::CurveOid(*curve) : ByteView(),
                           [](const Object& k) { return asym::CurveFromParams(k); }));
    ossl::UniquePtr<BIGNUM> scalar = asym::GetBnParam(pkey, OSSL_PKEY_PARAM_PRIV_KEY);
    if (!scalar) return Fail(CKR_WRAPPED_KEY_INVALID, "EC private value");
    key.Set(CKA_VALUE, asym::BnToBytes(scalar.get(), curve->order_bytes));
    return Ok();
  }
  const asym::RawCurve* raw = asym::RawCurveOfKey(pkey);
  if (raw != nullptr && raw->key_type == type) {
    P11_TRY(SetCurveParams(key, raw, asym::RawCurveOid(*raw),
                           [type](const Object& k) { return asym::RawCurveFromParams(k, type); }));
    P11_ASSIGN_OR_RETURN(ZBytes value, asym::RawPrivateBytes(pkey));
    key.Set(CKA_VALUE, std::move(value));
    return Ok();
  }
  return Fail(CKR_TEMPLATE_INCONSISTENT, "wrapped key algorithm vs CKA_KEY_TYPE");
}

Result<void> DecodeSecret(ByteView encoding, Object& key) {
  ByteView value = encoding;
  // Block-cipher wraps pad the key; CKA_VALUE_LEN says how much of it is the key.
  if (std::optional<CK_ULONG> len = key.GetUlong(CKA_VALUE_LEN)) {
    if (*len > value.size()) return Fail(CKR_WRAPPED_KEY_INVALID, "CKA_VALUE_LEN");
    value = value.first(*len);
  }
  if (!SecretLengthValid(key.KeyType(), value.size())) {
    return Fail(CKR_WRAPPED_KEY_INVALID, "unwrapped key length");
  }
  key.Set(CKA_VALUE, value);
  if (!key.Has(CKA_VALUE_LEN)) key.SetUlong(CKA_VALUE_LEN, value.size());
  return Ok();
}

Result<void> DecodePrivate(ByteView encoding, Object& key) {
  const unsigned char* p = encoding.data();
  ossl::UniquePtr<PKCS8_PRIV_KEY_INFO> p8(
      d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(encoding.size())));
  if (!p8 || p != encoding.data() + encoding.size()) {
    return ossl::ToError(CKR_WRAPPED_KEY_INVALID, "PKCS#8 PrivateKeyInfo");
  }
  ossl::UniquePtr<EVP_PKEY> pkey(EVP_PKCS82PKEY(p8.get()));
  if (!pkey) return ossl::ToError(CKR_WRAPPED_KEY_INVALID, "PKCS#8 key");
  P11_TRY(SetPrivateAttributes(key, pkey.get()));
  // The values decoded, but they must also form a usable key (RSA consistency, EC range).
  Result<void> completed = CompleteKeyObject(key);
  if (!completed && completed.rv() == CKR_ATTRIBUTE_VALUE_INVALID) {
    return Fail(CKR_WRAPPED_KEY_INVALID, completed.error().where);
  }
  return completed;
}

}  // namespace

Result<std::shared_ptr<const KeyMaterial>> MakeKeyMaterial(const Object& key) {
  auto material = std::make_shared<KeyMaterial>();
  material->object_class = key.Class();
  material->key_type = key.KeyType();
  switch (material->object_class) {
    case CKO_SECRET_KEY: {
      if (!key.Has(CKA_VALUE)) return Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE");
      material->secret = SecureBuffer(key.GetBytes(CKA_VALUE));
      material->size = material->secret.size();
      break;
    }
    case CKO_PUBLIC_KEY:
    case CKO_PRIVATE_KEY:
      P11_TRY(FillAsymmetric(key, *material));
      break;
    default:
      return Fail(CKR_KEY_TYPE_INCONSISTENT, "not a key object");
  }
  return std::shared_ptr<const KeyMaterial>(std::move(material));
}

Result<void> CompleteKeyObject(Object& key) {
  CK_OBJECT_CLASS object_class = key.Class();
  if (object_class == CKO_SECRET_KEY) return CompleteSecret(key);
  if (object_class != CKO_PUBLIC_KEY && object_class != CKO_PRIVATE_KEY) return Ok();
  bool is_private = object_class == CKO_PRIVATE_KEY;
  switch (key.KeyType()) {
    case CKK_RSA:
      return CompleteRsa(key, is_private);
    case CKK_EC:
      return CompleteEc(key, is_private);
    case CKK_EC_EDWARDS:
    case CKK_EC_MONTGOMERY:
      return CompleteRaw(key, is_private);
    default:
      // Other key types (added by later families) are left as given.
      return Ok();
  }
}

Result<SecureBuffer> EncodeForWrap(const Object& key) {
  CK_OBJECT_CLASS object_class = key.Class();
  if (object_class == CKO_SECRET_KEY) {
    if (!key.Has(CKA_VALUE)) return Fail(CKR_KEY_NOT_WRAPPABLE, "secret key without CKA_VALUE");
    return SecureBuffer(key.GetBytes(CKA_VALUE));
  }
  if (object_class != CKO_PRIVATE_KEY) return Fail(CKR_KEY_NOT_WRAPPABLE, "not a key to wrap");
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const KeyMaterial> material, MakeKeyMaterial(key));
  ossl::UniquePtr<PKCS8_PRIV_KEY_INFO> p8(EVP_PKEY2PKCS8(material->pkey.get()));
  if (!p8) return ossl::ToError(CKR_KEY_NOT_WRAPPABLE, "EVP_PKEY2PKCS8");
  int len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), nullptr);
  if (len <= 0) return ossl::ToError(CKR_KEY_NOT_WRAPPABLE, "i2d_PKCS8_PRIV_KEY_INFO");
  SecureBuffer out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  if (i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &p) != len) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "i2d_PKCS8_PRIV_KEY_INFO");
  }
  return out;
}

Result<void> DecodeUnwrapped(ByteView encoding, Object& key) {
  if (encoding.empty()) return Fail(CKR_WRAPPED_KEY_INVALID, "empty key encoding");
  switch (key.Class()) {
    case CKO_SECRET_KEY:
      return DecodeSecret(encoding, key);
    case CKO_PRIVATE_KEY:
      return DecodePrivate(encoding, key);
    default:
      return Fail(CKR_TEMPLATE_INCONSISTENT, "unwrapped object class");
  }
}

}  // namespace p11
