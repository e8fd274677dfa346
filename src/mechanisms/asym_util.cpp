#include "mechanisms/asym_util.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <iterator>

#include "mechanisms/ossl/error.h"

namespace p11::asym {
namespace {

using namespace std::string_view_literals;

constexpr uint8_t kDerOctetString = 0x04;
constexpr uint8_t kDerOid = 0x06;
constexpr uint8_t kDerPrintableString = 0x13;

constexpr Curve kCurves[] = {
    {"prime256v1",
     "\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07"sv,
     {"prime256v1"sv, "secp256r1"sv, "P-256"sv},
     256,
     32,
     32},
    {"secp384r1", "\x06\x05\x2b\x81\x04\x00\x22"sv, {"secp384r1"sv, "P-384"sv, ""sv}, 384, 48, 48},
    {"secp521r1", "\x06\x05\x2b\x81\x04\x00\x23"sv, {"secp521r1"sv, "P-521"sv, ""sv}, 521, 66, 66},
    {"secp256k1", "\x06\x05\x2b\x81\x04\x00\x0a"sv, {"secp256k1"sv, ""sv, ""sv}, 256, 32, 32},
    {"brainpoolP256r1",
     "\x06\x09\x2b\x24\x03\x03\x02\x08\x01\x01\x07"sv,
     {"brainpoolP256r1"sv, ""sv, ""sv},
     256,
     32,
     32},
    {"brainpoolP384r1",
     "\x06\x09\x2b\x24\x03\x03\x02\x08\x01\x01\x0b"sv,
     {"brainpoolP384r1"sv, ""sv, ""sv},
     384,
     48,
     48},
    {"brainpoolP512r1",
     "\x06\x09\x2b\x24\x03\x03\x02\x08\x01\x01\x0d"sv,
     {"brainpoolP512r1"sv, ""sv, ""sv},
     512,
     64,
     64},
};

// RFC 8410 OIDs (id-Ed25519 1.3.101.112 …); the second OIDs are GnuPG's, which older
// OpenSC versions still send.
constexpr RawCurve kRawCurves[] = {
    {CKK_EC_EDWARDS,
     "ED25519",
     {"\x06\x03\x2b\x65\x70"sv, "\x06\x09\x2b\x06\x01\x04\x01\xda\x47\x0f\x01"sv},
     "edwards25519"sv,
     255,
     32,
     32,
     64},
    {CKK_EC_EDWARDS, "ED448", {"\x06\x03\x2b\x65\x71"sv, ""sv}, "edwards448"sv, 448, 57, 57, 114},
    {CKK_EC_MONTGOMERY,
     "X25519",
     {"\x06\x03\x2b\x65\x6e"sv, "\x06\x0a\x2b\x06\x01\x04\x01\x97\x55\x01\x05\x01"sv},
     "curve25519"sv,
     255,
     32,
     32,
     0},
    {CKK_EC_MONTGOMERY, "X448", {"\x06\x03\x2b\x65\x6f"sv, ""sv}, "curve448"sv, 448, 56, 56, 0},
};

constexpr Hash kHashes[] = {
    {CKM_SHA_1, CKG_MGF1_SHA1, "SHA1", 20},      {CKM_SHA224, CKG_MGF1_SHA224, "SHA224", 28},
    {CKM_SHA256, CKG_MGF1_SHA256, "SHA256", 32}, {CKM_SHA384, CKG_MGF1_SHA384, "SHA384", 48},
    {CKM_SHA512, CKG_MGF1_SHA512, "SHA512", 64},
};

std::string_view AsChars(ByteView bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// A DER length in `der` at `pos` (minimal encoding only, up to 2 length bytes); advances pos.
std::optional<size_t> ReadDerLength(ByteView der, size_t& pos) {
  if (pos >= der.size()) return std::nullopt;
  uint8_t first = der[pos++];
  if (first < 0x80) return first;
  size_t count = first & 0x7f;
  if (count == 0 || count > 2 || der.size() - pos < count) return std::nullopt;
  size_t len = 0;
  for (size_t i = 0; i < count; ++i) len = (len << 8) | der[pos++];
  if (len < 0x80 || (count == 2 && len < 0x100)) return std::nullopt;
  return len;
}

// The content of a DER TLV with tag `tag` spanning all of `der`.
std::optional<ByteView> ParseDerWhole(ByteView der, uint8_t tag) {
  if (der.empty() || der[0] != tag) return std::nullopt;
  size_t pos = 1;
  std::optional<size_t> len = ReadDerLength(der, pos);
  if (!len || der.size() - pos != *len) return std::nullopt;
  return der.subspan(pos);
}

// Tag and definite length (up to 0xffff, ample for a public key) of a DER element.
void AppendDerHeader(ZBytes& out, uint8_t tag, size_t len) {
  out.push_back(tag);
  if (len >= 0x100) {
    out.insert(out.end(), {0x82, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)});
  } else if (len >= 0x80) {
    out.insert(out.end(), {0x81, static_cast<uint8_t>(len)});
  } else {
    out.push_back(static_cast<uint8_t>(len));
  }
}

// A SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) put together from its parts by OpenSSL's ASN.1
// code: the algorithm, its parameter (an OID, or NID_undef for none) and the key's bytes.
// i2d_PUBKEY gets the same bytes through the provider encoder framework, which costs more
// than generating an EC key; for EC and RFC 8410 keys the parts are known without it.
Result<ZBytes> SpkiFromParts(int algorithm_nid, int parameter_nid, ByteView key) {
  ossl::UniquePtr<X509_PUBKEY> spki(X509_PUBKEY_new());
  auto* bits = static_cast<unsigned char*>(OPENSSL_memdup(key.data(), key.size()));
  ASN1_OBJECT* parameter = parameter_nid == NID_undef ? nullptr : OBJ_nid2obj(parameter_nid);
  if (!spki || bits == nullptr ||
      X509_PUBKEY_set0_param(spki.get(), OBJ_nid2obj(algorithm_nid),
                             parameter != nullptr ? V_ASN1_OBJECT : V_ASN1_UNDEF, parameter, bits,
                             static_cast<int>(key.size())) != 1) {
    OPENSSL_free(bits);
    return ossl::ToError(CKR_FUNCTION_FAILED, "SubjectPublicKeyInfo");
  }
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(spki.get(), &der);
  if (len <= 0 || der == nullptr) return ossl::ToError(CKR_FUNCTION_FAILED, "i2d_X509_PUBKEY");
  ZBytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// A key of a known named curve, in named-curve form (never explicit parameters), has a
// SubjectPublicKeyInfo that needs no encoder: i2d_PUBKEY writes exactly these bytes.
std::optional<Result<ZBytes>> KnownCurvePublicKeyInfo(const EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char encoding[32];
    const Curve* curve = CurveOfKey(pkey);
    if (curve == nullptr ||
        EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, encoding, sizeof encoding,
                                       nullptr) != 1 ||
        std::string_view(encoding) != OSSL_PKEY_EC_ENCODING_GROUP) {
      return std::nullopt;
    }
    uint8_t point[1 + 2 * 66];
    size_t point_len = 0;
    if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point,
                                        &point_len) != 1) {
      return std::nullopt;
    }
    return EcPublicKeyInfo(*curve, ByteView(point, point_len));
  }
  if (RawCurveOfKey(pkey) != nullptr) {
    uint8_t raw[64];
    size_t raw_len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(pkey, raw, &raw_len) != 1) return std::nullopt;
    return SpkiFromParts(EVP_PKEY_get_base_id(pkey), NID_undef, ByteView(raw, raw_len));
  }
  return std::nullopt;
}

}  // namespace

