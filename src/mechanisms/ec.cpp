// The EC family over the NIST prime curves, secp256k1 and the brainpool r1 curves: key pair
// generation and ECDSA, raw and hash-and-sign (PKCS#11 3.1 current mechanisms §2.3). One row
// per mechanism.
#include <openssl/core_names.h>

#include <algorithm>
#include <array>
#include <bit>

#include "mechanisms/asym_sign.h"
#include "mechanisms/asym_util.h"
#include "mechanisms/ossl/error.h"
#include "mechanisms/ossl/pkey_ctx_pool.h"
#include "mechanisms/registry.h"

namespace p11 {
namespace {

using asym::KeyUse;

enum class EcKind {
  kKeyPairGen,
  kEcdsa,      // CKM_ECDSA: the input is a hash of any length
  kEcdsaHash,  // CKM_ECDSA_SHA*
};

struct EcRow {
  CK_MECHANISM_TYPE type;
  EcKind kind;
  CK_MECHANISM_TYPE hash;  // the CKM_SHA* of hash-and-sign rows
  CK_MECHANISM_INFO info;
};

// Key sizes are the curves' bits: 256 (P-256, secp256k1, brainpoolP256r1) … 521 (P-521).
// CKA_EC_PARAMS may also be a printable curve name (asym::CurveFromParams).
constexpr CK_FLAGS kCurveFlags = CKF_EC_F_P | CKF_EC_OID | CKF_EC_CURVENAME | CKF_EC_UNCOMPRESS;
constexpr CK_MECHANISM_INFO kGenInfo = {256, 521, CKF_GENERATE_KEY_PAIR | kCurveFlags};
constexpr CK_MECHANISM_INFO kSigInfo = {256, 521, CKF_SIGN | CKF_VERIFY | kCurveFlags};

constexpr EcRow kEcRows[] = {
    {CKM_EC_KEY_PAIR_GEN, EcKind::kKeyPairGen, 0, kGenInfo},
    {CKM_ECDSA, EcKind::kEcdsa, 0, kSigInfo},
    {CKM_ECDSA_SHA1, EcKind::kEcdsaHash, CKM_SHA_1, kSigInfo},
    {CKM_ECDSA_SHA224, EcKind::kEcdsaHash, CKM_SHA224, kSigInfo},
    {CKM_ECDSA_SHA256, EcKind::kEcdsaHash, CKM_SHA256, kSigInfo},
    {CKM_ECDSA_SHA384, EcKind::kEcdsaHash, CKM_SHA384, kSigInfo},
    {CKM_ECDSA_SHA512, EcKind::kEcdsaHash, CKM_SHA512, kSigInfo},
};

// Largest encoded point: P-521 uncompressed, 1 + 2 × 66 bytes.
constexpr size_t kMaxPointBytes = 133;
constexpr size_t kMaxScalarBytes = 66;  // P-521
// The DER around a point in CKA_EC_POINT and CKA_PUBLIC_KEY_INFO together: the OCTET STRING
// header, and the SubjectPublicKeyInfo's SEQUENCEs, both OIDs and the BIT STRING header.
constexpr size_t kMaxDerOverhead = 64;

// A key generation context keeps the EC_GROUP it built from the curve name at its first
// generation (about a third of generating a P-256 key), so a pooled one skips that.
Result<ossl::UniquePtr<EVP_PKEY_CTX>> KeygenContext(ossl::PkeyCtxPool<const asym::Curve*>& pool,
                                                    const asym::Curve& curve) {
  if (ossl::UniquePtr<EVP_PKEY_CTX> ready = pool.Take(&curve)) return ready;
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, asym::ProviderKeyName("EC"), nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(ctx.get(), curve.group_name) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "EC keygen init");
  }
  return ctx;
}

class EcMechanism final : public Mechanism {
 public:
  EcMechanism(const EcRow& row, std::shared_ptr<const asym::Digests> digests)
      : Mechanism(row.type, row.info), row_(row), digests_(std::move(digests)) {}

  bool AcceptsKeyType(CK_KEY_TYPE type) const override { return type == CKK_EC; }
  CK_KEY_TYPE GeneratedKeyType() const override {
    return row_.kind == EcKind::kKeyPairGen ? CKK_EC : CK_UNAVAILABLE_INFORMATION;
  }

  Result<std::unique_ptr<SignOperation>> BeginSign(ByteView param,
                                                   const KeyMaterial& key) const override {
    P11_ASSIGN_OR_RETURN(asym::SignatureSpec spec, SpecFor(param, key, KeyUse::kPrivate));
    return asym::NewSignOperation(key, spec);
  }

  Result<std::unique_ptr<VerifyOperation>> BeginVerify(ByteView param,
                                                       const KeyMaterial& key) const override {
    P11_ASSIGN_OR_RETURN(asym::SignatureSpec spec, SpecFor(param, key, KeyUse::kPublic));
    return asym::NewVerifyOperation(key, spec);
  }

  Result<void> GenerateKeyPair(ByteView param, Object& pub, Object& priv) const override {
    P11_ASSIGN_OR_RETURN(GeneratedPair pair, GenerateKeyPairReady(param, pub, priv));
    return CompleteGenerated(*pair.key, &pub, &priv);
  }
  Result<GeneratedPair> GenerateKeyPairReady(ByteView param, Object& pub,
                                             Object& priv) const override;
  Result<void> CompleteGenerated(const KeyMaterial& key, Object* pub, Object* priv) const override;

