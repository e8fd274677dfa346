// ApplySet and ApplyCopy: PKCS#11 3.1 §5.7 C_SetAttributeValue / C_CopyObject with the
// attribute footnotes 8 (modifiable), 10 (SO only), 11 (only false→true), 12 (only
// true→false), CKA_MODIFIABLE / CKA_COPYABLE (§4.4) and the certificate rule (§4.6.3).
#include <gtest/gtest.h>

#include "token/policy_test_util.h"

namespace p11 {
namespace {

using policy::ApplyCopy;
using policy::ApplySet;
using testing::AesCreate;
using testing::CertCreate;
using testing::Create;
using testing::So;
using testing::Tmpl;
using testing::UlongOf;
using testing::User;

Object Made(const Tmpl& t) {
  auto o = Create(t);
  EXPECT_TRUE(o.ok()) << o.rv();
  return o.ok() ? *o : Object();
}

Object AesKey() { return Made(AesCreate()); }

Object ReadableAesKey() {
  Tmpl t = AesCreate();
  t.Bool(CKA_SENSITIVE, false).Bool(CKA_EXTRACTABLE, true);
  return Made(t);
}

TEST(ApplySet, UnmodifiableObjectIsActionProhibited) {
  Tmpl t = AesCreate();
  t.Bool(CKA_MODIFIABLE, false);
  Object key = Made(t);
  Tmpl change;
  change.Bytes(CKA_LABEL, "new");
  EXPECT_EQ(ApplySet(key, change, User()).rv(), CKR_ACTION_PROHIBITED);
}

TEST(ApplySet, ModifiableAttributesChange) {
  Object key = AesKey();
  Tmpl change;
  change.Bytes(CKA_LABEL, "renamed").Bytes(CKA_ID, "\x42").Bool(CKA_SIGN, false);
  change.Bool(CKA_DERIVE, true).Bytes(CKA_END_DATE, "20301231");
  auto r = ApplySet(key, change, User());
  ASSERT_TRUE(r.ok()) << r.rv();
  EXPECT_EQ(r->GetString(CKA_LABEL), "renamed");
  EXPECT_EQ(r->GetString(CKA_ID), "\x42");
  EXPECT_FALSE(r->GetBool(CKA_SIGN, true));
  EXPECT_TRUE(r->GetBool(CKA_DERIVE));
  EXPECT_EQ(r->GetString(CKA_END_DATE), "20301231");
  EXPECT_EQ(key.GetString(CKA_LABEL), "");  // the input object is untouched
}

TEST(ApplySet, AttributesFixedAfterCreationAreReadOnly) {
  Object key = AesKey();
  std::vector<std::pair<CK_ATTRIBUTE_TYPE, bool>> bools = {{CKA_TOKEN, true},
                                                           {CKA_PRIVATE, false},
                                                           {CKA_MODIFIABLE, false},
                                                           {CKA_DESTROYABLE, false},
                                                           {CKA_LOCAL, true},
                                                           {CKA_ALWAYS_SENSITIVE, true},
                                                           {CKA_NEVER_EXTRACTABLE, true}};
  for (auto [type, value] : bools) {
    Tmpl change;
    change.Bool(type, value);
    EXPECT_EQ(ApplySet(key, change, User()).rv(), CKR_ATTRIBUTE_READ_ONLY) << type;
  }
  Tmpl cls;
  cls.Ulong(CKA_CLASS, CKO_DATA);
  EXPECT_EQ(ApplySet(key, cls, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  Tmpl kt;
  kt.Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
  EXPECT_EQ(ApplySet(key, kt, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  Tmpl value;
  value.Bytes(CKA_VALUE, std::string(16, 'z'));
  EXPECT_EQ(ApplySet(key, value, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  Tmpl kgm;
  kgm.Ulong(CKA_KEY_GEN_MECHANISM, CKM_AES_KEY_GEN);
  EXPECT_EQ(ApplySet(key, kgm, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  Tmpl uid;
  uid.Bytes(CKA_UNIQUE_ID, "x");
  EXPECT_EQ(ApplySet(key, uid, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
}

TEST(ApplySet, RestatingAFixedValueIsNotAChange) {
  Object key = AesKey();
  Tmpl same;
  same.Ulong(CKA_CLASS, CKO_SECRET_KEY).Bool(CKA_TOKEN, false);
  EXPECT_TRUE(ApplySet(key, same, User()).ok());
}

TEST(ApplySet, AttributeNotOfTheClassIsTypeInvalid) {
  Object key = AesKey();
  Tmpl change;
  change.Bytes(CKA_MODULUS, "\x01");
  EXPECT_EQ(ApplySet(key, change, User()).rv(), CKR_ATTRIBUTE_TYPE_INVALID);
}

TEST(ApplySet, BadlySizedValueIsValueInvalid) {
  Object key = AesKey();
  Tmpl change;
  change.Ulong(CKA_SIGN, 1);
  EXPECT_EQ(ApplySet(key, change, User()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(ApplySet, SensitiveOnlyFalseToTrue) {
  Object readable = ReadableAesKey();
  Tmpl on;
  on.Bool(CKA_SENSITIVE, true);
  auto r = ApplySet(readable, on, User());
  ASSERT_TRUE(r.ok()) << r.rv();
  EXPECT_TRUE(r->GetBool(CKA_SENSITIVE));
  Tmpl off;
  off.Bool(CKA_SENSITIVE, false);
  EXPECT_EQ(ApplySet(*r, off, User()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(ApplySet, ExtractableOnlyTrueToFalse) {
  Object readable = ReadableAesKey();
  Tmpl off;
  off.Bool(CKA_EXTRACTABLE, false);
  auto r = ApplySet(readable, off, User());
  ASSERT_TRUE(r.ok()) << r.rv();
  EXPECT_FALSE(r->GetBool(CKA_EXTRACTABLE, true));
  Tmpl on;
  on.Bool(CKA_EXTRACTABLE, true);
  EXPECT_EQ(ApplySet(*r, on, User()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(ApplySet, WrapWithTrustedOnlyFalseToTrue) {
  Object key = AesKey();
  Tmpl on;
  on.Bool(CKA_WRAP_WITH_TRUSTED, true);
  auto r = ApplySet(key, on, User());
  ASSERT_TRUE(r.ok()) << r.rv();
  Tmpl off;
  off.Bool(CKA_WRAP_WITH_TRUSTED, false);
  EXPECT_EQ(ApplySet(*r, off, User()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(ApplySet, CopyableOnlyTrueToFalse) {
  Object key = AesKey();
  Tmpl off;
  off.Bool(CKA_COPYABLE, false);
  auto r = ApplySet(key, off, User());
  ASSERT_TRUE(r.ok()) << r.rv();
  Tmpl on;
  on.Bool(CKA_COPYABLE, true);
  EXPECT_EQ(ApplySet(*r, on, User()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(ApplySet, TrustedTrueOnlyBySo) {
  Object cert = Made(CertCreate());
  Tmpl on;
  on.Bool(CKA_TRUSTED, true);
  EXPECT_EQ(ApplySet(cert, on, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  auto r = ApplySet(cert, on, So());
  ASSERT_TRUE(r.ok()) << r.rv();
  EXPECT_TRUE(r->GetBool(CKA_TRUSTED));
  Object key = AesKey();
  EXPECT_EQ(ApplySet(key, on, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
}

TEST(ApplySet, CertificateOnlyIdIssuerSerialAndLabelChange) {
  Object cert = Made(CertCreate());
  Tmpl ok;
  ok.Bytes(CKA_ID, "id").Bytes(CKA_ISSUER, "issuer").Bytes(CKA_SERIAL_NUMBER, "\x02\x01\x05");
  ok.Bytes(CKA_LABEL, "cert label");
  auto r = ApplySet(cert, ok, User());
  ASSERT_TRUE(r.ok()) << r.rv();
  EXPECT_EQ(r->GetString(CKA_ISSUER), "issuer");
  for (CK_ATTRIBUTE_TYPE fixed : {CKA_SUBJECT, CKA_VALUE, CKA_URL, CKA_CHECK_VALUE}) {
    Tmpl change;
    change.Bytes(fixed, "other");
    EXPECT_EQ(ApplySet(cert, change, User()).rv(), CKR_ATTRIBUTE_READ_ONLY) << fixed;
  }
  Tmpl type;
  type.Ulong(CKA_CERTIFICATE_TYPE, CKC_X_509_ATTR_CERT);
  EXPECT_EQ(ApplySet(cert, type, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
}

TEST(ApplySet, DataObjectValuesChange) {
  Tmpl t;
  t.Ulong(CKA_CLASS, CKO_DATA).Bytes(CKA_VALUE, "v1");
  Object data = Made(t);
  Tmpl change;
  change.Bytes(CKA_VALUE, "v2").Bytes(CKA_APPLICATION, "app");
  auto r = ApplySet(data, change, User());
  ASSERT_TRUE(r.ok()) << r.rv();
  EXPECT_EQ(r->GetString(CKA_VALUE), "v2");
}

TEST(ApplySet, ArrayAttributesAreFixed) {
  Object key = AesKey();
  Tmpl change;
  change.Array(CKA_WRAP_TEMPLATE, {});
  EXPECT_EQ(ApplySet(key, change, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  Tmpl mechs;
  mechs.Raw(CKA_ALLOWED_MECHANISMS, std::vector<uint8_t>(sizeof(CK_MECHANISM_TYPE)));
  EXPECT_EQ(ApplySet(key, mechs, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
}

// --- C_CopyObject ---

TEST(ApplyCopy, UncopyableObjectIsActionProhibited) {
  Tmpl t = AesCreate();
  t.Bool(CKA_COPYABLE, false);
  Object key = Made(t);
  EXPECT_EQ(ApplyCopy(key, Tmpl(), User()).rv(), CKR_ACTION_PROHIBITED);
}

TEST(ApplyCopy, StorageAttributesChangeOnCopy) {
  Object key = AesKey();
  Tmpl change;
  change.Bool(CKA_TOKEN, true).Bool(CKA_PRIVATE, false).Bool(CKA_MODIFIABLE, false);
  change.Bool(CKA_DESTROYABLE, false).Bytes(CKA_LABEL, "copy").Bytes(CKA_ID, "\x07");
  auto r = ApplyCopy(key, change, User());
  ASSERT_TRUE(r.ok()) << r.rv();
  EXPECT_TRUE(r->GetBool(CKA_TOKEN));
  EXPECT_FALSE(r->GetBool(CKA_PRIVATE, true));
  EXPECT_FALSE(r->GetBool(CKA_MODIFIABLE, true));
  EXPECT_FALSE(r->GetBool(CKA_DESTROYABLE, true));
  EXPECT_EQ(r->GetString(CKA_LABEL), "copy");
  EXPECT_EQ(r->GetBytes(CKA_VALUE).size(), 16u);
}

TEST(ApplyCopy, CopyKeepsTheSourcesHistory) {
  Tmpl t;
  t.Ulong(CKA_VALUE_LEN, 16);
  auto gen = policy::NewObject(policy::Origin::kGenerate, t,
                               policy::Implied{CKO_SECRET_KEY, CKK_AES}, User());
  ASSERT_TRUE(gen.ok());
  policy::FinishKey(*gen, policy::Origin::kGenerate, CKM_AES_KEY_GEN);
  gen->Set(CKA_UNIQUE_ID, AsBytes("uid-1"));
  auto r = ApplyCopy(*gen, Tmpl(), User());
  ASSERT_TRUE(r.ok()) << r.rv();
  EXPECT_TRUE(r->GetBool(CKA_LOCAL));
  EXPECT_TRUE(r->GetBool(CKA_ALWAYS_SENSITIVE));
  EXPECT_TRUE(r->GetBool(CKA_NEVER_EXTRACTABLE));
  EXPECT_EQ(UlongOf(*r, CKA_KEY_GEN_MECHANISM), CKM_AES_KEY_GEN);
  EXPECT_FALSE(r->Has(CKA_UNIQUE_ID));  // a new object gets its own
  Tmpl local;
  local.Bool(CKA_LOCAL, false);
  EXPECT_EQ(ApplyCopy(*gen, local, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
}

TEST(ApplyCopy, OnlyStrongerSensitivityOnCopy) {
  Object readable = ReadableAesKey();
  Tmpl stronger;
  stronger.Bool(CKA_SENSITIVE, true).Bool(CKA_EXTRACTABLE, false);
  auto r = ApplyCopy(readable, stronger, User());
  ASSERT_TRUE(r.ok()) << r.rv();
  EXPECT_TRUE(r->GetBool(CKA_SENSITIVE));
  Object key = AesKey();
  Tmpl weaker;
  weaker.Bool(CKA_EXTRACTABLE, true);
  EXPECT_EQ(ApplyCopy(key, weaker, User()).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(ApplyCopy, UnmodifiableSourceKeepsItsFixedAttributes) {
  Tmpl t = AesCreate();
  t.Bool(CKA_MODIFIABLE, false).Bool(CKA_SIGN, false);
  Object key = Made(t);
  Tmpl sign;
  sign.Bool(CKA_SIGN, true);
  EXPECT_EQ(ApplyCopy(key, sign, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  Tmpl modifiable;
  modifiable.Bool(CKA_MODIFIABLE, true);
  EXPECT_EQ(ApplyCopy(key, modifiable, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  Tmpl token;
  token.Bool(CKA_TOKEN, true).Bool(CKA_EXTRACTABLE, false);
  EXPECT_TRUE(ApplyCopy(key, token, User()).ok());
}

TEST(ApplyCopy, ClassAndValueCannotChange) {
  Object key = AesKey();
  Tmpl value;
  value.Bytes(CKA_VALUE, std::string(16, 'q'));
  EXPECT_EQ(ApplyCopy(key, value, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  Tmpl cls;
  cls.Ulong(CKA_CLASS, CKO_DATA);
  EXPECT_EQ(ApplyCopy(key, cls, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
}

}  // namespace
}  // namespace p11
