// Interprets the rows of attribute_table.cpp for every path that makes or changes an object
// (PKCS#11 3.1 §5.7 C_CreateObject, C_CopyObject, C_SetAttributeValue, C_FindObjectsInit;
// §5.14 key generation, wrapping and derivation).
#include "token/attribute_policy.h"

#include <algorithm>
#include <cstring>

#include "token/attribute_table.h"
#include "token/nested_template.h"

namespace p11::policy {
namespace {

using internal::AttrRule;
using internal::Default;
using internal::Kind;
using internal::Schema;

bool IsGenerate(Origin origin) {
  return origin == Origin::kGenerate || origin == Origin::kGeneratePublic ||
         origin == Origin::kGeneratePrivate;
}

const TemplateAttr* FindIn(std::span<const TemplateAttr> tmpl, CK_ATTRIBUTE_TYPE type) {
  for (const TemplateAttr& a : tmpl) {
    if (a.type == type) return &a;
  }
  return nullptr;
}

bool ValueIsTrue(ByteView value) { return !value.empty() && value[0] != CK_FALSE; }

// The class a generating origin makes, whatever the mechanism implied.
CK_OBJECT_CLASS OriginClass(Origin origin, CK_OBJECT_CLASS implied) {
  switch (origin) {
    case Origin::kGenerate:
      return CKO_SECRET_KEY;
    case Origin::kGeneratePublic:
      return CKO_PUBLIC_KEY;
    case Origin::kGeneratePrivate:
      return CKO_PRIVATE_KEY;
    default:
      return implied;
  }
}

// A CK_ULONG in a Result: Result<CK_ULONG> cannot exist, its value and CK_RV constructors
// would have the same signature.
struct Ulong {
  CK_ULONG value;
};

// CKA_CLASS or the subtype attribute: the template's value, else what the origin implies.
// Absent from both → CKR_TEMPLATE_INCOMPLETE; a template contradicting the implied value →
// CKR_TEMPLATE_INCONSISTENT.
Result<Ulong> ResolveIdentity(std::span<const TemplateAttr> tmpl, CK_ATTRIBUTE_TYPE type,
                              CK_ULONG implied) {
  const TemplateAttr* given = FindIn(tmpl, type);
  if (given == nullptr) {
    if (implied == CK_UNAVAILABLE_INFORMATION) return Fail(CKR_TEMPLATE_INCOMPLETE, "identity");
    return Ulong{implied};
  }
  if (given->value.size() != sizeof(CK_ULONG)) return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "ulong");
  CK_ULONG value;
  std::memcpy(&value, given->value.data(), sizeof value);
  if (implied != CK_UNAVAILABLE_INFORMATION && value != implied) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "identity contradicts mechanism");
  }
  return Ulong{value};
}

// The stored form of a checked value: booleans normalised so finds compare bytes, nested
// templates encoded so the object owns them.
Result<AttrValue> StoredForm(const AttrRule& rule, ByteView value) {
  if (rule.kind == Kind::kBool) {
    return AttrValue{static_cast<uint8_t>(ValueIsTrue(value) ? CK_TRUE : CK_FALSE)};
  }
  if (rule.kind == Kind::kAttrArray) return internal::EncodeNested(value);
  return AttrValue(value.begin(), value.end());
}

// Sets the stored form of a checked value on `obj`: StoredForm without the intermediate copy,
// for the common shapes a new object's template carries.
Result<void> SetStoredForm(const AttrRule& rule, const TemplateAttr& attr, Object& obj) {
  if (rule.kind == Kind::kBool) {
    obj.SetBool(attr.type, ValueIsTrue(attr.value));
  } else if (rule.kind == Kind::kAttrArray) {
    P11_ASSIGN_OR_RETURN(AttrValue stored, internal::EncodeNested(attr.value));
    obj.Set(attr.type, stored);
  } else {
    obj.Set(attr.type, attr.value);
  }
  return Ok();
}

Result<const AttrRule*> CheckedRule(const Schema& schema, const TemplateAttr& attr) {
  const AttrRule* rule = schema.Find(attr.type);
  if (rule == nullptr) return Fail(CKR_ATTRIBUTE_TYPE_INVALID, "attribute for class");
  P11_TRY(internal::CheckValueShape(*rule, attr.value));
  return rule;
}