 private:
  Result<asym::SignatureSpec> SpecFor(ByteView param, const KeyMaterial& key, KeyUse use) const {
    if (row_.kind == EcKind::kKeyPairGen) return Fail(CKR_MECHANISM_INVALID, "EC sign");
    if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "ECDSA parameter");
    P11_TRY(asym::CheckKey(*this, key, use));
    asym::SignatureSpec spec;
    spec.ecdsa_order_bytes = (static_cast<size_t>(EVP_PKEY_get_bits(key.pkey.get())) + 7) / 8;
    spec.signature_len = 2 * spec.ecdsa_order_bytes;
    if (row_.kind == EcKind::kEcdsaHash) {
      P11_ASSIGN_OR_RETURN(spec.md, digests_->Get(*asym::HashByMechanism(row_.hash)));
    }
    return spec;
  }

  EcRow row_;
  std::shared_ptr<const asym::Digests> digests_;
  mutable ossl::PkeyCtxPool<const asym::Curve*> keygen_;
};

// PKCS#11 3.1 §2.3.6: the curve comes from CKA_EC_PARAMS of the public template, which the
// private half gets too. The values derived from the key are left to CompleteGenerated.
Result<Mechanism::GeneratedPair> EcMechanism::GenerateKeyPairReady(ByteView param, Object& pub,
                                                                   Object& priv) const {
  if (row_.kind != EcKind::kKeyPairGen) return Fail(CKR_MECHANISM_INVALID, "EC key pair");
  if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "EC key pair parameter");
  P11_ASSIGN_OR_RETURN(const asym::Curve* curve, asym::CurveFromParams(pub));
  ByteView params = pub.GetBytes(CKA_EC_PARAMS);
  if (priv.Has(CKA_EC_PARAMS) && !std::ranges::equal(priv.GetBytes(CKA_EC_PARAMS), params)) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "CKA_EC_PARAMS of the private key");
  }

  P11_ASSIGN_OR_RETURN(ossl::UniquePtr<EVP_PKEY_CTX> ctx, KeygenContext(keygen_, *curve));
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1)
    return ossl::ToError(CKR_FUNCTION_FAILED, "EC keygen");
  keygen_.Give(curve, std::move(ctx));
  priv.Set(CKA_EC_PARAMS, params);

  // The generated EVP_PKEY is the one KeyFor would build from the private object (same curve,
  // scalar and point), with the size FillAsymmetric gives an EC key.
  auto material = std::make_shared<KeyMaterial>();
  material->object_class = CKO_PRIVATE_KEY;
  material->key_type = CKK_EC;
  material->pkey.reset(raw);
  material->size = curve->bits;
  return GeneratedPair{std::move(material), true};
}

// Both halves get the point (a DER OCTET STRING) and CKA_PUBLIC_KEY_INFO, the private half the
// scalar at the order's width.
Result<void> EcMechanism::CompleteGenerated(const KeyMaterial& key, Object* pub,
                                            Object* priv) const {
  if (pub == nullptr && priv == nullptr) return Ok();
  P11_ASSIGN_OR_RETURN(const asym::Curve* curve,
                       asym::CurveFromParams(pub != nullptr ? *pub : *priv));
  // Room for each half's values (the point twice, with DER headers, and the scalar), reserved
  // before any view into either object is taken: reserving moves the values.
  const size_t point_values = 2 * (1 + 2 * curve->field_bytes) + kMaxDerOverhead;
  if (pub != nullptr) pub->ReserveValues(point_values);
  if (priv != nullptr) priv->ReserveValues(point_values + curve->order_bytes);

  // Both values in one request: the provider converts the point to affine form once, which is
  // the dearest part of reading a fresh key back.
  uint8_t point[kMaxPointBytes];
  std::array<uint8_t, kMaxScalarBytes> native{};  // the scalar in the host's byte order
  OSSL_PARAM values[] = {
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
      OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, native.data(), curve->order_bytes),
      OSSL_PARAM_construct_end()};
  if (priv == nullptr) values[1] = OSSL_PARAM_construct_end();
  const bool read =
      EVP_PKEY_get_params(key.pkey.get(), values) == 1 && OSSL_PARAM_modified(&values[0]) &&
      (priv == nullptr ||
       (OSSL_PARAM_modified(&values[1]) && values[1].return_size == curve->order_bytes));
  if (read && priv != nullptr) {
    std::span<uint8_t> scalar = priv->MutableValue(CKA_VALUE, curve->order_bytes);
    std::copy_n(native.begin(), scalar.size(), scalar.begin());
    if constexpr (std::endian::native == std::endian::little) {
      std::reverse(scalar.begin(), scalar.end());  // CKA_VALUE is big-endian
    }
  }
  OPENSSL_cleanse(native.data(), native.size());
  if (!read) return ossl::ToError(CKR_FUNCTION_FAILED, "EC key values");

  const ByteView encoded(point, values[0].return_size);
  P11_ASSIGN_OR_RETURN(ZBytes info, asym::EcPublicKeyInfo(*curve, encoded));
  ZBytes ec_point = asym::DerOctetString(encoded);
  for (Object* half : {priv, pub}) {
    if (half == nullptr) continue;
    half->Set(CKA_EC_POINT, ByteView(ec_point));
    half->Set(CKA_PUBLIC_KEY_INFO, ByteView(info));
  }
  return Ok();
}

}  // namespace

void RegisterEc(Registry& registry) {
  auto digests = std::make_shared<const asym::Digests>();
  for (const EcRow& row : kEcRows) {
    registry.Add(std::make_unique<EcMechanism>(row, digests));
  }
}

}  // namespace p11
