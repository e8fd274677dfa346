// Attribute policy: the rules of PKCS#11 3.1 §4 for every object class, enforced in one
// place for both backends and every path (create, copy, set, generate, import, read, find).
// The rules live in a declarative table in attribute_policy.cpp ({CKA_*, flags} rows per
// class and key type, after kryoptic's OAFlags); these functions only interpret it.
#pragma once

#include <span>
#include <vector>

#include "common/result.h"
#include "token/object.h"

namespace p11::policy {

// How an object comes to be: decides which attributes the caller may give and which the
// token sets.
enum class Origin { kCreate, kGenerate, kGeneratePublic, kGeneratePrivate, kUnwrap, kDerive };

// Who is asking: the SO alone may set CKA_TRUSTED; RO sessions cannot make token objects
// (checked by the session layer, not here).
struct Actor {
  bool so = false;
  bool user = false;
};

// Defaults a mechanism implies for generated keys (class and key type), so a template may
// omit them; a template that contradicts them is CKR_TEMPLATE_INCONSISTENT.
struct Implied {
  CK_OBJECT_CLASS object_class = CK_UNAVAILABLE_INFORMATION;
  CK_KEY_TYPE key_type = CK_UNAVAILABLE_INFORMATION;
};

// Builds a new object from a caller's template: every attribute must be known for the
// class/key type (CKR_ATTRIBUTE_TYPE_INVALID), well formed (CKR_ATTRIBUTE_VALUE_INVALID:
// a CK_BBOOL is one byte, a CK_ULONG sizeof(CK_ULONG)…), settable for `origin`
// (CKR_ATTRIBUTE_READ_ONLY for CKA_LOCAL, CKA_ALWAYS_SENSITIVE… or CKA_VALUE on generate →
// CKR_TEMPLATE_INCONSISTENT), required ones present (CKR_TEMPLATE_INCOMPLETE); defaults
// filled (CKA_TOKEN false, CKA_PRIVATE true for private/secret keys, CKA_SENSITIVE…,
// CKA_MODIFIABLE/COPYABLE/DESTROYABLE true, CKA_ALWAYS_AUTHENTICATE false, empty CKA_LABEL
// and CKA_ID, usage flags per the spec/SoftHSM defaults).
Result<Object> NewObject(Origin origin, std::span<const TemplateAttr> tmpl, Implied implied,
                         Actor actor);

// After key material is in place: sets the token-derived attributes —
// CKA_LOCAL (true when generated), CKA_KEY_GEN_MECHANISM (`mechanism`, or
// CK_UNAVAILABLE_INFORMATION when not generated), CKA_ALWAYS_SENSITIVE = CKA_SENSITIVE and
// CKA_NEVER_EXTRACTABLE = !CKA_EXTRACTABLE (for generated keys; false for imported).
void FinishKey(Object& key, Origin origin, CK_MECHANISM_TYPE mechanism);

// C_DeriveKey (§4.x footnotes on CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE): a derived key
// is not local; it is "always sensitive" only if the base key was and it is sensitive itself,
// "never extractable" only if the base key was and it is unextractable itself.
void FinishDerivedKey(Object& key, const Object& base);

// The entries of an array attribute (CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE,
// CKA_DERIVE_TEMPLATE) of `object`, viewing into it; empty when the object has none.
Result<std::vector<TemplateAttr>> NestedTemplate(const Object& object, CK_ATTRIBUTE_TYPE type);

// A caller's template joined with a key's CKA_UNWRAP_TEMPLATE / CKA_DERIVE_TEMPLATE: the
// key's attributes are added; one the caller gave with another value is
// CKR_TEMPLATE_INCONSISTENT.
Result<std::vector<TemplateAttr>> JoinTemplate(std::span<const TemplateAttr> caller,
                                               std::span<const TemplateAttr> required);

// C_SetAttributeValue: the object after applying `tmpl`, or the reason it may not change —
// CKR_ACTION_PROHIBITED when CKA_MODIFIABLE is false, CKR_ATTRIBUTE_READ_ONLY for
// attributes fixed after creation, CKR_ATTRIBUTE_VALUE_INVALID for CKA_SENSITIVE true→false
// or CKA_EXTRACTABLE false→true, CKR_ATTRIBUTE_READ_ONLY for CKA_TRUSTED unless the SO.
Result<Object> ApplySet(const Object& current, std::span<const TemplateAttr> tmpl, Actor actor);

// C_CopyObject: the copy with `tmpl` applied — CKR_ACTION_PROHIBITED when CKA_COPYABLE is
// false; only CKA_TOKEN, CKA_PRIVATE, CKA_MODIFIABLE, CKA_DESTROYABLE, CKA_LABEL, CKA_ID… and
// the stronger-only changes may be given.
Result<Object> ApplyCopy(const Object& source, std::span<const TemplateAttr> tmpl, Actor actor);

// C_GetAttributeValue over a whole caller template (§5.7): fills what it can; an attribute
// the object lacks or that is unknown gets CK_UNAVAILABLE_INFORMATION and
// CKR_ATTRIBUTE_TYPE_INVALID, a sensitive one (CKA_VALUE of a sensitive or unextractable
// key, private exponent, primes…) CK_UNAVAILABLE_INFORMATION and CKR_ATTRIBUTE_SENSITIVE, a
// short buffer CK_UNAVAILABLE_INFORMATION and CKR_BUFFER_TOO_SMALL; NULL pValue reports the
// length. Array attributes (CKA_WRAP_TEMPLATE…) follow the same rules one level down.
// Returns the spec's code for the whole call (any of the three, else CKR_OK).
CK_RV ReadAttributes(const Object& object, CK_ATTRIBUTE* tmpl, CK_ULONG count);

// Whether every attribute of `match` is present in `object` with an equal value.
bool Matches(const Object& object, std::span<const TemplateAttr> match);

// Whether the store must keep this attribute encrypted even on a public object: the secret
// parts of keys (CKA_VALUE of private/secret keys, CKA_PRIVATE_EXPONENT, CKA_PRIME_1/2,
// CKA_EXPONENT_1/2, CKA_COEFFICIENT…).
bool IsSecretAttribute(CK_OBJECT_CLASS object_class, CK_ATTRIBUTE_TYPE type);

// Usage-attribute check at *Init: CKR_KEY_FUNCTION_NOT_PERMITTED when `usage` (CKA_SIGN,
// CKA_DECRYPT…) is not true, CKR_MECHANISM_INVALID when CKA_ALLOWED_MECHANISMS is present and
// does not list `mechanism`.
Result<void> CheckKeyUse(const Object& key, CK_ATTRIBUTE_TYPE usage, CK_MECHANISM_TYPE mechanism);

}  // namespace p11::policy
