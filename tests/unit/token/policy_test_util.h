// Test helpers for the attribute policy: templates built from typed values, owning their
// bytes so the TemplateAttr views stay valid for the test's lifetime.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "token/attribute_policy.h"
#include "token/object.h"

namespace p11::testing {

class Tmpl {
 public:
  Tmpl& Bytes(CK_ATTRIBUTE_TYPE type, std::string_view v) {
    return Raw(type, std::vector<uint8_t>(v.begin(), v.end()));
  }
  Tmpl& Bool(CK_ATTRIBUTE_TYPE type, bool v) {
    return Raw(type, {static_cast<uint8_t>(v ? CK_TRUE : CK_FALSE)});
  }
  Tmpl& Ulong(CK_ATTRIBUTE_TYPE type, CK_ULONG v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    return Raw(type, std::vector<uint8_t>(p, p + sizeof v));
  }
  Tmpl& Raw(CK_ATTRIBUTE_TYPE type, std::vector<uint8_t> v) {
    store_.push_back(std::move(v));
    attrs_.push_back(TemplateAttr{type, ByteView(store_.back())});
    return *this;
  }
  // An array attribute as a caller passes it: the bytes of a CK_ATTRIBUTE array.
  Tmpl& Array(CK_ATTRIBUTE_TYPE type, const std::vector<CK_ATTRIBUTE>& elements) {
    const auto* p = reinterpret_cast<const uint8_t*>(elements.data());
    return Raw(type, std::vector<uint8_t>(p, p + elements.size() * sizeof(CK_ATTRIBUTE)));
  }
  std::span<const TemplateAttr> span() const { return attrs_; }
  operator std::span<const TemplateAttr>() const { return attrs_; }  // NOLINT

 private:
  std::deque<std::vector<uint8_t>> store_;
  std::vector<TemplateAttr> attrs_;
};

// RSA's usual public exponent, 65537: spelled with its length because it holds a zero byte.
inline const std::string kF4("\x01\x00\x01", 3);

inline Tmpl KeyTmpl(CK_OBJECT_CLASS cls, CK_KEY_TYPE type) {
  Tmpl t;
  t.Ulong(CKA_CLASS, cls).Ulong(CKA_KEY_TYPE, type);
  return t;
}

// Complete, valid C_CreateObject templates for each class.
inline Tmpl AesCreate() {
  Tmpl t = KeyTmpl(CKO_SECRET_KEY, CKK_AES);
  t.Bytes(CKA_VALUE, std::string(16, 'k'));
  return t;
}
inline Tmpl RsaPrivateCreate() {
  Tmpl t = KeyTmpl(CKO_PRIVATE_KEY, CKK_RSA);
  t.Bytes(CKA_MODULUS, "\xc1\x02\x03").Bytes(CKA_PUBLIC_EXPONENT, kF4);
  t.Bytes(CKA_PRIVATE_EXPONENT, "\x55\x66").Bytes(CKA_PRIME_1, "\x0b");
  return t;
}
inline Tmpl RsaPublicCreate() {
  Tmpl t = KeyTmpl(CKO_PUBLIC_KEY, CKK_RSA);
  t.Bytes(CKA_MODULUS, "\xc1\x02\x03").Bytes(CKA_PUBLIC_EXPONENT, kF4);
  return t;
}
inline Tmpl CertCreate() {
  Tmpl t;
  t.Ulong(CKA_CLASS, CKO_CERTIFICATE).Ulong(CKA_CERTIFICATE_TYPE, CKC_X_509);
  t.Bytes(CKA_SUBJECT, "subject-der").Bytes(CKA_VALUE, "cert-der");
  return t;
}

inline policy::Actor User() { return policy::Actor{false, true}; }
inline policy::Actor So() { return policy::Actor{true, false}; }

inline Result<Object> Create(const Tmpl& t, policy::Actor actor = User()) {
  return policy::NewObject(policy::Origin::kCreate, t, policy::Implied{}, actor);
}

inline CK_ULONG UlongOf(const Object& o, CK_ATTRIBUTE_TYPE type) {
  return o.GetUlong(type).value_or(0xDEADBEEF);
}

}  // namespace p11::testing