ZBytes BnToBytes(const BIGNUM* bn, size_t width) {
  size_t size = width != 0 ? width : static_cast<size_t>(BN_num_bytes(bn));
  ZBytes out(size);
  if (width != 0) {
    if (BN_bn2binpad(bn, out.data(), static_cast<int>(width)) < 0) out.clear();
  } else {
    BN_bn2bin(bn, out.data());
  }
  return out;
}

ossl::UniquePtr<BIGNUM> BytesToBn(ByteView bytes) {
  // Secure-flagged so OSSL_PARAM_BLD keeps private values in memory it wipes on free.
  ossl::UniquePtr<BIGNUM> bn(BN_secure_new());
  if (bn && BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), bn.get()) == nullptr) {
    bn.reset();
  }
  return bn;
}

ossl::UniquePtr<BIGNUM> GetBnParam(const EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) return nullptr;
  return ossl::UniquePtr<BIGNUM>(bn);
}

ZBytes DerOctetString(ByteView content) {
  ZBytes out;
  out.reserve(content.size() + 4);
  AppendDerHeader(out, kDerOctetString, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

std::optional<ByteView> ParseDerOctetString(ByteView der) {
  return ParseDerWhole(der, kDerOctetString);
}

// The DER that comes before an uncompressed point in each listed curve's SubjectPublicKeyInfo
// (the SEQUENCEs, both OIDs and the BIT STRING header), taken once from SpkiFromParts's output
// for a placeholder point of the right length: every key generated on that curve shares it, so
// a new key's SubjectPublicKeyInfo is this prefix and its point.
class EcSpkiPrefixes {
 public:
  EcSpkiPrefixes() {
    for (size_t i = 0; i < std::size(kCurves); ++i) {
      const Curve& curve = kCurves[i];
      ZBytes placeholder(UncompressedPointBytes(curve), 0x04);
      Result<ZBytes> spki = SpkiFromParts(NID_X9_62_id_ecPublicKey, OBJ_sn2nid(curve.group_name),
                                          ByteView(placeholder));
      // Left empty (the slow path) if OpenSSL would not encode it or did not end with the point.
      if (!spki.ok() || spki->size() <= placeholder.size() ||
          !std::equal(placeholder.begin(), placeholder.end(),
                      spki->end() - static_cast<std::ptrdiff_t>(placeholder.size()))) {
        continue;
      }
      prefixes_[i].assign(spki->begin(), spki->end() - placeholder.size());
    }
  }

  // Empty when `point` is not an uncompressed point of `curve`.
  ByteView For(const Curve& curve, ByteView point) const {
    if (point.size() != UncompressedPointBytes(curve) || point[0] != 0x04) return ByteView();
    for (size_t i = 0; i < std::size(kCurves); ++i) {
      if (&kCurves[i] == &curve) return ByteView(prefixes_[i]);
    }
    return ByteView();  // a Curve that is not one of the table's rows
  }

 private:
  static size_t UncompressedPointBytes(const Curve& curve) { return 1 + 2 * curve.field_bytes; }

  std::array<ZBytes, std::size(kCurves)> prefixes_;
};

Result<ZBytes> EcPublicKeyInfo(const Curve& curve, ByteView point) {
  static const EcSpkiPrefixes prefixes;
  ByteView prefix = prefixes.For(curve, point);
  if (prefix.empty()) {
    return SpkiFromParts(NID_X9_62_id_ecPublicKey, OBJ_sn2nid(curve.group_name), point);
  }
  ZBytes out;
  out.reserve(prefix.size() + point.size());
  out.insert(out.end(), prefix.begin(), prefix.end());
  out.insert(out.end(), point.begin(), point.end());
  return out;
}

// EC keys of the listed curves and RFC 8410 keys are put together from their parts
// (SpkiFromParts); anything else goes through i2d_PUBKEY, in one pass: it allocates the output
// itself (OpenSSL's encoder framework costs more than generating an EC key, so asking it for the
// length first would double that).
Result<ZBytes> PublicKeyInfo(const EVP_PKEY* pkey) {
  if (std::optional<Result<ZBytes>> known = KnownCurvePublicKeyInfo(pkey)) {
    return std::move(*known);
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey, &der);
  if (len <= 0 || der == nullptr) return ossl::ToError(CKR_FUNCTION_FAILED, "i2d_PUBKEY");
  ZBytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Result<const Curve*> CurveFromParams(const Object& key) {
  if (!key.Has(CKA_EC_PARAMS)) return Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_EC_PARAMS");
  ByteView params = key.GetBytes(CKA_EC_PARAMS);
  if (std::optional<ByteView> oid = ParseDerWhole(params, kDerOid)) {
    for (const Curve& curve : kCurves) {
      if (AsChars(params) == curve.oid_der) return &curve;
    }
    if (oid->empty()) return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_PARAMS");
    return Fail(CKR_CURVE_NOT_SUPPORTED, "CKA_EC_PARAMS");
  }
  // PKCS#11 3.0 §6.3.3 also allows the curve's name as a PrintableString.
  if (std::optional<ByteView> name = ParseDerWhole(params, kDerPrintableString)) {
    for (const Curve& curve : kCurves) {
      for (std::string_view known : curve.names) {
        if (!known.empty() && AsChars(*name) == known) return &curve;
      }
    }
    return Fail(CKR_CURVE_NOT_SUPPORTED, "CKA_EC_PARAMS");
  }
  return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_PARAMS");
}

ByteView CurveOid(const Curve& curve) { return AsBytes(curve.oid_der); }

const Curve* CurveOfKey(const EVP_PKEY* pkey) {
  char group[64];
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     nullptr) != 1) {
    return nullptr;
  }
  for (const Curve& curve : kCurves) {
    if (std::string_view(group) == curve.group_name) return &curve;
  }
  return nullptr;
}

Result<const RawCurve*> RawCurveFromParams(const Object& key, CK_KEY_TYPE key_type) {
  if (!key.Has(CKA_EC_PARAMS)) return Fail(CKR_TEMPLATE_INCOMPLETE, "CKA_EC_PARAMS");
  ByteView params = key.GetBytes(CKA_EC_PARAMS);
  std::optional<ByteView> oid = ParseDerWhole(params, kDerOid);
  std::optional<ByteView> name = ParseDerWhole(params, kDerPrintableString);
  if ((!oid || oid->empty()) && !name) return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_PARAMS");
  for (const RawCurve& curve : kRawCurves) {
    if (curve.key_type != key_type) continue;
    bool named = name && AsChars(*name) == curve.name;
    bool by_oid = oid && std::ranges::any_of(curve.oids_der, [&](std::string_view known) {
                    return !known.empty() && AsChars(params) == known;
                  });
    if (named || by_oid) return &curve;
  }
  return Fail(CKR_CURVE_NOT_SUPPORTED, "CKA_EC_PARAMS");
}

ByteView RawCurveOid(const RawCurve& curve) { return AsBytes(curve.oids_der[0]); }

const RawCurve* RawCurveOfKey(const EVP_PKEY* pkey) {
  for (const RawCurve& curve : kRawCurves) {
    if (EVP_PKEY_is_a(pkey, curve.key_name)) return &curve;
  }
  return nullptr;
}

const Hash* HashByMechanism(CK_MECHANISM_TYPE mechanism) {
  for (const Hash& hash : kHashes) {
    if (hash.mechanism == mechanism) return &hash;
  }
  return nullptr;
}

const Hash* HashByMgf(CK_RSA_PKCS_MGF_TYPE mgf) {
  for (const Hash& hash : kHashes) {
    if (hash.mgf == mgf) return &hash;
  }
  return nullptr;
}

Digests::Digests() {
  static_assert(std::size(kHashes) == std::tuple_size_v<decltype(mds_)>);
  for (size_t i = 0; i < mds_.size(); ++i) {
    mds_[i].reset(EVP_MD_fetch(nullptr, kHashes[i].name, nullptr));
  }
}

Result<const EVP_MD*> Digests::Get(const Hash& hash) const {
  const EVP_MD* md = mds_[static_cast<size_t>(&hash - kHashes)].get();
  if (md == nullptr) return Fail(CKR_MECHANISM_INVALID, hash.name);
  return md;
}

Result<void> CheckKey(const Mechanism& mechanism, const KeyMaterial& key, KeyUse use) {
  if (!mechanism.AcceptsKeyType(key.key_type) || key.pkey == nullptr) {
    return Fail(CKR_KEY_TYPE_INCONSISTENT, "asymmetric key type");
  }
  bool class_ok = key.object_class == CKO_PRIVATE_KEY ||
                  (use == KeyUse::kPublic && key.object_class == CKO_PUBLIC_KEY);
  if (!class_ok) return Fail(CKR_KEY_TYPE_INCONSISTENT, "asymmetric key class");
  const CK_MECHANISM_INFO& info = mechanism.info();
  if (key.size < info.ulMinKeySize || key.size > info.ulMaxKeySize) {
    return Fail(CKR_KEY_SIZE_RANGE, "asymmetric key size");
  }
  return Ok();
}

ossl::UniquePtr<EVP_PKEY> ShareKey(const KeyMaterial& key) {
  EVP_PKEY_up_ref(key.pkey.get());
  return ossl::UniquePtr<EVP_PKEY>(key.pkey.get());
}

const char* ProviderKeyName(const char* type) {
  static constexpr struct {
    const char* name;
    const char* oid;
  } kNames[] = {{"RSA", "1.2.840.113549.1.1.1"}, {"EC", "1.2.840.10045.2.1"},
                {"X25519", "1.3.101.110"},       {"X448", "1.3.101.111"},
                {"ED25519", "1.3.101.112"},      {"ED448", "1.3.101.113"}};
  for (const auto& entry : kNames) {
    if (OPENSSL_strcasecmp(type, entry.name) == 0) return entry.oid;
  }
  return type;
}

Result<ossl::UniquePtr<EVP_PKEY>> PkeyFromParams(const char* type, int selection,
                                                 OSSL_PARAM_BLD* bld, CK_RV fail_rv) {
  ossl::UniquePtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
  ossl::UniquePtr<EVP_PKEY_CTX> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, ProviderKeyName(type), nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    return ossl::ToError(CKR_HOST_MEMORY, "EVP_PKEY_fromdata_init");
  }
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &pkey, selection, params.get()) != 1) {
    return ossl::ToError(fail_rv, "EVP_PKEY_fromdata");
  }
  return ossl::UniquePtr<EVP_PKEY>(pkey);
}

}  // namespace p11::asym
