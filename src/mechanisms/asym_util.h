// Helpers shared by the asymmetric families (rsa.cpp, ec.cpp) and key conversion (keys.cpp):
// big-integer and DER byte forms, the supported curves and hashes as tables, and the key
// checks every Begin* repeats. Nothing here knows a CKM_* beyond the hash table.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <optional>
#include <string_view>

#include "common/result.h"
#include "common/secure_buffer.h"
#include "mechanisms/mechanism.h"
#include "mechanisms/ossl/unique_ptr.h"
#include "pkcs11/pkcs11.h"
#include "token/object.h"

namespace p11::asym {

// ---- Big integers: PKCS#11 carries them big-endian, unsigned ----

// Minimal big-endian bytes (an empty vector for zero), or exactly `width` bytes when given.
ZBytes BnToBytes(const BIGNUM* bn, size_t width = 0);
ossl::UniquePtr<BIGNUM> BytesToBn(ByteView bytes);
// A BIGNUM parameter of a key ("n", "d", "priv", …), or nullptr when the key lacks it.
ossl::UniquePtr<BIGNUM> GetBnParam(const EVP_PKEY* pkey, const char* name);

// ---- DER pieces consumers expect in attributes ----

// DER OCTET STRING around `content` (the CKA_EC_POINT form).
ZBytes DerOctetString(ByteView content);
// The content of a DER OCTET STRING that spans all of `der`, or nullopt.
std::optional<ByteView> ParseDerOctetString(ByteView der);
// DER SubjectPublicKeyInfo of the public half of `pkey` (CKA_PUBLIC_KEY_INFO).
Result<ZBytes> PublicKeyInfo(const EVP_PKEY* pkey);

// ---- Curves ----

struct Curve {
  const char* group_name;                 // OpenSSL group name
  std::string_view oid_der;               // CKA_EC_PARAMS as a DER OBJECT IDENTIFIER
  std::array<std::string_view, 3> names;  // printable names accepted in CKA_EC_PARAMS
  CK_ULONG bits;
  size_t field_bytes;  // one coordinate of a point
  size_t order_bytes;  // the private scalar and each of r and s
};

// The curve named by CKA_EC_PARAMS (namedCurve OID, or a PrintableString name).
// A well-formed but unknown curve → CKR_CURVE_NOT_SUPPORTED, malformed →
// CKR_ATTRIBUTE_VALUE_INVALID, absent → CKR_TEMPLATE_INCOMPLETE.
Result<const Curve*> CurveFromParams(const Object& key);
ByteView CurveOid(const Curve& curve);
// The curve of an EC EVP_PKEY (by its group name), or nullptr if not one of ours.
const Curve* CurveOfKey(const EVP_PKEY* pkey);
// DER SubjectPublicKeyInfo of an EC public key on `curve` in named-curve form, from its
// encoded point (what PublicKeyInfo gives for such a key, without OpenSSL's encoder).
Result<ZBytes> EcPublicKeyInfo(const Curve& curve, ByteView point);

// The curves of RFC 8032 (CKK_EC_EDWARDS) and RFC 7748 (CKK_EC_MONTGOMERY), whose keys
// OpenSSL takes as raw little-endian byte strings.
struct RawCurve {
  CK_KEY_TYPE key_type;
  const char* key_name;                      // OpenSSL key type: "ED25519", "X448", …
  std::array<std::string_view, 2> oids_der;  // RFC 8410 OID first, then a legacy one
  std::string_view name;                     // PKCS#11 3.1 §2.3.5 printable name
  CK_ULONG bits;                             // field size: 255 or 448
  size_t public_bytes;
  size_t private_bytes;
  size_t signature_bytes;  // EdDSA; 0 for Montgomery curves
};

// As CurveFromParams, for a key of type `key_type` (CKK_EC_EDWARDS or CKK_EC_MONTGOMERY).
Result<const RawCurve*> RawCurveFromParams(const Object& key, CK_KEY_TYPE key_type);
ByteView RawCurveOid(const RawCurve& curve);
// The curve of an Edwards or Montgomery EVP_PKEY, or nullptr.
const RawCurve* RawCurveOfKey(const EVP_PKEY* pkey);

// ---- Hashes ----

struct Hash {
  CK_MECHANISM_TYPE mechanism;  // CKM_SHA_1, CKM_SHA256, …
  CK_RSA_PKCS_MGF_TYPE mgf;     // CKG_MGF1_SHA1, …
  const char* name;             // OpenSSL digest name
  size_t size;
};

const Hash* HashByMechanism(CK_MECHANISM_TYPE mechanism);
const Hash* HashByMgf(CK_RSA_PKCS_MGF_TYPE mgf);

// The digests fetched once, when a family registers, so no operation fetches one by name.
class Digests {
 public:
  Digests();
  // The fetched digest; CKR_MECHANISM_INVALID if this OpenSSL has none (a FIPS provider
  // without SHA-1, say) — never nullptr, which OpenSSL would read as "use the default".
  Result<const EVP_MD*> Get(const Hash& hash) const;

 private:
  std::array<ossl::UniquePtr<EVP_MD>, 5> mds_;
};

// ---- Key checks for Begin* ----

enum class KeyUse { kPublic, kPrivate };

// The key must be of a type the mechanism accepts (else CKR_KEY_TYPE_INCONSISTENT), of the
// right class for `use` — a private key also serves public operations, as it carries the public
// parts — and within the mechanism's advertised size range (else CKR_KEY_SIZE_RANGE).
Result<void> CheckKey(const Mechanism& mechanism, const KeyMaterial& key, KeyUse use);

// A new reference to the key's EVP_PKEY: an operation may outlive the key cache entry.
ossl::UniquePtr<EVP_PKEY> ShareKey(const KeyMaterial& key);

// EVP_PKEY_fromdata of `type` ("RSA", "EC") from the parameters in `bld`.
// The name to give OpenSSL for key type `type` ("RSA", "EC", "ED25519", …) when creating
// keys and key contexts: its OID. OpenSSL 3.0 maps a plain name to a NID and then prefers any
// ENGINE registered for that NID — libp11's, when this module is loaded by `openssl
// -engine pkcs11` — whose legacy methods cannot build keys from parameters. An OID string has
// no NID in that lookup, so the provider's implementation is always used.
const char* ProviderKeyName(const char* type);

Result<ossl::UniquePtr<EVP_PKEY>> PkeyFromParams(const char* type, int selection,
                                                 OSSL_PARAM_BLD* bld, CK_RV fail_rv);

}  // namespace p11::asym