// Whether `attr` may be given when the object comes to be by `origin`.
Result<void> CheckSettableOnNew(const AttrRule& rule, const TemplateAttr& attr, Origin origin,
                                Actor actor) {
  if (rule.Has(internal::kNeverSettable)) return Fail(CKR_ATTRIBUTE_READ_ONLY, "token-set");
  if (rule.Has(internal::kNotOnGenerate) && origin != Origin::kCreate) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "value made by the token");
  }
  if (rule.Has(internal::kSoOnlyTrue) && ValueIsTrue(attr.value) && !actor.so) {
    return Fail(CKR_ATTRIBUTE_READ_ONLY, "SO only");
  }
  return Ok();
}

// Footnotes 1 and 3: the template must give every attribute its origin requires. The class and
// subtype are resolved before this, from the template or the mechanism.
Result<void> CheckRequired(const Schema& schema, Origin origin, std::span<const TemplateAttr> tmpl,
                           CK_ATTRIBUTE_TYPE subtype_attr) {
  Result<void> missing = Ok();
  schema.ForEach([&](const AttrRule& rule) {
    const bool required = (rule.Has(internal::kRequiredOnCreate) && origin == Origin::kCreate) ||
                          (rule.Has(internal::kRequiredOnGenerate) && IsGenerate(origin));
    if (!required || !missing.ok() || rule.type == CKA_CLASS || rule.type == subtype_attr) return;
    if (FindIn(tmpl, rule.type) == nullptr) missing = Fail(CKR_TEMPLATE_INCOMPLETE, "required");
  });
  return missing;
}

Result<const Schema*> SchemaOf(const Object& obj) {
  const CK_OBJECT_CLASS object_class = obj.Class();
  const CK_ATTRIBUTE_TYPE subtype_attr = internal::SubtypeAttribute(object_class);
  const CK_ULONG subtype =
      subtype_attr ? obj.GetUlong(subtype_attr).value_or(CK_UNAVAILABLE_INFORMATION) : 0;
  Result<const Schema*> schema = internal::SchemaFor(object_class, subtype);
  // A stored object always has a class and subtype the table knows; anything else is damage.
  if (!schema.ok()) return Fail(CKR_GENERAL_ERROR, "stored object class");
  return schema;
}

bool IsBoolType(const Object& obj, CK_ATTRIBUTE_TYPE type) {
  Result<const Schema*> schema = SchemaOf(obj);
  const AttrRule* rule = schema.ok() ? (*schema)->Find(type) : nullptr;
  return rule != nullptr && rule->kind == Kind::kBool;
}

// One attribute of a C_SetAttributeValue or C_CopyObject template, applied to `out`.
Result<void> ApplyChange(const Schema& schema, const Object& current, const TemplateAttr& attr,
                         Actor actor, bool copy, Object& out) {
  P11_ASSIGN_OR_RETURN(const AttrRule* rule, CheckedRule(schema, attr));
  if (rule->Has(internal::kNeverSettable)) return Fail(CKR_ATTRIBUTE_READ_ONLY, "token-set");
  P11_ASSIGN_OR_RETURN(AttrValue stored, StoredForm(*rule, attr.value));
  const std::optional<ByteView> old = current.Get(attr.type);
  // Restating a value is not a change; callers copying with their creation template do it.
  if (old && std::ranges::equal(*old, stored)) return Ok();

  const bool one_way =
      rule->Has(internal::kChangeOnlyToTrue) || rule->Has(internal::kChangeOnlyToFalse);
  const bool source_modifiable = current.GetBool(CKA_MODIFIABLE, true);
  // C_CopyObject may change "attributes that can ordinarily be modified": on an unmodifiable
  // source only the copy's own storage attributes and strengthening one-way changes.
  bool allowed = rule->Has(internal::kModifiable) && (!copy || source_modifiable || one_way);
  if (copy && rule->Has(internal::kCopyModifiable)) allowed = true;
  // A copy must not turn a read-only object into a modifiable one.
  if (copy && attr.type == CKA_MODIFIABLE && !source_modifiable) allowed = false;
  if (!allowed) return Fail(CKR_ATTRIBUTE_READ_ONLY, "fixed attribute");

  const bool was_true = old && ValueIsTrue(*old);
  const bool now_true = ValueIsTrue(stored);
  if (rule->Has(internal::kChangeOnlyToTrue) && was_true && !now_true) {
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "may only become true");
  }
  if (rule->Has(internal::kChangeOnlyToFalse) && old && !was_true && now_true) {
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "may only become false");
  }
  if (rule->Has(internal::kSoOnlyTrue) && now_true && !actor.so) {
    return Fail(CKR_ATTRIBUTE_READ_ONLY, "SO only");
  }
  out.Set(attr.type, std::move(stored));
  return Ok();
}

}  // namespace

