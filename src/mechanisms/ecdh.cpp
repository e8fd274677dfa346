// The ECDH family (PKCS#11 3.1 §2.3.9–2.3.11, §2.3.15): Montgomery key pair generation
// (X25519, X448) and CKM_ECDH1_DERIVE / CKM_ECDH1_COFACTOR_DERIVE on CKK_EC and
// CKK_EC_MONTGOMERY private keys, with the shared secret used as is (CKD_NULL), through the
// ANSI X9.63 KDF (CKD_SHA*_KDF) or the SP 800-56C single-step KDF (CKD_SHA*_KDF_SP800).
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <optional>

#include "mechanisms/asym_util.h"
#include "mechanisms/edwards_keys.h"
#include "mechanisms/ossl/error.h"
#include "mechanisms/registry.h"

namespace p11 {
namespace {

enum class EcdhKind { kMontgomeryKeyPairGen, kDerive };

struct EcdhRow {
  CK_MECHANISM_TYPE type;
  EcdhKind kind;
  bool cofactor;
  CK_MECHANISM_INFO info;
};

// Key sizes: X25519 (255 bits) up to P-521. All curves here are over prime fields; peer
// points are read in either form, and this token's own points are uncompressed.
constexpr CK_FLAGS kCurveFlags = CKF_EC_F_P | CKF_EC_OID | CKF_EC_CURVENAME;
constexpr CK_MECHANISM_INFO kDeriveInfo = {255, 521, CKF_DERIVE | kCurveFlags | CKF_EC_UNCOMPRESS};

constexpr EcdhRow kEcdhRows[] = {
    {CKM_EC_MONTGOMERY_KEY_PAIR_GEN,
     EcdhKind::kMontgomeryKeyPairGen,
     false,
     {255, 448, CKF_GENERATE_KEY_PAIR | kCurveFlags}},
    {CKM_ECDH1_DERIVE, EcdhKind::kDerive, false, kDeriveInfo},
    // All supported prime curves have cofactor 1 and X25519/X448 clear the cofactor in the
    // scalar, so the cofactor form gives the same secrets; OpenSSL is still told to use it.
    {CKM_ECDH1_COFACTOR_DERIVE, EcdhKind::kDerive, true, kDeriveInfo},
};

enum class KdfKind { kNull, kX963, kSingleStep };

struct KdfRow {
  CK_EC_KDF_TYPE kdf;
  KdfKind kind;
  const char* digest;
};

constexpr KdfRow kKdfs[] = {
    {CKD_NULL, KdfKind::kNull, nullptr},
    {CKD_SHA1_KDF, KdfKind::kX963, "SHA1"},
    {CKD_SHA224_KDF, KdfKind::kX963, "SHA224"},
    {CKD_SHA256_KDF, KdfKind::kX963, "SHA256"},
    {CKD_SHA384_KDF, KdfKind::kX963, "SHA384"},
    {CKD_SHA512_KDF, KdfKind::kX963, "SHA512"},
    {CKD_SHA3_224_KDF, KdfKind::kX963, "SHA3-224"},
    {CKD_SHA3_256_KDF, KdfKind::kX963, "SHA3-256"},
    {CKD_SHA3_384_KDF, KdfKind::kX963, "SHA3-384"},
    {CKD_SHA3_512_KDF, KdfKind::kX963, "SHA3-512"},
    {CKD_SHA1_KDF_SP800, KdfKind::kSingleStep, "SHA1"},
    {CKD_SHA224_KDF_SP800, KdfKind::kSingleStep, "SHA224"},
    {CKD_SHA256_KDF_SP800, KdfKind::kSingleStep, "SHA256"},
    {CKD_SHA384_KDF_SP800, KdfKind::kSingleStep, "SHA384"},
    {CKD_SHA512_KDF_SP800, KdfKind::kSingleStep, "SHA512"},
    {CKD_SHA3_224_KDF_SP800, KdfKind::kSingleStep, "SHA3-224"},
    {CKD_SHA3_256_KDF_SP800, KdfKind::kSingleStep, "SHA3-256"},
    {CKD_SHA3_384_KDF_SP800, KdfKind::kSingleStep, "SHA3-384"},
    {CKD_SHA3_512_KDF_SP800, KdfKind::kSingleStep, "SHA3-512"},
};

// A bound on derived key lengths, far above any key type's, so a template cannot make the KDF
// allocate without limit.
constexpr CK_ULONG kMaxDerivedBytes = 1024;

// The KDF implementations, fetched once when the family registers.
struct Kdfs {
  ossl::UniquePtr<EVP_KDF> x963{EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_X963KDF, nullptr)};
  ossl::UniquePtr<EVP_KDF> single_step{EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_SSKDF, nullptr)};
};

struct EcdhParams {
  const KdfRow* kdf = nullptr;
  ByteView shared_data;
  ByteView public_data;
};

