// NewObject and FinishKey against the attribute tables of PKCS#11 3.1 §4 (required
// attributes, footnotes 1–6 and 10, defaults) and the key-type sections of the mechanisms
// document (RSA, EC, Edwards, AES, ChaCha20).
#include <gtest/gtest.h>

#include "token/policy_test_util.h"

namespace p11 {
namespace {

using policy::FinishKey;
using policy::Implied;
using policy::NewObject;
using policy::Origin;
using testing::AesCreate;
using testing::CertCreate;
using testing::Create;
using testing::KeyTmpl;
using testing::RsaPrivateCreate;
using testing::RsaPublicCreate;
using testing::So;
using testing::Tmpl;
using testing::UlongOf;
using testing::User;

Result<Object> Generate(Origin origin, const Tmpl& t, Implied implied) {
  return NewObject(origin, t, implied, User());
}

TEST(NewObject, DataObjectDefaults) {
  Tmpl t;
  t.Ulong(CKA_CLASS, CKO_DATA);
  auto o = Create(t);
  ASSERT_TRUE(o.ok()) << o.rv();
  EXPECT_FALSE(o->GetBool(CKA_TOKEN, true));
  EXPECT_FALSE(o->GetBool(CKA_PRIVATE, true));
  EXPECT_TRUE(o->GetBool(CKA_MODIFIABLE));
  EXPECT_TRUE(o->GetBool(CKA_COPYABLE));
  EXPECT_TRUE(o->GetBool(CKA_DESTROYABLE));
  for (CK_ATTRIBUTE_TYPE a : {CKA_LABEL, CKA_APPLICATION, CKA_OBJECT_ID, CKA_VALUE}) {
    ASSERT_TRUE(o->Has(a)) << a;
    EXPECT_TRUE(o->GetBytes(a).empty()) << a;
  }
  EXPECT_FALSE(o->Has(CKA_UNIQUE_ID));  // the backend assigns it
}

TEST(NewObject, ClassIsRequiredOnCreate) {
  Tmpl t;
  t.Bytes(CKA_LABEL, "x");
  EXPECT_EQ(Create(t).rv(), CKR_TEMPLATE_INCOMPLETE);
}

TEST(NewObject, UnsupportedClassIsValueInvalid) {
  Tmpl t;
  t.Ulong(CKA_CLASS, CKO_VENDOR_DEFINED);
  EXPECT_EQ(Create(t).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(NewObject, BadlySizedUlongAndBoolAreValueInvalid) {
  Tmpl short_class;
  short_class.Raw(CKA_CLASS, {0});
  EXPECT_EQ(Create(short_class).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  Tmpl long_bool;
  long_bool.Ulong(CKA_CLASS, CKO_DATA).Raw(CKA_TOKEN, {1, 0});
  EXPECT_EQ(Create(long_bool).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  Tmpl empty_bool;
  empty_bool.Ulong(CKA_CLASS, CKO_DATA).Raw(CKA_TOKEN, {});
  EXPECT_EQ(Create(empty_bool).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(NewObject, AttributeNotOfTheClassIsTypeInvalid) {
  Tmpl data;
  data.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_SIGN, true);
  EXPECT_EQ(Create(data).rv(), CKR_ATTRIBUTE_TYPE_INVALID);
  Tmpl secret = AesCreate();
  secret.Bytes(CKA_MODULUS, "\x01");
  EXPECT_EQ(Create(secret).rv(), CKR_ATTRIBUTE_TYPE_INVALID);
  Tmpl pub = RsaPublicCreate();
  pub.Bool(CKA_SIGN, true);
  EXPECT_EQ(Create(pub).rv(), CKR_ATTRIBUTE_TYPE_INVALID);
  Tmpl vendor = AesCreate();
  vendor.Bytes(CKA_VENDOR_DEFINED | 7, "v");
  EXPECT_EQ(Create(vendor).rv(), CKR_ATTRIBUTE_TYPE_INVALID);
}

TEST(NewObject, BooleansAreStoredAsTrueOrFalse) {
  Tmpl t;
  t.Ulong(CKA_CLASS, CKO_DATA).Raw(CKA_TOKEN, {0x05});
  auto o = Create(t);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->GetBytes(CKA_TOKEN)[0], CK_TRUE);
}

TEST(NewObject, SecretKeyDefaults) {
  auto o = Create(AesCreate());
  ASSERT_TRUE(o.ok()) << o.rv();
  EXPECT_TRUE(o->GetBool(CKA_PRIVATE));
  EXPECT_TRUE(o->GetBool(CKA_SENSITIVE));
  EXPECT_FALSE(o->GetBool(CKA_EXTRACTABLE, true));
  for (CK_ATTRIBUTE_TYPE a :
       {CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_WRAP, CKA_UNWRAP}) {
    EXPECT_TRUE(o->GetBool(a)) << a;
  }
  for (CK_ATTRIBUTE_TYPE a : {CKA_DERIVE, CKA_LOCAL, CKA_WRAP_WITH_TRUSTED, CKA_TRUSTED,
                              CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE}) {
    ASSERT_TRUE(o->Has(a)) << a;
    EXPECT_FALSE(o->GetBool(a, true)) << a;
  }
  EXPECT_EQ(UlongOf(*o, CKA_KEY_GEN_MECHANISM), CK_UNAVAILABLE_INFORMATION);
  for (CK_ATTRIBUTE_TYPE a : {CKA_ID, CKA_LABEL, CKA_START_DATE, CKA_END_DATE}) {
    ASSERT_TRUE(o->Has(a)) << a;
    EXPECT_TRUE(o->GetBytes(a).empty()) << a;
  }
  EXPECT_FALSE(o->Has(CKA_ALLOWED_MECHANISMS));
}

TEST(NewObject, PrivateKeyDefaults) {
  auto o = Create(RsaPrivateCreate());
  ASSERT_TRUE(o.ok()) << o.rv();
  EXPECT_TRUE(o->GetBool(CKA_PRIVATE));
  EXPECT_TRUE(o->GetBool(CKA_SENSITIVE));
  EXPECT_FALSE(o->GetBool(CKA_EXTRACTABLE, true));
  for (CK_ATTRIBUTE_TYPE a : {CKA_SIGN, CKA_DECRYPT, CKA_UNWRAP, CKA_SIGN_RECOVER}) {
    EXPECT_TRUE(o->GetBool(a)) << a;
  }
  ASSERT_TRUE(o->Has(CKA_ALWAYS_AUTHENTICATE));
  EXPECT_FALSE(o->GetBool(CKA_ALWAYS_AUTHENTICATE, true));
  EXPECT_TRUE(o->Has(CKA_SUBJECT));
  EXPECT_FALSE(o->GetBool(CKA_DERIVE, true));
}

TEST(NewObject, PublicKeyDefaults) {
  auto o = Create(RsaPublicCreate());
  ASSERT_TRUE(o.ok()) << o.rv();
  EXPECT_FALSE(o->GetBool(CKA_PRIVATE, true));
  for (CK_ATTRIBUTE_TYPE a : {CKA_ENCRYPT, CKA_VERIFY, CKA_VERIFY_RECOVER, CKA_WRAP}) {
    EXPECT_TRUE(o->GetBool(a)) << a;
  }
  ASSERT_TRUE(o->Has(CKA_TRUSTED));
  EXPECT_FALSE(o->GetBool(CKA_TRUSTED, true));
  EXPECT_FALSE(o->Has(CKA_SENSITIVE));
}

TEST(NewObject, ExplicitValuesOverrideDefaults) {
  Tmpl t = AesCreate();
  t.Bool(CKA_PRIVATE, false).Bool(CKA_SENSITIVE, false).Bool(CKA_EXTRACTABLE, true);
  auto o = Create(t);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->GetBool(CKA_PRIVATE, true));
  EXPECT_FALSE(o->GetBool(CKA_SENSITIVE, true));
  EXPECT_TRUE(o->GetBool(CKA_EXTRACTABLE));
}

TEST(NewObject, KeyTypeIsRequiredOnCreate) {
  Tmpl t;
  t.Ulong(CKA_CLASS, CKO_SECRET_KEY).Bytes(CKA_VALUE, "0123456789abcdef");
  EXPECT_EQ(Create(t).rv(), CKR_TEMPLATE_INCOMPLETE);
}

TEST(NewObject, UnsupportedKeyTypeIsValueInvalid) {
  Tmpl t = KeyTmpl(CKO_PUBLIC_KEY, CKK_DSA);
  EXPECT_EQ(Create(t).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  Tmpl rsa_secret = KeyTmpl(CKO_SECRET_KEY, CKK_RSA);
  EXPECT_EQ(Create(rsa_secret).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(NewObject, SecretKeyValueIsRequiredOnCreate) {
  for (CK_KEY_TYPE kt : {CKK_AES, CKK_GENERIC_SECRET, CKK_SHA256_HMAC, CKK_CHACHA20}) {
    EXPECT_EQ(Create(KeyTmpl(CKO_SECRET_KEY, kt)).rv(), CKR_TEMPLATE_INCOMPLETE) << kt;
    Tmpl t = KeyTmpl(CKO_SECRET_KEY, kt);
    t.Bytes(CKA_VALUE, std::string(32, 'k'));
    EXPECT_TRUE(Create(t).ok()) << kt;
  }
}

TEST(NewObject, RsaPublicNeedsModulusAndExponent) {
  Tmpl no_exp = KeyTmpl(CKO_PUBLIC_KEY, CKK_RSA);
  no_exp.Bytes(CKA_MODULUS, "\xc1");
  EXPECT_EQ(Create(no_exp).rv(), CKR_TEMPLATE_INCOMPLETE);
  Tmpl no_mod = KeyTmpl(CKO_PUBLIC_KEY, CKK_RSA);
  no_mod.Bytes(CKA_PUBLIC_EXPONENT, "\x03");
  EXPECT_EQ(Create(no_mod).rv(), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_TRUE(Create(RsaPublicCreate()).ok());
}

TEST(NewObject, RsaPrivateNeedsModulusAndPrivateExponent) {
  Tmpl no_d = KeyTmpl(CKO_PRIVATE_KEY, CKK_RSA);
  no_d.Bytes(CKA_MODULUS, "\xc1").Bytes(CKA_PUBLIC_EXPONENT, "\x03");
  EXPECT_EQ(Create(no_d).rv(), CKR_TEMPLATE_INCOMPLETE);
  Tmpl no_n = KeyTmpl(CKO_PRIVATE_KEY, CKK_RSA);
  no_n.Bytes(CKA_PRIVATE_EXPONENT, "\x07");
  EXPECT_EQ(Create(no_n).rv(), CKR_TEMPLATE_INCOMPLETE);
  Tmpl minimal = KeyTmpl(CKO_PRIVATE_KEY, CKK_RSA);
  minimal.Bytes(CKA_MODULUS, "\xc1").Bytes(CKA_PRIVATE_EXPONENT, "\x07");
  EXPECT_TRUE(Create(minimal).ok());
}

TEST(NewObject, EcFamilyKeysNeedParamsAndValues) {
  for (CK_KEY_TYPE kt : {CKK_EC, CKK_EC_EDWARDS, CKK_EC_MONTGOMERY}) {
    Tmpl pub = KeyTmpl(CKO_PUBLIC_KEY, kt);
    pub.Bytes(CKA_EC_PARAMS, "oid");
    EXPECT_EQ(Create(pub).rv(), CKR_TEMPLATE_INCOMPLETE) << kt;
    pub.Bytes(CKA_EC_POINT, "point");
    EXPECT_TRUE(Create(pub).ok()) << kt;

    Tmpl priv = KeyTmpl(CKO_PRIVATE_KEY, kt);
    priv.Bytes(CKA_EC_PARAMS, "oid");
    EXPECT_EQ(Create(priv).rv(), CKR_TEMPLATE_INCOMPLETE) << kt;
    priv.Bytes(CKA_VALUE, "scalar").Bytes(CKA_EC_POINT, "point");  // point allowed
    EXPECT_TRUE(Create(priv).ok()) << kt;

    Tmpl no_params = KeyTmpl(CKO_PRIVATE_KEY, kt);
    no_params.Bytes(CKA_VALUE, "scalar");
    EXPECT_EQ(Create(no_params).rv(), CKR_TEMPLATE_INCOMPLETE) << kt;
  }
}

TEST(NewObject, CertificateRequiresTypeSubjectAndValue) {
  for (CK_ATTRIBUTE_TYPE drop : {CKA_CERTIFICATE_TYPE, CKA_SUBJECT, CKA_VALUE}) {
    Tmpl t;
    t.Ulong(CKA_CLASS, CKO_CERTIFICATE);
    if (drop != CKA_CERTIFICATE_TYPE) t.Ulong(CKA_CERTIFICATE_TYPE, CKC_X_509);
    if (drop != CKA_SUBJECT) t.Bytes(CKA_SUBJECT, "s");
    if (drop != CKA_VALUE) t.Bytes(CKA_VALUE, "v");
    EXPECT_EQ(Create(t).rv(), CKR_TEMPLATE_INCOMPLETE) << drop;
  }
}

TEST(NewObject, CertificateDefaultsAndExactLabels) {
  const std::string label("  my cert\0x ", 12);
  Tmpl t = CertCreate();
  t.Bytes(CKA_LABEL, label).Bytes(CKA_ID, std::string("\x00\x01", 2));
  auto o = Create(t);
  ASSERT_TRUE(o.ok()) << o.rv();
  EXPECT_EQ(o->GetString(CKA_LABEL), label);
  EXPECT_EQ(o->GetString(CKA_ID), std::string("\x00\x01", 2));
  EXPECT_TRUE(o->GetBytes(CKA_ISSUER).empty());
  EXPECT_TRUE(o->Has(CKA_SERIAL_NUMBER));
  EXPECT_EQ(UlongOf(*o, CKA_CERTIFICATE_CATEGORY), 0u);
  EXPECT_EQ(UlongOf(*o, CKA_JAVA_MIDP_SECURITY_DOMAIN), 0u);
  EXPECT_FALSE(o->GetBool(CKA_TRUSTED, true));
  EXPECT_FALSE(o->GetBool(CKA_PRIVATE, true));
}

TEST(NewObject, CertificateTypeOtherThanX509IsValueInvalid) {
  Tmpl t;
  t.Ulong(CKA_CLASS, CKO_CERTIFICATE).Ulong(CKA_CERTIFICATE_TYPE, CKC_WTLS);
  t.Bytes(CKA_SUBJECT, "s").Bytes(CKA_VALUE, "v");
  EXPECT_EQ(Create(t).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(NewObject, CertificateCategoryOutOfRangeIsValueInvalid) {
  Tmpl t = CertCreate();
  t.Ulong(CKA_CERTIFICATE_CATEGORY, 4);
  EXPECT_EQ(Create(t).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(NewObject, TrustedTrueIsSoOnly) {
  Tmpl cert = CertCreate();
  cert.Bool(CKA_TRUSTED, true);
  EXPECT_EQ(Create(cert, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
  auto o = Create(cert, So());
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->GetBool(CKA_TRUSTED));
  Tmpl untrusted = CertCreate();
  untrusted.Bool(CKA_TRUSTED, false);
  EXPECT_TRUE(Create(untrusted, User()).ok());
  Tmpl pub = RsaPublicCreate();
  pub.Bool(CKA_TRUSTED, true);
  EXPECT_EQ(Create(pub, User()).rv(), CKR_ATTRIBUTE_READ_ONLY);
}

TEST(NewObject, TokenSetAttributesAreReadOnly) {
  for (CK_ATTRIBUTE_TYPE a : {CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE}) {
    Tmpl t = AesCreate();
    t.Bool(a, false);
    EXPECT_EQ(Create(t).rv(), CKR_ATTRIBUTE_READ_ONLY) << a;
  }
  Tmpl kgm = AesCreate();
  kgm.Ulong(CKA_KEY_GEN_MECHANISM, CKM_AES_KEY_GEN);
  EXPECT_EQ(Create(kgm).rv(), CKR_ATTRIBUTE_READ_ONLY);
  Tmpl uid;
  uid.Ulong(CKA_CLASS, CKO_DATA).Bytes(CKA_UNIQUE_ID, "1");
  EXPECT_EQ(Create(uid).rv(), CKR_ATTRIBUTE_READ_ONLY);
}

TEST(NewObject, DatesAreEmptyOrEightBytes) {
  Tmpl bad = AesCreate();
  bad.Bytes(CKA_START_DATE, "2024");
  EXPECT_EQ(Create(bad).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  Tmpl good = AesCreate();
  good.Bytes(CKA_START_DATE, "20240131");
  EXPECT_TRUE(Create(good).ok());
}

TEST(NewObject, AllowedMechanismsMustBeWholeMechanismTypes) {
  Tmpl bad = AesCreate();
  bad.Raw(CKA_ALLOWED_MECHANISMS, std::vector<uint8_t>(sizeof(CK_MECHANISM_TYPE) + 1));
  EXPECT_EQ(Create(bad).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
  CK_MECHANISM_TYPE mechs[] = {CKM_AES_CBC, CKM_AES_GCM};
  const auto* p = reinterpret_cast<const uint8_t*>(mechs);
  Tmpl good = AesCreate();
  good.Raw(CKA_ALLOWED_MECHANISMS, std::vector<uint8_t>(p, p + sizeof mechs));
  auto o = Create(good);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->GetBytes(CKA_ALLOWED_MECHANISMS).size(), sizeof mechs);
}

// --- Generation, unwrapping, derivation (footnotes 3, 4, 6) ---

TEST(NewObject, GenerateTakesClassAndKeyTypeFromTheMechanism) {
  Tmpl t;
  t.Ulong(CKA_VALUE_LEN, 32);
  auto o = Generate(Origin::kGenerate, t, Implied{CKO_SECRET_KEY, CKK_AES});
  ASSERT_TRUE(o.ok()) << o.rv();
  EXPECT_EQ(o->Class(), CKO_SECRET_KEY);
  EXPECT_EQ(o->KeyType(), CKK_AES);
}

TEST(NewObject, GenerateContradictingTheMechanismIsInconsistent) {
  Tmpl wrong_type = KeyTmpl(CKO_SECRET_KEY, CKK_GENERIC_SECRET);
  wrong_type.Ulong(CKA_VALUE_LEN, 32);
  EXPECT_EQ(Generate(Origin::kGenerate, wrong_type, Implied{CKO_SECRET_KEY, CKK_AES}).rv(),
            CKR_TEMPLATE_INCONSISTENT);
  Tmpl wrong_class;
  wrong_class.Ulong(CKA_CLASS, CKO_DATA).Ulong(CKA_VALUE_LEN, 32);
  EXPECT_EQ(Generate(Origin::kGenerate, wrong_class, Implied{CKO_SECRET_KEY, CKK_AES}).rv(),
            CKR_TEMPLATE_INCONSISTENT);
  Tmpl private_class;
  private_class.Ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  EXPECT_EQ(
      Generate(Origin::kGeneratePublic, private_class, Implied{CK_UNAVAILABLE_INFORMATION, CKK_EC})
          .rv(),
      CKR_TEMPLATE_INCONSISTENT);
}

TEST(NewObject, GenerateWithKeyValueIsInconsistent) {
  Tmpl secret;
  secret.Ulong(CKA_VALUE_LEN, 16).Bytes(CKA_VALUE, std::string(16, 'k'));
  EXPECT_EQ(Generate(Origin::kGenerate, secret, Implied{CKO_SECRET_KEY, CKK_AES}).rv(),
            CKR_TEMPLATE_INCONSISTENT);
  Tmpl rsa_pub;
  rsa_pub.Ulong(CKA_MODULUS_BITS, 2048).Bytes(CKA_MODULUS, "\xc1");
  EXPECT_EQ(Generate(Origin::kGeneratePublic, rsa_pub, Implied{CKO_PUBLIC_KEY, CKK_RSA}).rv(),
            CKR_TEMPLATE_INCONSISTENT);
  Tmpl rsa_priv;
  rsa_priv.Bytes(CKA_PRIVATE_EXPONENT, "\x07");
  EXPECT_EQ(Generate(Origin::kGeneratePrivate, rsa_priv, Implied{CKO_PRIVATE_KEY, CKK_RSA}).rv(),
            CKR_TEMPLATE_INCONSISTENT);
  Tmpl ec_pub;
  ec_pub.Bytes(CKA_EC_PARAMS, "oid").Bytes(CKA_EC_POINT, "pt");
  EXPECT_EQ(Generate(Origin::kGeneratePublic, ec_pub, Implied{CKO_PUBLIC_KEY, CKK_EC}).rv(),
            CKR_TEMPLATE_INCONSISTENT);
  Tmpl ec_priv;
  ec_priv.Bytes(CKA_VALUE, "d");
  EXPECT_EQ(Generate(Origin::kGeneratePrivate, ec_priv, Implied{CKO_PRIVATE_KEY, CKK_EC}).rv(),
            CKR_TEMPLATE_INCONSISTENT);
}

TEST(NewObject, GenerateRequiresSizeOrDomain) {
  Tmpl empty;
  EXPECT_EQ(Generate(Origin::kGenerate, empty, Implied{CKO_SECRET_KEY, CKK_AES}).rv(),
            CKR_TEMPLATE_INCOMPLETE);
  EXPECT_TRUE(Generate(Origin::kGenerate, empty, Implied{CKO_SECRET_KEY, CKK_CHACHA20}).ok());
  EXPECT_EQ(Generate(Origin::kGeneratePublic, empty, Implied{CKO_PUBLIC_KEY, CKK_RSA}).rv(),
            CKR_TEMPLATE_INCOMPLETE);
  EXPECT_EQ(Generate(Origin::kGeneratePublic, empty, Implied{CKO_PUBLIC_KEY, CKK_EC}).rv(),
            CKR_TEMPLATE_INCOMPLETE);
  // Private halves get their domain from the public template.
  EXPECT_TRUE(Generate(Origin::kGeneratePrivate, empty, Implied{CKO_PRIVATE_KEY, CKK_RSA}).ok());
  EXPECT_TRUE(Generate(Origin::kGeneratePrivate, empty, Implied{CKO_PRIVATE_KEY, CKK_EC}).ok());
  Tmpl rsa;
  rsa.Ulong(CKA_MODULUS_BITS, 2048).Bytes(CKA_PUBLIC_EXPONENT, testing::kF4);
  EXPECT_TRUE(Generate(Origin::kGeneratePublic, rsa, Implied{CKO_PUBLIC_KEY, CKK_RSA}).ok());
}

// Generation and unwrapping make keys only; a derivation makes a data object only when the
// mechanism itself makes data (CKM_HKDF_DATA, which the caller says through the implied
// class), never because a key-deriving mechanism's template asked for CKO_DATA.
TEST(NewObject, OnlyADataDerivationMakesDataObjects) {
  Tmpl t;
  const Implied data{CKO_DATA, CK_UNAVAILABLE_INFORMATION};
  Tmpl asks_data;
  asks_data.Ulong(CKA_CLASS, CKO_DATA);
  EXPECT_EQ(Generate(Origin::kGenerate, asks_data, data).rv(), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_EQ(Generate(Origin::kUnwrap, t, data).rv(), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_TRUE(Generate(Origin::kDerive, t, data).ok());
  EXPECT_EQ(Generate(Origin::kDerive, asks_data, Implied{}).rv(), CKR_TEMPLATE_INCONSISTENT);
  EXPECT_TRUE(Generate(Origin::kDerive, asks_data, data).ok());
}

TEST(NewObject, UnwrapAndDeriveLeaveTheValueToTheToken) {
  for (Origin origin : {Origin::kUnwrap, Origin::kDerive}) {
    Tmpl no_value = KeyTmpl(CKO_SECRET_KEY, CKK_AES);
    EXPECT_TRUE(Generate(origin, no_value, Implied{}).ok());
    Tmpl with_value = KeyTmpl(CKO_SECRET_KEY, CKK_AES);
    with_value.Bytes(CKA_VALUE, std::string(16, 'k'));
    EXPECT_EQ(Generate(origin, with_value, Implied{}).rv(), CKR_TEMPLATE_INCONSISTENT);
    Tmpl no_class;
    EXPECT_EQ(Generate(origin, no_class, Implied{}).rv(), CKR_TEMPLATE_INCOMPLETE);
  }
}

// --- FinishKey (§4.9/§4.10 CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE; §4.7 CKA_LOCAL) ---

TEST(FinishKey, GeneratedSensitiveKeyIsLocalAlwaysSensitiveNeverExtractable) {
  Tmpl t;
  t.Ulong(CKA_VALUE_LEN, 32);
  auto o = Generate(Origin::kGenerate, t, Implied{CKO_SECRET_KEY, CKK_AES});
  ASSERT_TRUE(o.ok());
  FinishKey(*o, Origin::kGenerate, CKM_AES_KEY_GEN);
  EXPECT_TRUE(o->GetBool(CKA_LOCAL));
  EXPECT_EQ(UlongOf(*o, CKA_KEY_GEN_MECHANISM), CKM_AES_KEY_GEN);
  EXPECT_TRUE(o->GetBool(CKA_ALWAYS_SENSITIVE));
  EXPECT_TRUE(o->GetBool(CKA_NEVER_EXTRACTABLE));
}

TEST(FinishKey, GeneratedReadableKeyIsNeitherAlwaysSensitiveNorNeverExtractable) {
  Tmpl t;
  t.Bool(CKA_SENSITIVE, false).Bool(CKA_EXTRACTABLE, true);
  auto o = Generate(Origin::kGeneratePrivate, t, Implied{CKO_PRIVATE_KEY, CKK_EC});
  ASSERT_TRUE(o.ok());
  FinishKey(*o, Origin::kGeneratePrivate, CKM_EC_KEY_PAIR_GEN);
  EXPECT_TRUE(o->GetBool(CKA_LOCAL));
  EXPECT_FALSE(o->GetBool(CKA_ALWAYS_SENSITIVE, true));
  EXPECT_FALSE(o->GetBool(CKA_NEVER_EXTRACTABLE, true));
}

TEST(FinishKey, ImportedKeyIsNotLocalAndHasNoHistory) {
  for (Origin origin : {Origin::kCreate, Origin::kUnwrap, Origin::kDerive}) {
    auto o = Create(AesCreate());
    ASSERT_TRUE(o.ok());
    ASSERT_TRUE(o->GetBool(CKA_SENSITIVE));
    FinishKey(*o, origin, CKM_AES_KEY_GEN);
    EXPECT_FALSE(o->GetBool(CKA_LOCAL, true));
    EXPECT_EQ(UlongOf(*o, CKA_KEY_GEN_MECHANISM), CK_UNAVAILABLE_INFORMATION);
    EXPECT_FALSE(o->GetBool(CKA_ALWAYS_SENSITIVE, true));
    EXPECT_FALSE(o->GetBool(CKA_NEVER_EXTRACTABLE, true));
  }
}

TEST(FinishKey, PublicKeyGetsNoSensitivityHistory) {
  Tmpl t;
  t.Ulong(CKA_MODULUS_BITS, 2048);
  auto o = Generate(Origin::kGeneratePublic, t, Implied{CKO_PUBLIC_KEY, CKK_RSA});
  ASSERT_TRUE(o.ok());
  FinishKey(*o, Origin::kGeneratePublic, CKM_RSA_PKCS_KEY_PAIR_GEN);
  EXPECT_TRUE(o->GetBool(CKA_LOCAL));
  EXPECT_EQ(UlongOf(*o, CKA_KEY_GEN_MECHANISM), CKM_RSA_PKCS_KEY_PAIR_GEN);
  EXPECT_FALSE(o->Has(CKA_ALWAYS_SENSITIVE));
  EXPECT_FALSE(o->Has(CKA_NEVER_EXTRACTABLE));
}

TEST(FinishKey, LeavesOtherClassesAlone) {
  auto o = Create(CertCreate());
  ASSERT_TRUE(o.ok());
  const size_t before = o->attributes().size();
  FinishKey(*o, Origin::kCreate, CKM_AES_KEY_GEN);
  EXPECT_EQ(o->attributes().size(), before);
  EXPECT_FALSE(o->Has(CKA_LOCAL));
}

}  // namespace
}  // namespace p11
