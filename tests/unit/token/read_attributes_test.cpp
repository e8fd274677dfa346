// ReadAttributes (PKCS#11 3.1 §5.7.5 C_GetAttributeValue: the five cases per attribute, the
// call's return code, array attributes), Matches (§5.7.7 C_FindObjectsInit), IsSecretAttribute
// and CheckKeyUse (usage flags and CKA_ALLOWED_MECHANISMS, §4.7.2).
#include <gtest/gtest.h>

#include <cstring>

#include "token/policy_test_util.h"

namespace p11 {
namespace {

using policy::CheckKeyUse;
using policy::IsSecretAttribute;
using policy::Matches;
using policy::ReadAttributes;
using testing::AesCreate;
using testing::Create;
using testing::RsaPrivateCreate;
using testing::Tmpl;

constexpr CK_ULONG kUnavailable = CK_UNAVAILABLE_INFORMATION;

Object Made(const Tmpl& t) {
  auto o = Create(t);
  EXPECT_TRUE(o.ok()) << o.rv();
  return o.ok() ? *o : Object();
}

Object LabelledKey(bool sensitive, bool extractable) {
  Tmpl t = AesCreate();
  t.Bytes(CKA_LABEL, "label-12").Bytes(CKA_ID, "0123456789");
  t.Bool(CKA_SENSITIVE, sensitive).Bool(CKA_EXTRACTABLE, extractable);
  return Made(t);
}

TEST(ReadAttributes, EachAttributeIsHandledOnItsOwn) {
  Object key = LabelledKey(/*sensitive=*/true, /*extractable=*/false);
  char label[32] = {};
  uint8_t value[32];
  uint8_t modulus[32];
  char id[4];
  CK_ATTRIBUTE tmpl[] = {
      {CKA_LABEL, label, sizeof label},        // case 4: copied
      {CKA_VALUE, value, sizeof value},        // case 1: sensitive
      {CKA_MODULUS, modulus, sizeof modulus},  // case 2: not possessed
      {CKA_ID, id, sizeof id},                 // case 5: too small
      {CKA_TOKEN, nullptr, 99},                // case 3: length only
  };
  EXPECT_EQ(ReadAttributes(key, tmpl, 5), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(tmpl[0].ulValueLen, 8u);
  EXPECT_EQ(std::string(label, 8), "label-12");
  EXPECT_EQ(tmpl[1].ulValueLen, kUnavailable);
  EXPECT_EQ(tmpl[2].ulValueLen, kUnavailable);
  EXPECT_EQ(tmpl[3].ulValueLen, kUnavailable);
  EXPECT_EQ(tmpl[4].ulValueLen, sizeof(CK_BBOOL));
}

TEST(ReadAttributes, TypeInvalidOutranksBufferTooSmall) {
  Object key = LabelledKey(true, false);
  char id[2];
  CK_ATTRIBUTE tmpl[] = {{CKA_ID, id, sizeof id}, {CKA_VENDOR_DEFINED | 1, nullptr, 0}};
  EXPECT_EQ(ReadAttributes(key, tmpl, 2), CKR_ATTRIBUTE_TYPE_INVALID);
  EXPECT_EQ(tmpl[0].ulValueLen, kUnavailable);
  EXPECT_EQ(tmpl[1].ulValueLen, kUnavailable);
}

TEST(ReadAttributes, ShortBufferAloneIsBufferTooSmall) {
  Object key = LabelledKey(true, false);
  char id[9];
  CK_ATTRIBUTE tmpl[] = {{CKA_ID, id, sizeof id}};
  EXPECT_EQ(ReadAttributes(key, tmpl, 1), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(tmpl[0].ulValueLen, kUnavailable);
}

TEST(ReadAttributes, LengthQueryAndExactBufferSucceed) {
  Object key = LabelledKey(true, false);
  CK_ATTRIBUTE query[] = {{CKA_ID, nullptr, 0}, {CKA_CLASS, nullptr, 0}};
  ASSERT_EQ(ReadAttributes(key, query, 2), CKR_OK);
  EXPECT_EQ(query[0].ulValueLen, 10u);
  EXPECT_EQ(query[1].ulValueLen, sizeof(CK_ULONG));
  char id[10];
  CK_ULONG cls = 0;
  CK_ATTRIBUTE read[] = {{CKA_ID, id, sizeof id}, {CKA_CLASS, &cls, sizeof cls}};
  ASSERT_EQ(ReadAttributes(key, read, 2), CKR_OK);
  EXPECT_EQ(std::string(id, 10), "0123456789");
  EXPECT_EQ(cls, CKO_SECRET_KEY);
}

TEST(ReadAttributes, SecretValueReadableOnlyWhenNotSensitiveAndExtractable) {
  uint8_t value[16];
  CK_ATTRIBUTE tmpl[] = {{CKA_VALUE, value, sizeof value}};
  EXPECT_EQ(ReadAttributes(LabelledKey(false, true), tmpl, 1), CKR_OK);
  EXPECT_EQ(tmpl[0].ulValueLen, 16u);
  for (auto [sensitive, extractable] : {std::pair{true, true}, {false, false}, {true, false}}) {
    tmpl[0].ulValueLen = sizeof value;
    EXPECT_EQ(ReadAttributes(LabelledKey(sensitive, extractable), tmpl, 1),
              CKR_ATTRIBUTE_SENSITIVE);
    EXPECT_EQ(tmpl[0].ulValueLen, kUnavailable);
  }
}

TEST(ReadAttributes, RsaPrivatePartsAreSensitivePublicPartsAreNot) {
  Object key = Made(RsaPrivateCreate());
  for (CK_ATTRIBUTE_TYPE secret : {CKA_PRIVATE_EXPONENT, CKA_PRIME_1}) {
    CK_ATTRIBUTE a{secret, nullptr, 0};
    EXPECT_EQ(ReadAttributes(key, &a, 1), CKR_ATTRIBUTE_SENSITIVE) << secret;
    EXPECT_EQ(a.ulValueLen, kUnavailable);
  }
  CK_ATTRIBUTE pub[] = {{CKA_MODULUS, nullptr, 0}, {CKA_PUBLIC_EXPONENT, nullptr, 0}};
  EXPECT_EQ(ReadAttributes(key, pub, 2), CKR_OK);
  EXPECT_EQ(pub[0].ulValueLen, 3u);
  EXPECT_EQ(pub[1].ulValueLen, 3u);
}

TEST(ReadAttributes, NullTemplateWithCountIsArgumentsBad) {
  EXPECT_EQ(ReadAttributes(Object(), nullptr, 1), CKR_ARGUMENTS_BAD);
}

// --- Array attributes ---

struct WrapTemplateKey {
  CK_ULONG key_type = CKK_AES;
  CK_BBOOL extractable = CK_TRUE;
  char label[5] = {'w', 'r', 'a', 'p', 'd'};
  Object key;

  WrapTemplateKey() {
    Tmpl t = AesCreate();
    t.Array(CKA_WRAP_TEMPLATE, {{CKA_LABEL, label, sizeof label},
                                {CKA_KEY_TYPE, &key_type, sizeof key_type},
                                {CKA_EXTRACTABLE, &extractable, 1}});
    key = Made(t);
  }
};

TEST(ReadAttributes, NestedTemplateRoundTrip) {
  WrapTemplateKey k;
  CK_ATTRIBUTE outer{CKA_WRAP_TEMPLATE, nullptr, 0};
  ASSERT_EQ(ReadAttributes(k.key, &outer, 1), CKR_OK);
  ASSERT_EQ(outer.ulValueLen, 3 * sizeof(CK_ATTRIBUTE));

  CK_ATTRIBUTE inner[3] = {};  // types are ignored on input
  outer.pValue = inner;
  ASSERT_EQ(ReadAttributes(k.key, &outer, 1), CKR_OK);  // inner lengths only
  CK_ULONG key_type = 0;
  CK_BBOOL extractable = CK_FALSE;
  char label[5];
  for (CK_ATTRIBUTE& e : inner) {
    if (e.type == CKA_KEY_TYPE) e.pValue = &key_type;
    if (e.type == CKA_EXTRACTABLE) e.pValue = &extractable;
    if (e.type == CKA_LABEL) e.pValue = label;
  }
  ASSERT_EQ(ReadAttributes(k.key, &outer, 1), CKR_OK);
  EXPECT_EQ(outer.ulValueLen, 3 * sizeof(CK_ATTRIBUTE));
  EXPECT_EQ(key_type, CKK_AES);
  EXPECT_EQ(extractable, CK_TRUE);
  EXPECT_EQ(std::string(label, 5), "wrapd");
  int seen = 0;
  for (const CK_ATTRIBUTE& e : inner) {
    if (e.type == CKA_LABEL && e.ulValueLen == 5) ++seen;
    if (e.type == CKA_KEY_TYPE && e.ulValueLen == sizeof(CK_ULONG)) ++seen;
    if (e.type == CKA_EXTRACTABLE && e.ulValueLen == 1) ++seen;
  }
  EXPECT_EQ(seen, 3);
}

TEST(ReadAttributes, NestedShortBuffersAreBufferTooSmall) {
  WrapTemplateKey k;
  CK_ATTRIBUTE two[2];
  CK_ATTRIBUTE outer{CKA_WRAP_TEMPLATE, two, sizeof two};
  EXPECT_EQ(ReadAttributes(k.key, &outer, 1), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(outer.ulValueLen, kUnavailable);

  uint8_t tiny[3][1];
  CK_ATTRIBUTE inner[3] = {{0, tiny[0], 1}, {0, tiny[1], 1}, {0, tiny[2], 1}};
  outer = {CKA_WRAP_TEMPLATE, inner, sizeof inner};
  EXPECT_EQ(ReadAttributes(k.key, &outer, 1), CKR_BUFFER_TOO_SMALL);
  for (const CK_ATTRIBUTE& e : inner) {
    // The one-byte CKA_EXTRACTABLE fits; the label and key type do not.
    EXPECT_EQ(e.ulValueLen, e.type == CKA_EXTRACTABLE ? 1u : kUnavailable) << e.type;
  }
}

TEST(ReadAttributes, MalformedNestedTemplatesAreValueInvalid) {
  Tmpl ragged = AesCreate();
  ragged.Raw(CKA_WRAP_TEMPLATE, std::vector<uint8_t>(sizeof(CK_ATTRIBUTE) + 3));
  EXPECT_EQ(Create(ragged).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  Tmpl null_value = AesCreate();
  null_value.Array(CKA_UNWRAP_TEMPLATE, {{CKA_LABEL, nullptr, 4}});
  EXPECT_EQ(Create(null_value).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  Tmpl nested = AesCreate();
  nested.Array(CKA_DERIVE_TEMPLATE, {{CKA_WRAP_TEMPLATE, nullptr, 0}});
  EXPECT_EQ(Create(nested).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

// --- Matches ---

TEST(Matches, EqualValuesMatchAndAbsentOrUnknownTypesDoNot) {
  Object key = LabelledKey(true, false);
  Tmpl label;
  label.Bytes(CKA_LABEL, "label-12").Ulong(CKA_CLASS, CKO_SECRET_KEY).Bool(CKA_SENSITIVE, true);
  EXPECT_TRUE(Matches(key, label));
  Tmpl other;
  other.Bytes(CKA_LABEL, "label-1");
  EXPECT_FALSE(Matches(key, other));
  Tmpl unknown;
  unknown.Bytes(CKA_LABEL, "label-12").Bytes(CKA_VENDOR_DEFINED | 3, "");
  EXPECT_FALSE(Matches(key, unknown));
  Tmpl absent;
  absent.Bytes(CKA_MODULUS, "");
  EXPECT_FALSE(Matches(key, absent));
  EXPECT_TRUE(Matches(key, Tmpl()));
}

TEST(Matches, AnyNonZeroBooleanMeansTrue) {
  Object key = LabelledKey(true, false);
  Tmpl truthy;
  truthy.Raw(CKA_SENSITIVE, {0x05});
  EXPECT_TRUE(Matches(key, truthy));
  Tmpl falsy;
  falsy.Raw(CKA_EXTRACTABLE, {0x05});
  EXPECT_FALSE(Matches(key, falsy));
}

TEST(Matches, NestedTemplatesMatchInAnyOrder) {
  WrapTemplateKey k;
  CK_ULONG key_type = CKK_AES;
  CK_BBOOL extractable = CK_TRUE;
  char label[5] = {'w', 'r', 'a', 'p', 'd'};
  Tmpl same;
  same.Array(CKA_WRAP_TEMPLATE, {{CKA_EXTRACTABLE, &extractable, 1},
                                 {CKA_KEY_TYPE, &key_type, sizeof key_type},
                                 {CKA_LABEL, label, sizeof label}});
  EXPECT_TRUE(Matches(k.key, same));
  Tmpl fewer;
  fewer.Array(CKA_WRAP_TEMPLATE, {{CKA_KEY_TYPE, &key_type, sizeof key_type}});
  EXPECT_FALSE(Matches(k.key, fewer));
}

// --- IsSecretAttribute, CheckKeyUse ---

TEST(IsSecretAttribute, KeyMaterialOfPrivateAndSecretKeysOnly) {
  for (CK_ATTRIBUTE_TYPE t : {CKA_VALUE, CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2,
                              CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT}) {
    EXPECT_TRUE(IsSecretAttribute(CKO_PRIVATE_KEY, t)) << t;
  }
  EXPECT_TRUE(IsSecretAttribute(CKO_SECRET_KEY, CKA_VALUE));
  EXPECT_FALSE(IsSecretAttribute(CKO_PRIVATE_KEY, CKA_MODULUS));
  EXPECT_FALSE(IsSecretAttribute(CKO_PRIVATE_KEY, CKA_EC_POINT));
  EXPECT_FALSE(IsSecretAttribute(CKO_PUBLIC_KEY, CKA_VALUE));
  EXPECT_FALSE(IsSecretAttribute(CKO_DATA, CKA_VALUE));
  EXPECT_FALSE(IsSecretAttribute(CKO_CERTIFICATE, CKA_VALUE));
}

TEST(CheckKeyUse, UsageFlagMustBeTrue) {
  Tmpl t = AesCreate();
  t.Bool(CKA_SIGN, false);
  Object key = Made(t);
  EXPECT_EQ(CheckKeyUse(key, CKA_SIGN, CKM_AES_CMAC).rv(), CKR_KEY_FUNCTION_NOT_PERMITTED);
  EXPECT_TRUE(CheckKeyUse(key, CKA_ENCRYPT, CKM_AES_CBC).ok());
  EXPECT_EQ(CheckKeyUse(key, CKA_DERIVE, CKM_AES_CBC).rv(), CKR_KEY_FUNCTION_NOT_PERMITTED);
}

TEST(CheckKeyUse, AllowedMechanismsRestrictWhenPresent) {
  CK_MECHANISM_TYPE mechs[] = {CKM_AES_GCM, CKM_AES_CBC_PAD};
  const auto* p = reinterpret_cast<const uint8_t*>(mechs);
  Tmpl t = AesCreate();
  t.Raw(CKA_ALLOWED_MECHANISMS, std::vector<uint8_t>(p, p + sizeof mechs));
  Object key = Made(t);
  EXPECT_TRUE(CheckKeyUse(key, CKA_ENCRYPT, CKM_AES_CBC_PAD).ok());
  EXPECT_EQ(CheckKeyUse(key, CKA_ENCRYPT, CKM_AES_ECB).rv(), CKR_MECHANISM_INVALID);
  // Usage is checked first: a listed mechanism does not grant a disabled usage.
  EXPECT_EQ(CheckKeyUse(key, CKA_DERIVE, CKM_AES_GCM).rv(), CKR_KEY_FUNCTION_NOT_PERMITTED);
}

}  // namespace
}  // namespace p11