Result<EcdhParams> ParseParams(ByteView param) {
  P11_ASSIGN_OR_RETURN(CK_ECDH1_DERIVE_PARAMS p, ParamAs<CK_ECDH1_DERIVE_PARAMS>(param));
  EcdhParams out;
  for (const KdfRow& row : kKdfs) {
    if (row.kdf == p.kdf) out.kdf = &row;
  }
  if (out.kdf == nullptr) return Fail(CKR_MECHANISM_PARAM_INVALID, "ECDH kdf");
  if (p.ulPublicDataLen == 0 || p.pPublicData == nullptr) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "ECDH public data");
  }
  if (p.ulSharedDataLen != 0 && p.pSharedData == nullptr) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "ECDH shared data pointer");
  }
  // PKCS#11 3.1 §2.3.15: with CKD_NULL there is no shared data.
  if (out.kdf->kind == KdfKind::kNull && p.ulSharedDataLen != 0) {
    return Fail(CKR_MECHANISM_PARAM_INVALID, "ECDH shared data with CKD_NULL");
  }
  out.public_data = ByteView(p.pPublicData, p.ulPublicDataLen);
  if (p.ulSharedDataLen != 0) out.shared_data = ByteView(p.pSharedData, p.ulSharedDataLen);
  return out;
}

// The encoded point inside ECDH public data: a DER OCTET STRING around it or the bare point.
// A bare point can parse as DER by chance, so the inner length must fit the curve.
ByteView EcPointFromPublicData(const asym::Curve& curve, ByteView data) {
  std::optional<ByteView> inner = asym::ParseDerOctetString(data);
  if (inner &&
      (inner->size() == 1 + 2 * curve.field_bytes || inner->size() == 1 + curve.field_bytes)) {
    return *inner;
  }
  return data;
}

// The peer's public key on the base key's curve. Off-curve or malformed points fail here.
Result<ossl::UniquePtr<EVP_PKEY>> PeerKey(const EVP_PKEY* base, ByteView data) {
  if (const asym::RawCurve* raw = asym::RawCurveOfKey(base)) {
    std::optional<ByteView> key = asym::RawPublicFromAttribute(*raw, data);
    if (!key) return Fail(CKR_MECHANISM_PARAM_INVALID, "ECDH public data length");
    Result<ossl::UniquePtr<EVP_PKEY>> peer = asym::RawPublicKey(*raw, *key);
    if (!peer) return Fail(CKR_MECHANISM_PARAM_INVALID, "ECDH public key");
    return peer;
  }
  const asym::Curve* curve = asym::CurveOfKey(base);
  if (curve == nullptr) return Fail(CKR_KEY_TYPE_INCONSISTENT, "ECDH base key curve");
  ByteView point = EcPointFromPublicData(*curve, data);
  ossl::UniquePtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, curve->group_name,
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return ossl::ToError(CKR_HOST_MEMORY, "ECDH peer params");
  }
  return asym::PkeyFromParams("EC", EVP_PKEY_PUBLIC_KEY, bld.get(), CKR_MECHANISM_PARAM_INVALID);
}

Result<SecureBuffer> SharedSecret(EVP_PKEY* base, EVP_PKEY* peer, bool cofactor) {
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, base, nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "ECDH init");
  }
  if (cofactor && EVP_PKEY_is_a(base, "EC") &&
      EVP_PKEY_CTX_set_ecdh_cofactor_mode(ctx.get(), 1) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "ECDH cofactor mode");
  }
  // Validation checks the peer is a proper public key of the same group.
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, 1) != 1) {
    return ossl::ToError(CKR_MECHANISM_PARAM_INVALID, "ECDH peer");
  }
  size_t len = 0;
  if (EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    return ossl::ToError(CKR_FUNCTION_FAILED, "ECDH secret length");
  }
  SecureBuffer secret(len);
  // X25519/X448 refuse a small-order peer (an all-zero secret, RFC 7748 §6): the peer's fault.
  if (EVP_PKEY_derive(ctx.get(), secret.data(), &len) != 1) {
    return ossl::ToError(CKR_MECHANISM_PARAM_INVALID, "ECDH derive");
  }
  secret.resize(len);
  return secret;
}

// The derived key's length: CKA_VALUE_LEN, or with CKD_NULL the whole secret. Key types
// with fixed sizes are held to them.
Result<size_t> OutputLength(const Object& derived, KdfKind kind, size_t secret_len) {
  size_t len = secret_len;
  if (derived.Has(CKA_VALUE_LEN)) {
    std::optional<CK_ULONG> given = derived.GetUlong(CKA_VALUE_LEN);
    if (!given || *given == 0 || *given > kMaxDerivedBytes) {
      return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE_LEN");
    }
    len = *given;
  } else if (kind != KdfKind::kNull) {
    return Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN");
  }
  if (kind == KdfKind::kNull && len > secret_len) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN above the shared secret");
  }
  CK_KEY_TYPE type = derived.KeyType();
  bool fits = type == CKK_AES        ? (len == 16 || len == 24 || len == 32)
              : type == CKK_CHACHA20 ? len == 32
                                     : true;
  if (!fits) {
    return derived.Has(CKA_VALUE_LEN) ? Fail(CKR_ATTRIBUTE_VALUE_INVALID, "key length")
                                      : Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN");
  }
  return len;
}

