// The attribute rows of PKCS#11 3.1 §4.4–§4.10 and the key-type sections of the mechanisms
// document, one constexpr table per class section, after kryoptic's per-factory OAFlags.
//
// Defaults where the spec says "token-specific" (footnote 9), chosen for what consumers of
// SoftHSMv2 and OpenSC tokens expect:
// - CKA_PRIVATE is true for private and secret keys, false for other objects (SoftHSMv2 and
//   OpenSC practice), so key material is hidden from public sessions unless asked otherwise.
// - CKA_SENSITIVE is true for private and secret keys on every origin. SoftHSMv2 defaults it
//   to false, OpenSC cards to true; a key whose creator forgot the attribute should not leak,
//   and a caller who wants a readable key says so (CKA_SENSITIVE false, CKA_EXTRACTABLE true).
// - CKA_EXTRACTABLE is false, as in SoftHSMv2: wrapping a key out is opted into.
// - Usage flags are true for what the class can do (SoftHSMv2), CKA_DERIVE false.
#include "token/attribute_table.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "pkcs11/pkcs11.h"

namespace p11::policy::internal {
namespace {

using K = Kind;
using D = Default;

constexpr uint32_t kValueOnCreate = kRequiredOnCreate | kNotOnGenerate;
constexpr uint32_t kSecretValue = kRequiredOnCreate | kNotOnGenerate | kSensitive;
constexpr uint32_t kSecretPart = kNotOnGenerate | kSensitive;

// §4.4 Storage objects: every class.
constexpr AttrRule kStorage[] = {
    {CKA_CLASS, K::kUlong, kRequiredOnCreate, D::kNone},
    {CKA_TOKEN, K::kBool, kCopyModifiable, D::kFalse},
    {CKA_PRIVATE, K::kBool, kCopyModifiable, D::kTrueIfKeyClass},
    {CKA_MODIFIABLE, K::kBool, kCopyModifiable, D::kTrue},
    {CKA_LABEL, K::kBytes, kModifiable, D::kEmpty},
    // "Can't be set to TRUE once it is set to FALSE": true→false stays possible.
    {CKA_COPYABLE, K::kBool, kModifiable | kChangeOnlyToFalse, D::kTrue},
    {CKA_DESTROYABLE, K::kBool, kCopyModifiable, D::kTrue},
    // Assigned by the backend when it stores the object.
    {CKA_UNIQUE_ID, K::kBytes, kNeverSettable, D::kNone},
};

// §4.5 Data objects: the three attributes may be modified after creation.
constexpr AttrRule kData[] = {
    {CKA_APPLICATION, K::kBytes, kModifiable, D::kEmpty},
    {CKA_OBJECT_ID, K::kBytes, kModifiable, D::kEmpty},
    {CKA_VALUE, K::kBytes, kModifiable, D::kEmpty},
};

// §4.6.2 Common certificate attributes.
constexpr AttrRule kCertificate[] = {
    {CKA_CERTIFICATE_TYPE, K::kUlong, kRequiredOnCreate, D::kNone},
    {CKA_TRUSTED, K::kBool, kModifiable | kSoOnlyTrue, D::kFalse},
    // CK_CERTIFICATE_CATEGORY_UNSPECIFIED (0) … CK_CERTIFICATE_CATEGORY_OTHER_ENTITY (3).
    {CKA_CERTIFICATE_CATEGORY, K::kUlong, 0, D::kZero, 3},
    {CKA_CHECK_VALUE, K::kBytes, 0, D::kNone},
    {CKA_START_DATE, K::kDate, 0, D::kEmpty},
    {CKA_END_DATE, K::kDate, 0, D::kEmpty},
    {CKA_PUBLIC_KEY_INFO, K::kBytes, 0, D::kNone},
};

// §4.6.3 X.509 certificates: "Only the CKA_ID, CKA_ISSUER, and CKA_SERIAL_NUMBER attributes
// may be modified after the object is created" (with CKA_LABEL from §4.4).
constexpr AttrRule kX509[] = {
    {CKA_SUBJECT, K::kBytes, kRequiredOnCreate, D::kNone},
    {CKA_ID, K::kBytes, kModifiable, D::kEmpty},
    {CKA_ISSUER, K::kBytes, kModifiable, D::kEmpty},
    {CKA_SERIAL_NUMBER, K::kBytes, kModifiable, D::kEmpty},
    {CKA_VALUE, K::kBytes, kRequiredOnCreate, D::kNone},
    {CKA_URL, K::kBytes, 0, D::kNone},
    {CKA_HASH_OF_SUBJECT_PUBLIC_KEY, K::kBytes, 0, D::kNone},
    {CKA_HASH_OF_ISSUER_PUBLIC_KEY, K::kBytes, 0, D::kNone},
    // CK_SECURITY_DOMAIN_UNSPECIFIED (0) … CK_SECURITY_DOMAIN_THIRD_PARTY (3).
    {CKA_JAVA_MIDP_SECURITY_DOMAIN, K::kUlong, 0, D::kZero, 3},
    {CKA_NAME_HASH_ALGORITHM, K::kUlong, 0, D::kNone},
};

// §4.7.2 Common key attributes.
constexpr AttrRule kKey[] = {
    {CKA_KEY_TYPE, K::kUlong, kRequiredOnCreate, D::kNone},
    {CKA_ID, K::kBytes, kModifiable, D::kEmpty},
    {CKA_START_DATE, K::kDate, kModifiable, D::kEmpty},
    {CKA_END_DATE, K::kDate, kModifiable, D::kEmpty},
    {CKA_DERIVE, K::kBool, kModifiable, D::kFalse},
    {CKA_LOCAL, K::kBool, kNeverSettable, D::kFalse},
    {CKA_KEY_GEN_MECHANISM, K::kUlong, kNeverSettable, D::kUnavailable},
    // Absent means any mechanism; fixed once the key exists.
    {CKA_ALLOWED_MECHANISMS, K::kMechArray, 0, D::kNone},
};

// §4.8 Public keys.
constexpr AttrRule kPublicKey[] = {
    {CKA_SUBJECT, K::kBytes, kModifiable, D::kEmpty},
    {CKA_ENCRYPT, K::kBool, kModifiable, D::kTrue},
    {CKA_VERIFY, K::kBool, kModifiable, D::kTrue},
    {CKA_VERIFY_RECOVER, K::kBool, kModifiable, D::kTrue},
    {CKA_WRAP, K::kBool, kModifiable, D::kTrue},
    {CKA_TRUSTED, K::kBool, kModifiable | kSoOnlyTrue, D::kFalse},
    {CKA_WRAP_TEMPLATE, K::kAttrArray, 0, D::kNone},
    // Computed by the token from the key on generate.
    {CKA_PUBLIC_KEY_INFO, K::kBytes, kNotOnGenerate, D::kNone},
};

// §4.9 Private keys.
constexpr AttrRule kPrivateKey[] = {
    {CKA_SUBJECT, K::kBytes, kModifiable, D::kEmpty},
    {CKA_SENSITIVE, K::kBool, kModifiable | kChangeOnlyToTrue, D::kTrue},
    {CKA_DECRYPT, K::kBool, kModifiable, D::kTrue},
    {CKA_SIGN, K::kBool, kModifiable, D::kTrue},
    {CKA_SIGN_RECOVER, K::kBool, kModifiable, D::kTrue},
    {CKA_UNWRAP, K::kBool, kModifiable, D::kTrue},
    {CKA_EXTRACTABLE, K::kBool, kModifiable | kChangeOnlyToFalse, D::kFalse},
    {CKA_ALWAYS_SENSITIVE, K::kBool, kNeverSettable, D::kFalse},
    {CKA_NEVER_EXTRACTABLE, K::kBool, kNeverSettable, D::kFalse},
    {CKA_WRAP_WITH_TRUSTED, K::kBool, kModifiable | kChangeOnlyToTrue, D::kFalse},
    {CKA_UNWRAP_TEMPLATE, K::kAttrArray, 0, D::kNone},
    {CKA_ALWAYS_AUTHENTICATE, K::kBool, 0, D::kFalse},
    {CKA_PUBLIC_KEY_INFO, K::kBytes, kNotOnGenerate, D::kNone},
};

// §4.10 Secret keys.
constexpr AttrRule kSecretKey[] = {
    {CKA_SENSITIVE, K::kBool, kModifiable | kChangeOnlyToTrue, D::kTrue},
    {CKA_ENCRYPT, K::kBool, kModifiable, D::kTrue},
    {CKA_DECRYPT, K::kBool, kModifiable, D::kTrue},
    {CKA_SIGN, K::kBool, kModifiable, D::kTrue},
    {CKA_VERIFY, K::kBool, kModifiable, D::kTrue},
    {CKA_WRAP, K::kBool, kModifiable, D::kTrue},
    {CKA_UNWRAP, K::kBool, kModifiable, D::kTrue},
    {CKA_EXTRACTABLE, K::kBool, kModifiable | kChangeOnlyToFalse, D::kFalse},
    {CKA_ALWAYS_SENSITIVE, K::kBool, kNeverSettable, D::kFalse},
    {CKA_NEVER_EXTRACTABLE, K::kBool, kNeverSettable, D::kFalse},
    {CKA_CHECK_VALUE, K::kBytes, kNotOnGenerate, D::kNone},
    {CKA_WRAP_WITH_TRUSTED, K::kBool, kModifiable | kChangeOnlyToTrue, D::kFalse},
    {CKA_TRUSTED, K::kBool, kModifiable | kSoOnlyTrue, D::kFalse},
    {CKA_WRAP_TEMPLATE, K::kAttrArray, 0, D::kNone},
    {CKA_UNWRAP_TEMPLATE, K::kAttrArray, 0, D::kNone},
    {CKA_DERIVE_TEMPLATE, K::kAttrArray, 0, D::kNone},
};

// RSA (mechanisms §2.1.2/2.1.3). CKA_MODULUS_BITS may come with an imported public key; the
// mechanism layer checks it against the modulus.
constexpr AttrRule kRsaPublic[] = {
    {CKA_MODULUS, K::kBytes, kValueOnCreate, D::kNone},
    {CKA_MODULUS_BITS, K::kUlong, kRequiredOnGenerate, D::kNone},
    {CKA_PUBLIC_EXPONENT, K::kBytes, kRequiredOnCreate, D::kNone},
};
constexpr AttrRule kRsaPrivate[] = {
    {CKA_MODULUS, K::kBytes, kValueOnCreate, D::kNone},
    {CKA_PUBLIC_EXPONENT, K::kBytes, kNotOnGenerate, D::kNone},
    {CKA_PRIVATE_EXPONENT, K::kBytes, kSecretValue, D::kNone},
    {CKA_PRIME_1, K::kBytes, kSecretPart, D::kNone},
    {CKA_PRIME_2, K::kBytes, kSecretPart, D::kNone},
    {CKA_EXPONENT_1, K::kBytes, kSecretPart, D::kNone},
    {CKA_EXPONENT_2, K::kBytes, kSecretPart, D::kNone},
    {CKA_COEFFICIENT, K::kBytes, kSecretPart, D::kNone},
};

// EC, Edwards and Montgomery keys (mechanisms §2.3). A private template may repeat
// CKA_EC_PARAMS on generate (some callers send it in both halves); the public half decides.
constexpr AttrRule kEcPublic[] = {
    {CKA_EC_PARAMS, K::kBytes, kRequiredOnCreate | kRequiredOnGenerate, D::kNone},
    {CKA_EC_POINT, K::kBytes, kValueOnCreate, D::kNone},
};
constexpr AttrRule kEcPrivate[] = {
    {CKA_EC_PARAMS, K::kBytes, kRequiredOnCreate, D::kNone},
    {CKA_VALUE, K::kBytes, kSecretValue, D::kNone},
    {CKA_EC_POINT, K::kBytes, kNotOnGenerate, D::kNone},
};

// AES, generic secret and HMAC keys: the length is chosen on generate. CKA_VALUE_LEN with an
// imported value is tolerated (many callers send it); the mechanism layer checks it.
constexpr AttrRule kSecretSized[] = {
    {CKA_VALUE, K::kBytes, kSecretValue, D::kNone},
    {CKA_VALUE_LEN, K::kUlong, kRequiredOnGenerate, D::kNone},
};
// ChaCha20: one key length, so generate needs no CKA_VALUE_LEN.
constexpr AttrRule kSecretFixed[] = {
    {CKA_VALUE, K::kBytes, kSecretValue, D::kNone},
    {CKA_VALUE_LEN, K::kUlong, 0, D::kNone},
};

constexpr CK_KEY_TYPE kSizedSecretTypes[] = {
    CKK_AES,           CKK_GENERIC_SECRET, CKK_SHA_1_HMAC,   CKK_SHA224_HMAC,
    CKK_SHA256_HMAC,   CKK_SHA384_HMAC,    CKK_SHA512_HMAC,  CKK_SHA3_224_HMAC,
    CKK_SHA3_256_HMAC, CKK_SHA3_384_HMAC,  CKK_SHA3_512_HMAC};

using Rows = std::span<const AttrRule>;

bool IsEcFamily(CK_KEY_TYPE t) {
  return t == CKK_EC || t == CKK_EC_EDWARDS || t == CKK_EC_MONTGOMERY;
}

// Every key-type table of a class, for questions asked without a key type.
constexpr Rows kPrivateSpecific[] = {kRsaPrivate, kEcPrivate};
constexpr Rows kSecretSpecific[] = {kSecretSized, kSecretFixed};

}  // namespace

bool IsSensitiveType(CK_OBJECT_CLASS object_class, CK_ATTRIBUTE_TYPE type) {
  std::span<const Rows> tables;
  if (object_class == CKO_PRIVATE_KEY) tables = kPrivateSpecific;
  if (object_class == CKO_SECRET_KEY) tables = kSecretSpecific;
  for (Rows rows : tables) {
    for (const AttrRule& rule : rows) {
      if (rule.type == type && rule.Has(kSensitive)) return true;
    }
  }
  return false;
}

const AttrRule* Schema::Find(CK_ATTRIBUTE_TYPE type) const {
  auto at =
      std::lower_bound(by_type_.begin(), by_type_.end(), type,
                       [](const AttrRule* rule, CK_ATTRIBUTE_TYPE t) { return rule->type < t; });
  return at != by_type_.end() && (*at)->type == type ? *at : nullptr;
}

namespace {

void FillDefault(const AttrRule& rule, CK_OBJECT_CLASS object_class, Object& obj) {
  switch (rule.def) {
    case Default::kNone:
      return;
    case Default::kFalse:
      return obj.SetBool(rule.type, false);
    case Default::kTrue:
      return obj.SetBool(rule.type, true);
    case Default::kEmpty:
      return obj.Set(rule.type, ByteView());
    case Default::kZero:
      return obj.SetUlong(rule.type, 0);
    case Default::kUnavailable:
      return obj.SetUlong(rule.type, CK_UNAVAILABLE_INFORMATION);
    case Default::kTrueIfKeyClass:
      return obj.SetBool(rule.type,
                         object_class == CKO_PRIVATE_KEY || object_class == CKO_SECRET_KEY);
  }
}

}  // namespace

void Schema::Complete(CK_OBJECT_CLASS object_class) {
  defaults_ = Object();
  defaults_.SetUlong(CKA_CLASS, object_class);
  const CK_ATTRIBUTE_TYPE subtype_attr = SubtypeAttribute(object_class);
  if (subtype_attr != 0) defaults_.SetUlong(subtype_attr, CK_UNAVAILABLE_INFORMATION);
  ForEach([&](const AttrRule& rule) {
    if (!defaults_.Has(rule.type)) FillDefault(rule, object_class, defaults_);
  });
  by_type_.clear();
  ForEach([&](const AttrRule& rule) { by_type_.push_back(&rule); });
  std::stable_sort(by_type_.begin(), by_type_.end(),
                   [](const AttrRule* a, const AttrRule* b) { return a->type < b->type; });
  by_type_.erase(
      std::unique(by_type_.begin(), by_type_.end(),
                  [](const AttrRule* a, const AttrRule* b) { return a->type == b->type; }),
      by_type_.end());
}

bool IsKeyClass(CK_OBJECT_CLASS object_class) {
  return object_class == CKO_PUBLIC_KEY || object_class == CKO_PRIVATE_KEY ||
         object_class == CKO_SECRET_KEY;
}

bool IsSupportedClass(CK_OBJECT_CLASS object_class) {
  return object_class == CKO_DATA || object_class == CKO_CERTIFICATE || IsKeyClass(object_class);
}

CK_ATTRIBUTE_TYPE SubtypeAttribute(CK_OBJECT_CLASS object_class) {
  if (IsKeyClass(object_class)) return CKA_KEY_TYPE;
  if (object_class == CKO_CERTIFICATE) return CKA_CERTIFICATE_TYPE;
  return 0;
}

namespace {

// The distinct row combinations a class and subtype can select; every supported (class,
// subtype) pair maps to one of them.
enum class SchemaId : uint8_t {
  kData,
  kX509,
  kSecretSized,
  kSecretFixed,
  kRsaPublic,
  kEcPublic,
  kRsaPrivate,
  kEcPrivate,
  kCount
};

Result<SchemaId> SchemaIdFor(CK_OBJECT_CLASS object_class, CK_ULONG subtype) {
  if (object_class == CKO_DATA) return SchemaId::kData;
  if (object_class == CKO_CERTIFICATE) {
    if (subtype != CKC_X_509) return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "certificate type");
    return SchemaId::kX509;
  }
  if (object_class == CKO_SECRET_KEY) {
    if (subtype == CKK_CHACHA20) return SchemaId::kSecretFixed;
    if (std::ranges::find(kSizedSecretTypes, subtype) != std::end(kSizedSecretTypes)) {
      return SchemaId::kSecretSized;
    }
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "key type");
  }
  if (object_class != CKO_PUBLIC_KEY && object_class != CKO_PRIVATE_KEY) {
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "object class");
  }
  const bool is_public = object_class == CKO_PUBLIC_KEY;
  if (subtype == CKK_RSA) return is_public ? SchemaId::kRsaPublic : SchemaId::kRsaPrivate;
  if (IsEcFamily(subtype)) return is_public ? SchemaId::kEcPublic : SchemaId::kEcPrivate;
  return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "key type");
}