Result<Object> NewObject(Origin origin, std::span<const TemplateAttr> tmpl, Implied implied,
                         Actor actor) {
  P11_ASSIGN_OR_RETURN(const Ulong class_id,
                       ResolveIdentity(tmpl, CKA_CLASS, OriginClass(origin, implied.object_class)));
  const CK_OBJECT_CLASS object_class = class_id.value;
  if (!internal::IsSupportedClass(object_class)) {
    return Fail(CKR_ATTRIBUTE_VALUE_INVALID, "object class");
  }
  // Generation makes keys only: a data object or certificate cannot be generated. The one
  // derivation that makes data (CKM_HKDF_DATA) says so through the implied class.
  const bool derived_data =
      origin == Origin::kDerive && object_class == CKO_DATA && implied.object_class == CKO_DATA;
  if (origin != Origin::kCreate && !internal::IsKeyClass(object_class) && !derived_data) {
    return Fail(CKR_TEMPLATE_INCONSISTENT, "class for origin");
  }
  const CK_ATTRIBUTE_TYPE subtype_attr = internal::SubtypeAttribute(object_class);
  CK_ULONG subtype = 0;
  if (subtype_attr != 0) {
    const CK_ULONG implied_subtype =
        subtype_attr == CKA_KEY_TYPE ? implied.key_type : CK_UNAVAILABLE_INFORMATION;
    P11_ASSIGN_OR_RETURN(const Ulong subtype_id,
                         ResolveIdentity(tmpl, subtype_attr, implied_subtype));
    subtype = subtype_id.value;
  }
  P11_ASSIGN_OR_RETURN(const Schema* found, internal::SchemaFor(object_class, subtype));
  const Schema& schema = *found;

  // A copy of the class's identity and defaults; the subtype's placeholder is overwritten in
  // place (same width), then the template goes over the rest.
  Object obj = schema.Defaults();
  if (subtype_attr != 0) obj.SetUlong(subtype_attr, subtype);
  for (const TemplateAttr& attr : tmpl) {
    P11_ASSIGN_OR_RETURN(const AttrRule* rule, CheckedRule(schema, attr));
    if (attr.type == CKA_CLASS || attr.type == subtype_attr) continue;  // resolved above
    P11_TRY(CheckSettableOnNew(*rule, attr, origin, actor));
    P11_TRY(SetStoredForm(*rule, attr, obj));
  }
  P11_TRY(CheckRequired(schema, origin, tmpl, subtype_attr));
  return obj;
}

void FinishKey(Object& key, Origin origin, CK_MECHANISM_TYPE mechanism) {
  const CK_OBJECT_CLASS object_class = key.Class();
  if (!internal::IsKeyClass(object_class)) return;
  const bool generated = IsGenerate(origin);
  key.SetBool(CKA_LOCAL, generated);
  key.SetUlong(CKA_KEY_GEN_MECHANISM, generated ? mechanism : CK_UNAVAILABLE_INFORMATION);
  if (object_class == CKO_PUBLIC_KEY) return;
  // Unwrapped and derived keys report false: the token cannot vouch for the key's past (a
  // derived key's history depends on its base key, which the caller tracks if it wants to).
  key.SetBool(CKA_ALWAYS_SENSITIVE, generated && key.GetBool(CKA_SENSITIVE));
  key.SetBool(CKA_NEVER_EXTRACTABLE, generated && !key.GetBool(CKA_EXTRACTABLE, true));
}

void FinishDerivedKey(Object& key, const Object& base) {
  FinishKey(key, Origin::kDerive, CK_UNAVAILABLE_INFORMATION);
  if (!internal::IsKeyClass(key.Class()) || key.Class() == CKO_PUBLIC_KEY) return;
  key.SetBool(CKA_ALWAYS_SENSITIVE,
              base.GetBool(CKA_ALWAYS_SENSITIVE) && key.GetBool(CKA_SENSITIVE));
  key.SetBool(CKA_NEVER_EXTRACTABLE,
              base.GetBool(CKA_NEVER_EXTRACTABLE) && !key.GetBool(CKA_EXTRACTABLE, true));
}