Result<SecureBuffer> RunKdf(const EVP_KDF* algorithm, const char* digest, ByteView secret,
                            ByteView shared_data, size_t len) {
  if (algorithm == nullptr) return Fail(CKR_MECHANISM_PARAM_INVALID, "KDF unavailable");
  ossl::UniquePtr<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(const_cast<EVP_KDF*>(algorithm)));
  if (!ctx) return ossl::ToError(CKR_HOST_MEMORY, "EVP_KDF_CTX_new");
  OSSL_PARAM params[4];
  size_t n = 0;
  params[n++] =
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0);
  params[n++] = OSSL_PARAM_construct_octet_string(
      OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()), secret.size());
  if (!shared_data.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(shared_data.data()), shared_data.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  SecureBuffer out(len);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    // A digest this OpenSSL lacks (a FIPS provider without SHA-1, say) ends up here too.
    return ossl::ToError(CKR_MECHANISM_PARAM_INVALID, "ECDH KDF");
  }
  return out;
}

class EcdhMechanism final : public Mechanism {
 public:
  EcdhMechanism(const EcdhRow& row, std::shared_ptr<const Kdfs> kdfs)
      : Mechanism(row.type, row.info), row_(row), kdfs_(std::move(kdfs)) {}

  bool AcceptsKeyType(CK_KEY_TYPE type) const override {
    if (row_.kind == EcdhKind::kMontgomeryKeyPairGen) return type == CKK_EC_MONTGOMERY;
    return type == CKK_EC || type == CKK_EC_MONTGOMERY;
  }
  CK_KEY_TYPE GeneratedKeyType() const override {
    return row_.kind == EcdhKind::kMontgomeryKeyPairGen ? CKK_EC_MONTGOMERY
                                                        : CK_UNAVAILABLE_INFORMATION;
  }

  Result<void> GenerateKeyPair(ByteView param, Object& pub, Object& priv) const override {
    if (row_.kind != EcdhKind::kMontgomeryKeyPairGen) {
      return Fail(CKR_MECHANISM_INVALID, "ECDH keygen");
    }
    if (!param.empty()) return Fail(CKR_MECHANISM_PARAM_INVALID, "Montgomery keygen parameter");
    return asym::GenerateRawKeyPair(CKK_EC_MONTGOMERY, pub, priv);
  }

  Result<void> Derive(ByteView param, const KeyMaterial& base, Object& derived) const override;

 private:
  EcdhRow row_;
  std::shared_ptr<const Kdfs> kdfs_;
};

Result<void> EcdhMechanism::Derive(ByteView param, const KeyMaterial& base, Object& derived) const {
  if (row_.kind != EcdhKind::kDerive) return Fail(CKR_MECHANISM_INVALID, "ECDH derive");
  P11_ASSIGN_OR_RETURN(EcdhParams p, ParseParams(param));
  P11_TRY(asym::CheckKey(*this, base, asym::KeyUse::kPrivate));
  if (derived.Has(CKA_CLASS) && derived.Class() != CKO_SECRET_KEY) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "ECDH derives secret keys");
  }
  P11_ASSIGN_OR_RETURN(ossl::UniquePtr<EVP_PKEY> peer, PeerKey(base.pkey.get(), p.public_data));
  P11_ASSIGN_OR_RETURN(SecureBuffer secret,
                       SharedSecret(base.pkey.get(), peer.get(), row_.cofactor));
  P11_ASSIGN_OR_RETURN(size_t len, OutputLength(derived, p.kdf->kind, secret.size()));

  SecureBuffer value;
  if (p.kdf->kind == KdfKind::kNull) {
    // A shorter key takes the secret's low-order (rightmost) bytes, as NSS and SoftHSM do.
    value = SecureBuffer(secret.view().last(len));
  } else {
    const EVP_KDF* algorithm =
        p.kdf->kind == KdfKind::kX963 ? kdfs_->x963.get() : kdfs_->single_step.get();
    P11_ASSIGN_OR_RETURN(value,
                         RunKdf(algorithm, p.kdf->digest, secret.view(), p.shared_data, len));
  }
  derived.Set(CKA_VALUE, value.view());
  if (!derived.Has(CKA_VALUE_LEN)) derived.SetUlong(CKA_VALUE_LEN, len);
  return Ok();
}

}  // namespace

void RegisterEcdh(Registry& registry) {
  auto kdfs = std::make_shared<const Kdfs>();
  for (const EcdhRow& row : kEcdhRows) {
    registry.Add(std::make_unique<EcdhMechanism>(row, kdfs));
  }
}

}  // namespace p11