// Each combination's class and the tables it adds to kStorage.
struct SchemaRow {
  SchemaId id;
  CK_OBJECT_CLASS object_class;
  std::array<Rows, 3> parts;
};

constexpr SchemaRow kSchemaRows[] = {
    {SchemaId::kData, CKO_DATA, {Rows(kData)}},
    {SchemaId::kX509, CKO_CERTIFICATE, {Rows(kCertificate), Rows(kX509)}},
    {SchemaId::kSecretSized, CKO_SECRET_KEY, {Rows(kKey), Rows(kSecretKey), Rows(kSecretSized)}},
    {SchemaId::kSecretFixed, CKO_SECRET_KEY, {Rows(kKey), Rows(kSecretKey), Rows(kSecretFixed)}},
    {SchemaId::kRsaPublic, CKO_PUBLIC_KEY, {Rows(kKey), Rows(kPublicKey), Rows(kRsaPublic)}},
    {SchemaId::kEcPublic, CKO_PUBLIC_KEY, {Rows(kKey), Rows(kPublicKey), Rows(kEcPublic)}},
    {SchemaId::kRsaPrivate, CKO_PRIVATE_KEY, {Rows(kKey), Rows(kPrivateKey), Rows(kRsaPrivate)}},
    {SchemaId::kEcPrivate, CKO_PRIVATE_KEY, {Rows(kKey), Rows(kPrivateKey), Rows(kEcPrivate)}},
};
static_assert(std::size(kSchemaRows) == static_cast<size_t>(SchemaId::kCount));