Result<std::vector<TemplateAttr>> NestedTemplate(const Object& object, CK_ATTRIBUTE_TYPE type) {
  const ByteView stored = object.GetBytes(type);
  if (stored.empty()) return std::vector<TemplateAttr>();
  return internal::DecodeNested(stored);
}

Result<std::vector<TemplateAttr>> JoinTemplate(std::span<const TemplateAttr> caller,
                                               std::span<const TemplateAttr> required) {
  std::vector<TemplateAttr> joined(caller.begin(), caller.end());
  for (const TemplateAttr& need : required) {
    auto same_type = [&](const TemplateAttr& a) { return a.type == need.type; };
    auto it = std::find_if(joined.begin(), joined.end(), same_type);
    if (it == joined.end()) {
      joined.push_back(need);
    } else if (!std::equal(it->value.begin(), it->value.end(), need.value.begin(),
                           need.value.end())) {
      return Fail(CKR_TEMPLATE_INCONSISTENT, "template conflicts with the key's template");
    }
  }
  return joined;
}

Result<Object> ApplySet(const Object& current, std::span<const TemplateAttr> tmpl, Actor actor) {
  if (!current.GetBool(CKA_MODIFIABLE, true)) {
    return Fail(CKR_ACTION_PROHIBITED, "object not modifiable");
  }
  P11_ASSIGN_OR_RETURN(const Schema* schema, SchemaOf(current));
  Object out = current;
  for (const TemplateAttr& attr : tmpl) {
    P11_TRY(ApplyChange(*schema, current, attr, actor, /*copy=*/false, out));
  }
  return out;
}

Result<Object> ApplyCopy(const Object& source, std::span<const TemplateAttr> tmpl, Actor actor) {
  if (!source.GetBool(CKA_COPYABLE, true)) {
    return Fail(CKR_ACTION_PROHIBITED, "object not copyable");
  }
  P11_ASSIGN_OR_RETURN(const Schema* schema, SchemaOf(source));
  Object out = source;
  // The copy is a new object: the backend gives it its own CKA_UNIQUE_ID.
  out.Erase(CKA_UNIQUE_ID);
  for (const TemplateAttr& attr : tmpl) {
    P11_TRY(ApplyChange(*schema, source, attr, actor, /*copy=*/true, out));
  }
  return out;
}

bool Matches(const Object& object, std::span<const TemplateAttr> match) {
  for (const TemplateAttr& m : match) {
    const std::optional<ByteView> have = object.Get(m.type);
    if (!have) return false;
    if (internal::IsNestedTemplate(m.type)) {
      Result<AttrValue> wanted = internal::EncodeNested(m.value);
      if (!wanted.ok() || !std::ranges::equal(*wanted, *have)) return false;
      continue;
    }
    if (IsBoolType(object, m.type) && m.value.size() == sizeof(CK_BBOOL)) {
      // Any non-zero CK_BBOOL means true; the object stores CK_TRUE.
      if (ValueIsTrue(*have) != ValueIsTrue(m.value)) return false;
      continue;
    }
    if (!std::equal(have->begin(), have->end(), m.value.begin(), m.value.end())) return false;
  }
  return true;
}

bool IsSecretAttribute(CK_OBJECT_CLASS object_class, CK_ATTRIBUTE_TYPE type) {
  return internal::IsSensitiveType(object_class, type);
}

Result<void> CheckKeyUse(const Object& key, CK_ATTRIBUTE_TYPE usage, CK_MECHANISM_TYPE mechanism) {
  if (!key.GetBool(usage)) return Fail(CKR_KEY_FUNCTION_NOT_PERMITTED, "key usage");
  ByteView allowed = key.GetBytes(CKA_ALLOWED_MECHANISMS);
  // An empty list restricts nothing, as in SoftHSMv2: the attribute lists what is allowed,
  // and a key nobody may use would be created by mistake, not by intent.
  if (allowed.empty()) return Ok();
  for (size_t off = 0; off + sizeof(CK_MECHANISM_TYPE) <= allowed.size();
       off += sizeof(CK_MECHANISM_TYPE)) {
    CK_MECHANISM_TYPE m;
    std::memcpy(&m, allowed.data() + off, sizeof m);
    if (m == mechanism) return Ok();
  }
  return Fail(CKR_MECHANISM_INVALID, "CKA_ALLOWED_MECHANISMS");
}

}  // namespace p11::policy
