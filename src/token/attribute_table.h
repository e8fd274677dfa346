// The declarative attribute rules of PKCS#11 3.1 §4 (internal to the policy layer): one row
// {CKA_*, kind, flags, default} per attribute, grouped by class and key/certificate type, and
// the lookup that assembles the rows valid for one object. attribute_policy.cpp interprets
// them; nothing here knows about origins or actors.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "common/result.h"
#include "token/object.h"

namespace p11::policy::internal {

// How an attribute's value is shaped, which decides what a well-formed value is.
enum class Kind : uint8_t {
  kBool,       // one CK_BBOOL byte
  kUlong,      // sizeof(CK_ULONG) native bytes
  kBytes,      // any bytes (strings, DER, big integers)
  kDate,       // a CK_DATE (8 bytes) or empty
  kAttrArray,  // CKF_ARRAY_ATTRIBUTE: a nested template, stored encoded (nested_template.h)
  kMechArray,  // CKA_ALLOWED_MECHANISMS: CK_MECHANISM_TYPE values, stored as given
};

// The value filled in when a new object's template leaves the attribute out.
enum class Default : uint8_t {
  kNone,
  kFalse,
  kTrue,
  kEmpty,
  kZero,            // CK_ULONG 0
  kUnavailable,     // CK_ULONG CK_UNAVAILABLE_INFORMATION
  kTrueIfKeyClass,  // CKA_PRIVATE: true for private and secret keys, false otherwise
};

// Flags after kryoptic's OAFlags; the spec's footnote (Table 11 "Common footnotes for object
// attribute tables") each one encodes is named.
enum Flag : uint32_t {
  kRequiredOnCreate = 1u << 0,    // fn 1: C_CreateObject must give it
  kRequiredOnGenerate = 1u << 1,  // fn 3: C_GenerateKey(Pair) must give it
  kNotOnGenerate = 1u << 2,       // fn 4/6: the token makes it on generate, unwrap, derive
  kNeverSettable = 1u << 3,       // fn 2+4+6: token-set only (CKA_LOCAL, CKA_UNIQUE_ID…)
  kSensitive = 1u << 4,           // fn 7: unreadable when sensitive or unextractable
  kModifiable = 1u << 5,          // fn 8: C_SetAttributeValue (and C_CopyObject) may change it
  kCopyModifiable = 1u << 6,      // C_CopyObject may change it, C_SetAttributeValue may not
  kSoOnlyTrue = 1u << 7,          // fn 10: only the SO may set it to true
  kChangeOnlyToTrue = 1u << 8,    // fn 11: once true it stays true
  kChangeOnlyToFalse = 1u << 9,   // fn 12: once false it stays false
};

struct AttrRule {
  CK_ATTRIBUTE_TYPE type;
  Kind kind;
  uint32_t flags;
  Default def;
  // For kUlong attributes with a closed set of values (0..max), else 0 for "any".
  CK_ULONG max_value = 0;

  bool Has(Flag f) const { return (flags & f) != 0; }
};

// The rows valid for one class and subtype (key type or certificate type), in table order.
class Schema {
 public:
  // nullptr when the attribute is not valid for the object. A bisection over the rows sorted by
  // type: every attribute of every create, set, copy and find template is looked up here.
  const AttrRule* Find(CK_ATTRIBUTE_TYPE type) const;

  template <class F>
  void ForEach(F&& f) const {
    for (size_t i = 0; i < count_; ++i) {
      for (const AttrRule& rule : parts_[i]) f(rule);
    }
  }

  void Add(std::span<const AttrRule> rows) { parts_[count_++] = rows; }
  // A new object of this schema before its template is applied: CKA_CLASS, the subtype
  // attribute (CK_UNAVAILABLE_INFORMATION until the caller sets it, in place) and every row's
  // default. Copied for each new object, so the rows are interpreted once, not per object.
  const Object& Defaults() const { return defaults_; }

  // Sorts the rows by type for Find and builds Defaults, once all parts are added. Where two
  // parts name the same type, the earlier part's row is the one found.
  void Complete(CK_OBJECT_CLASS object_class);

 private:
  std::array<std::span<const AttrRule>, 6> parts_{};
  size_t count_ = 0;
  std::vector<const AttrRule*> by_type_;
  Object defaults_;
};

bool IsKeyClass(CK_OBJECT_CLASS object_class);

// Whether `object_class` is one this module creates (data, certificate, the three keys).
bool IsSupportedClass(CK_OBJECT_CLASS object_class);

// The attribute that names the subtype of `object_class`: CKA_KEY_TYPE for keys,
// CKA_CERTIFICATE_TYPE for certificates, 0 for classes without one.
CK_ATTRIBUTE_TYPE SubtypeAttribute(CK_OBJECT_CLASS object_class);

// The schema for a supported class; CKR_ATTRIBUTE_VALUE_INVALID when the subtype is not one
// supported for the class (a DSA key, a WTLS certificate). Built once per class and subtype and
// kept for the life of the process, so the pointer stays valid.
Result<const Schema*> SchemaFor(CK_OBJECT_CLASS object_class, CK_ULONG subtype);

// Whether `type` is key material (flag kSensitive) in any key type of `object_class`.
bool IsSensitiveType(CK_OBJECT_CLASS object_class, CK_ATTRIBUTE_TYPE type);

// CKR_ATTRIBUTE_VALUE_INVALID unless `value` is well formed for `rule` (sizes, closed sets).
// Nested templates are checked by the nested-template codec, not here.
Result<void> CheckValueShape(const AttrRule& rule, ByteView value);

}  // namespace p11::policy::internal