Schema Assemble(const SchemaRow& row) {
  Schema schema;
  schema.Add(kStorage);
  for (Rows part : row.parts) {
    if (!part.empty()) schema.Add(part);
  }
  schema.Complete(row.object_class);
  return schema;
}

}  // namespace

// Built once, on first use (thread-safe static initialisation), and read without a lock after.
Result<const Schema*> SchemaFor(CK_OBJECT_CLASS object_class, CK_ULONG subtype) {
  static const std::array<Schema, static_cast<size_t>(SchemaId::kCount)> kSchemas = [] {
    std::array<Schema, static_cast<size_t>(SchemaId::kCount)> all;
    for (const SchemaRow& row : kSchemaRows) all[static_cast<size_t>(row.id)] = Assemble(row);
    return all;
  }();
  P11_ASSIGN_OR_RETURN(SchemaId id, SchemaIdFor(object_class, subtype));
  return &kSchemas[static_cast<size_t>(id)];
}

Result<void> CheckValueShape(const AttrRule& rule, ByteView value) {
  bool ok = true;
  switch (rule.kind) {
    case Kind::kBool:
      ok = value.size() == sizeof(CK_BBOOL);
      break;
    case Kind::kUlong:
      ok = value.size() == sizeof(CK_ULONG);
      if (ok && rule.max_value != 0) {
        CK_ULONG v;
        std::memcpy(&v, value.data(), sizeof v);
        ok = v <= rule.max_value;
      }
      break;
    case Kind::kDate:
      ok = value.empty() || value.size() == sizeof(CK_DATE);
      break;
    case Kind::kMechArray:
      ok = value.size() % sizeof(CK_MECHANISM_TYPE) == 0;
      break;
    case Kind::kBytes:
    case Kind::kAttrArray:
      break;
  }
  if (!ok) return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "attribute value shape");
  return Ok();
}

}  // namespace p11::policy::internal
