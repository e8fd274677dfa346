// Objects and attribute policy (PKCS#11 3.1 §4 object classes and attributes, §5.7 object
// management; issue 2 item 6): create / copy / destroy / get / set / size / find for data,
// certificate and key objects, session vs token objects, and the attribute rules.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>

#include "fixture.h"

namespace conformance {
namespace {

constexpr CK_ATTRIBUTE_TYPE kUnknownAttr = 0x7ffff0f0UL;  // not defined by the spec

using ObjectTest = TokenTest;

struct Cert {
  Bytes der, subject, issuer, serial;
};

// A self-signed P-256 certificate made with OpenSSL, and its parts as DER.
Cert MakeCert() {
  Cert c;
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Arca conformance"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  X509_sign(x, key, EVP_sha256());
  // i2d_* allocates the output; the length must be taken before the pointer is read.
  auto to_bytes = [](auto&& encode) {
    unsigned char* p = nullptr;
    int len = encode(&p);
    Bytes b;
    if (len > 0) b.assign(p, p + len);
    OPENSSL_free(p);
    return b;
  };
  c.der = to_bytes([&](unsigned char** p) { return i2d_X509(x, p); });
  c.subject =
      to_bytes([&](unsigned char** p) { return i2d_X509_NAME(X509_get_subject_name(x), p); });
  c.issuer = to_bytes([&](unsigned char** p) { return i2d_X509_NAME(X509_get_issuer_name(x), p); });
  c.serial =
      to_bytes([&](unsigned char** p) { return i2d_ASN1_INTEGER(X509_get_serialNumber(x), p); });
  X509_free(x);
  EVP_PKEY_free(key);
  return c;
}

TEST_F(ObjectTest, DataObjectLifecycle) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE h = CreateData(s, "data one");
  ASSERT_NE(h, CK_INVALID_HANDLE);
  EXPECT_EQ(GetUlong(s, h, CKA_CLASS), CKO_DATA);
  EXPECT_EQ(GetBytes(s, h, CKA_LABEL), Str("data one"));
  EXPECT_EQ(GetBytes(s, h, CKA_APPLICATION), Str("conformance"));
  EXPECT_EQ(GetBytes(s, h, CKA_VALUE), Str("data object value"));
  EXPECT_FALSE(GetBool(s, h, CKA_TOKEN));
  EXPECT_FALSE(GetBool(s, h, CKA_PRIVATE));
  EXPECT_TRUE(GetBool(s, h, CKA_MODIFIABLE)) << "default";
  EXPECT_TRUE(GetBool(s, h, CKA_COPYABLE)) << "default";
  EXPECT_TRUE(GetBool(s, h, CKA_DESTROYABLE)) << "default";
  CK_ULONG size = 0;
  EXPECT_CKR_OK(f_->C_GetObjectSize(s, h, &size));

  Template set;
  set.Text(CKA_LABEL, "renamed").Data(CKA_VALUE, Str("new value"));
  ASSERT_CKR_OK(f_->C_SetAttributeValue(s, h, set.data(), set.size()));
  EXPECT_EQ(GetBytes(s, h, CKA_LABEL), Str("renamed"));
  EXPECT_EQ(GetBytes(s, h, CKA_VALUE), Str("new value"));

  Template copy_tmpl;
  copy_tmpl.Text(CKA_LABEL, "copy");
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(f_->C_CopyObject(s, h, copy_tmpl.data(), copy_tmpl.size(), &copy));
  EXPECT_NE(copy, h);
  EXPECT_EQ(GetBytes(s, copy, CKA_LABEL), Str("copy"));
  EXPECT_EQ(GetBytes(s, copy, CKA_VALUE), Str("new value"));
  EXPECT_EQ(GetBytes(s, h, CKA_LABEL), Str("renamed"));

  ASSERT_CKR_OK(f_->C_DestroyObject(s, h));
  CK_RV rv = CKR_OK;
  GetBytes(s, h, CKA_LABEL, &rv);
  EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, rv);
  EXPECT_EQ(GetBytes(s, copy, CKA_LABEL), Str("copy"));
  EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, f_->C_DestroyObject(s, h));
}

TEST_F(ObjectTest, CertificateKeptAsGiven) {
  CK_SESSION_HANDLE s = UserSession();
  Cert cert = MakeCert();
  ASSERT_FALSE(cert.der.empty());
  Template t;
  t.Ulong(CKA_CLASS, CKO_CERTIFICATE)
      .Ulong(CKA_CERTIFICATE_TYPE, CKC_X_509)
      .Bool(CKA_TOKEN, true)
      .Bool(CKA_PRIVATE, false)
      .Data(CKA_SUBJECT, cert.subject)
      .Data(CKA_ISSUER, cert.issuer)
      .Data(CKA_SERIAL_NUMBER, cert.serial)
      .Data(CKA_VALUE, cert.der)
      .Data(CKA_ID, Bytes{0x01, 0x02})
      .Text(CKA_LABEL, "my cert");
  CK_OBJECT_HANDLE h = Create(s, t);
  ASSERT_NE(h, CK_INVALID_HANDLE);
  Reinitialize();
  s = OpenRo();
  Template find;
  find.Ulong(CKA_CLASS, CKO_CERTIFICATE).Data(CKA_ID, Bytes{0x01, 0x02});
  std::vector<CK_OBJECT_HANDLE> found = Find(s, find);
  ASSERT_EQ(found.size(), 1u) << "a public certificate is visible without login";
  h = found[0];
  EXPECT_EQ(GetUlong(s, h, CKA_CERTIFICATE_TYPE), CKC_X_509);
  EXPECT_EQ(GetBytes(s, h, CKA_SUBJECT), cert.subject);
  EXPECT_EQ(GetBytes(s, h, CKA_ISSUER), cert.issuer);
  EXPECT_EQ(GetBytes(s, h, CKA_SERIAL_NUMBER), cert.serial);
  EXPECT_EQ(GetBytes(s, h, CKA_VALUE), cert.der);
  EXPECT_EQ(GetBytes(s, h, CKA_LABEL), Str("my cert"));
  EXPECT_FALSE(GetBool(s, h, CKA_PRIVATE));
  EXPECT_FALSE(GetBool(s, h, CKA_TRUSTED));
}

TEST_F(ObjectTest, TrustedSettableOnlyBySo) {
  CK_SESSION_HANDLE s = UserSession();
  Cert cert = MakeCert();
  Template t;
  t.Ulong(CKA_CLASS, CKO_CERTIFICATE)
      .Ulong(CKA_CERTIFICATE_TYPE, CKC_X_509)
      .Data(CKA_SUBJECT, cert.subject)
      .Data(CKA_VALUE, cert.der)
      .Bool(CKA_TRUSTED, true);
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  EXPECT_NE(Rv{CKR_OK}, Rv{f_->C_CreateObject(s, t.data(), t.size(), &h)})
      << "the user set CKA_TRUSTED";
  ASSERT_CKR_OK(f_->C_Logout(s));
  ASSERT_CKR_OK(LoginSo(s));
  EXPECT_CKR_OK(f_->C_CreateObject(s, t.data(), t.size(), &h));
}

TEST_F(ObjectTest, SecretKeyObject) {
  CK_SESSION_HANDLE s = UserSession();
  Template extra;
  extra.Bool(CKA_SENSITIVE, false).Bool(CKA_EXTRACTABLE, true).Text(CKA_LABEL, "aes");
  Bytes value = FromHex("000102030405060708090a0b0c0d0e0f");
  CK_OBJECT_HANDLE h = CreateSecret(s, CKK_AES, value, &extra);
  ASSERT_NE(h, CK_INVALID_HANDLE);
  EXPECT_EQ(GetUlong(s, h, CKA_CLASS), CKO_SECRET_KEY);
  EXPECT_EQ(GetUlong(s, h, CKA_KEY_TYPE), CKK_AES);
  EXPECT_EQ(GetUlong(s, h, CKA_VALUE_LEN), 16u);
  EXPECT_EQ(GetBytes(s, h, CKA_VALUE), value);
}

TEST_F(ObjectTest, SessionObjectsVanishAtClose) {
  CK_SESSION_HANDLE keep = UserSession();
  CK_SESSION_HANDLE s = OpenRw();
  CK_OBJECT_HANDLE h = CreateData(s, "ephemeral");
  ASSERT_NE(h, CK_INVALID_HANDLE);
  // Visible to the application's other sessions.
  EXPECT_EQ(GetBytes(keep, h, CKA_LABEL), Str("ephemeral"));
  ASSERT_CKR_OK(f_->C_CloseSession(s));
  CK_RV rv = CKR_OK;
  GetBytes(keep, h, CKA_LABEL, &rv);
  EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, rv);
  Template find;
  find.Ulong(CKA_CLASS, CKO_DATA);
  EXPECT_TRUE(Find(keep, find).empty());
}

TEST_F(ObjectTest, PrivateObjectsNeedLogin) {
  CK_SESSION_HANDLE s = OpenRw();
  Template t;
  t.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_PRIVATE, true).Text(CKA_LABEL, "secret");
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  EXPECT_RV(CKR_USER_NOT_LOGGED_IN, f_->C_CreateObject(s, t.data(), t.size(), &h));
  ASSERT_CKR_OK(LoginUser(s));
  CreateData(s, "private token", true, true);
  CreateData(s, "public token", true, false);
  CreateData(s, "private session", false, true);
  Template find;
  find.Ulong(CKA_CLASS, CKO_DATA);
  EXPECT_EQ(Find(s, find).size(), 3u);
  ASSERT_CKR_OK(f_->C_Logout(s));
  std::vector<CK_OBJECT_HANDLE> found = Find(s, find);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(GetBytes(s, found[0], CKA_LABEL), Str("public token"));
  Template by_label;
  by_label.Text(CKA_LABEL, "private token");
  EXPECT_TRUE(Find(s, by_label).empty());
  ASSERT_CKR_OK(LoginUser(s));
  EXPECT_EQ(Find(s, by_label).size(), 1u);
}

TEST_F(ObjectTest, TokenObjectsPersist) {
  CK_SESSION_HANDLE s = UserSession();
  CreateData(s, "persistent public", true, false);
  CreateData(s, "persistent private", true, true);
  CreateData(s, "gone", false, false);
  Reinitialize();
  s = OpenRo();
  Template find;
  find.Ulong(CKA_CLASS, CKO_DATA);
  std::vector<CK_OBJECT_HANDLE> found = Find(s, find);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(GetBytes(s, found[0], CKA_LABEL), Str("persistent public"));
  ASSERT_CKR_OK(LoginUser(s));
  found = Find(s, find);
  ASSERT_EQ(found.size(), 2u);
  Template priv;
  priv.Text(CKA_LABEL, "persistent private");
  found = Find(s, priv);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(GetBytes(s, found[0], CKA_VALUE), Str("data object value"));
}

TEST_F(ObjectTest, SecondProcessSeesTokenObjects) {
  CK_SESSION_HANDLE s = UserSession();
  ASSERT_NE(CreateData(s, "from parent", true, true), CK_INVALID_HANDLE);
  CK_FUNCTION_LIST* f = f_;
  CK_SLOT_ID slot = slot_;
  int code = RunInChild([f, slot]() -> int {
    if (f->C_Initialize(nullptr) != CKR_OK) return 10;
    CK_SESSION_HANDLE cs = 0;
    if (f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &cs) !=
        CKR_OK) {
      return 11;
    }
    if (f->C_Login(cs, CKU_USER, Utf8(kUserPin), kUserPin.size()) != CKR_OK) return 12;
    Template find;
    find.Text(CKA_LABEL, "from parent");
    if (f->C_FindObjectsInit(cs, find.data(), find.size()) != CKR_OK) return 13;
    CK_OBJECT_HANDLE h[4];
    CK_ULONG n = 0;
    if (f->C_FindObjects(cs, h, 4, &n) != CKR_OK || n != 1) return 14;
    f->C_FindObjectsFinal(cs);
    Template t;
    t.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_TOKEN, true).Text(CKA_LABEL, "from child");
    CK_OBJECT_HANDLE made = 0;
    if (f->C_CreateObject(cs, t.data(), t.size(), &made) != CKR_OK) return 15;
    if (f->C_Finalize(nullptr) != CKR_OK) return 16;
    return 0;
  });
  ASSERT_EQ(code, 0) << "child step failed";
  Template find;
  find.Text(CKA_LABEL, "from child");
  EXPECT_EQ(Find(s, find).size(), 1u) << "the child's committed object is not seen";
}

TEST_F(ObjectTest, SensitiveValueIsUnreadable) {
  CK_SESSION_HANDLE s = UserSession();
  Template extra;
  extra.Bool(CKA_SENSITIVE, true);
  CK_OBJECT_HANDLE key = GenerateAes(s, 32, &extra);
  ASSERT_NE(key, CK_INVALID_HANDLE);
  CK_BYTE buf[64];
  CK_ATTRIBUTE a = {CKA_VALUE, buf, sizeof buf};
  EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, f_->C_GetAttributeValue(s, key, &a, 1));
  EXPECT_EQ(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
  a = {CKA_VALUE, nullptr, 0};
  EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, f_->C_GetAttributeValue(s, key, &a, 1));
  EXPECT_EQ(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);

  // Non-extractable keys are unreadable too.
  Template ne;
  ne.Bool(CKA_SENSITIVE, false).Bool(CKA_EXTRACTABLE, false);
  CK_OBJECT_HANDLE key2 = GenerateAes(s, 16, &ne);
  a = {CKA_VALUE, buf, sizeof buf};
  EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, f_->C_GetAttributeValue(s, key2, &a, 1));
  EXPECT_EQ(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);

  // The private value of an EC key.
  CK_OBJECT_HANDLE pub, priv;
  GenerateEc(s, kP256Params, &pub, &priv);
  a = {CKA_VALUE, buf, sizeof buf};
  EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, f_->C_GetAttributeValue(s, priv, &a, 1));
  EXPECT_EQ(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

TEST_F(ObjectTest, GetAttributeValueProcessesEveryAttribute) {
  CK_SESSION_HANDLE s = UserSession();
  Template extra;
  extra.Bool(CKA_SENSITIVE, true).Text(CKA_LABEL, "mixed");
  CK_OBJECT_HANDLE key = GenerateAes(s, 32, &extra);
  ASSERT_NE(key, CK_INVALID_HANDLE);

  // Sensitive + readable: CKR_ATTRIBUTE_SENSITIVE, the others filled.
  CK_BYTE value[64];
  CK_ULONG value_len = 0;
  CK_OBJECT_CLASS cls = 0;
  CK_ATTRIBUTE t1[] = {{CKA_VALUE, value, sizeof value},
                       {CKA_VALUE_LEN, &value_len, sizeof value_len},
                       {CKA_CLASS, &cls, sizeof cls}};
  EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, f_->C_GetAttributeValue(s, key, t1, 3));
  EXPECT_EQ(t1[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(value_len, 32u);
  EXPECT_EQ(t1[1].ulValueLen, sizeof(CK_ULONG));
  EXPECT_EQ(cls, CKO_SECRET_KEY);

  // Unknown type + readable: CKR_ATTRIBUTE_TYPE_INVALID, the others filled.
  CK_BYTE label[32];
  CK_BYTE junk[8];
  CK_ATTRIBUTE t2[] = {{CKA_LABEL, label, sizeof label}, {kUnknownAttr, junk, sizeof junk}};
  EXPECT_RV(CKR_ATTRIBUTE_TYPE_INVALID, f_->C_GetAttributeValue(s, key, t2, 2));
  EXPECT_EQ(t2[0].ulValueLen, 5u);
  EXPECT_EQ(std::memcmp(label, "mixed", 5), 0);
  EXPECT_EQ(t2[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);

  // Buffer too small + readable: CKR_BUFFER_TOO_SMALL, the others filled.
  CK_BYTE small[2];
  cls = 0;
  CK_ATTRIBUTE t3[] = {{CKA_LABEL, small, sizeof small}, {CKA_CLASS, &cls, sizeof cls}};
  EXPECT_RV(CKR_BUFFER_TOO_SMALL, f_->C_GetAttributeValue(s, key, t3, 2));
  EXPECT_EQ(t3[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(cls, CKO_SECRET_KEY);

  // All three at once: any one of the three codes, every attribute processed.
  cls = 0;
  CK_ATTRIBUTE t4[] = {{CKA_VALUE, value, sizeof value},
                       {kUnknownAttr, junk, sizeof junk},
                       {CKA_LABEL, small, sizeof small},
                       {CKA_CLASS, &cls, sizeof cls}};
  CK_RV rv = f_->C_GetAttributeValue(s, key, t4, 4);
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
              rv == CKR_BUFFER_TOO_SMALL)
      << RvName(rv);
  EXPECT_EQ(t4[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(t4[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(t4[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(cls, CKO_SECRET_KEY);
}

TEST_F(ObjectTest, LengthQueryAndExactBuffer) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE h = CreateData(s, "twelve chars");
  CK_ATTRIBUTE a = {CKA_LABEL, nullptr, 0};
  ASSERT_CKR_OK(f_->C_GetAttributeValue(s, h, &a, 1));
  EXPECT_EQ(a.ulValueLen, 12u);
  // Exact size: filled, nothing written past it.
  CK_BYTE buf[16];
  std::memset(buf, 0xa5, sizeof buf);
  a = {CKA_LABEL, buf, 12};
  ASSERT_CKR_OK(f_->C_GetAttributeValue(s, h, &a, 1));
  EXPECT_EQ(a.ulValueLen, 12u);
  EXPECT_EQ(std::memcmp(buf, "twelve chars", 12), 0);
  for (int i = 12; i < 16; ++i) EXPECT_EQ(buf[i], 0xa5) << "write past the caller's buffer";
  // One short: CKR_BUFFER_TOO_SMALL, nothing written past it.
  std::memset(buf, 0xa5, sizeof buf);
  a = {CKA_LABEL, buf, 11};
  EXPECT_RV(CKR_BUFFER_TOO_SMALL, f_->C_GetAttributeValue(s, h, &a, 1));
  EXPECT_EQ(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
  for (int i = 11; i < 16; ++i) EXPECT_EQ(buf[i], 0xa5);
  // An empty attribute reads as length 0.
  Template t;
  t.Ulong(CKA_CLASS, CKO_DATA).Raw(CKA_LABEL, nullptr, 0);
  CK_OBJECT_HANDLE empty = Create(s, t);
  a = {CKA_LABEL, nullptr, 1234};
  ASSERT_CKR_OK(f_->C_GetAttributeValue(s, empty, &a, 1));
  EXPECT_EQ(a.ulValueLen, 0u);
}

TEST_F(ObjectTest, ReadOnlyAttributes) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE data = CreateData(s, "ro");
  Template cls;
  cls.Ulong(CKA_CLASS, CKO_CERTIFICATE);
  EXPECT_RV(CKR_ATTRIBUTE_READ_ONLY, f_->C_SetAttributeValue(s, data, cls.data(), cls.size()));
  Template tok;
  tok.Bool(CKA_TOKEN, true);
  EXPECT_RV(CKR_ATTRIBUTE_READ_ONLY, f_->C_SetAttributeValue(s, data, tok.data(), tok.size()));

  CK_OBJECT_HANDLE key = GenerateAes(s, 16);
  Template kt;
  kt.Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
  EXPECT_RV(CKR_ATTRIBUTE_READ_ONLY, f_->C_SetAttributeValue(s, key, kt.data(), kt.size()));
  Template local;
  local.Bool(CKA_LOCAL, false);
  EXPECT_RV(CKR_ATTRIBUTE_READ_ONLY, f_->C_SetAttributeValue(s, key, local.data(), local.size()));
  Template always;
  always.Bool(CKA_ALWAYS_SENSITIVE, false);
  EXPECT_RV(CKR_ATTRIBUTE_READ_ONLY, f_->C_SetAttributeValue(s, key, always.data(), always.size()));
  EXPECT_TRUE(GetBool(s, key, CKA_LOCAL));
  // CKA_LOCAL cannot be given at creation either.
  Template create;
  create.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_AES)
      .Data(CKA_VALUE, Bytes(16, 1))
      .Bool(CKA_LOCAL, true);
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  CK_RV rv = f_->C_CreateObject(s, create.data(), create.size(), &h);
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_READ_ONLY || rv == CKR_TEMPLATE_INCONSISTENT) << RvName(rv);
}

TEST_F(ObjectTest, SensitiveOnlyFalseToTrue) {
  CK_SESSION_HANDLE s = UserSession();
  Template extra;
  extra.Bool(CKA_SENSITIVE, false).Bool(CKA_EXTRACTABLE, true);
  CK_OBJECT_HANDLE key = GenerateAes(s, 16, &extra);
  EXPECT_FALSE(GetBool(s, key, CKA_ALWAYS_SENSITIVE));
  Template on;
  on.Bool(CKA_SENSITIVE, true);
  ASSERT_CKR_OK(f_->C_SetAttributeValue(s, key, on.data(), on.size()));
  EXPECT_TRUE(GetBool(s, key, CKA_SENSITIVE));
  EXPECT_FALSE(GetBool(s, key, CKA_ALWAYS_SENSITIVE)) << "was not sensitive from the start";
  CK_RV rv = CKR_OK;
  GetBytes(s, key, CKA_VALUE, &rv);
  EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, rv);
  Template off;
  off.Bool(CKA_SENSITIVE, false);
  rv = f_->C_SetAttributeValue(s, key, off.data(), off.size());
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_READ_ONLY || rv == CKR_ATTRIBUTE_VALUE_INVALID) << RvName(rv);
  EXPECT_TRUE(GetBool(s, key, CKA_SENSITIVE));
  // Nor through a copy.
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  rv = f_->C_CopyObject(s, key, off.data(), off.size(), &copy);
  EXPECT_NE(Rv{CKR_OK}, Rv{rv}) << "a copy made a sensitive key readable";
}

TEST_F(ObjectTest, ExtractableOnlyTrueToFalse) {
  CK_SESSION_HANDLE s = UserSession();
  Template extra;
  extra.Bool(CKA_SENSITIVE, false).Bool(CKA_EXTRACTABLE, true);
  CK_OBJECT_HANDLE key = GenerateAes(s, 16, &extra);
  EXPECT_FALSE(GetBool(s, key, CKA_NEVER_EXTRACTABLE));
  Template off;
  off.Bool(CKA_EXTRACTABLE, false);
  ASSERT_CKR_OK(f_->C_SetAttributeValue(s, key, off.data(), off.size()));
  EXPECT_FALSE(GetBool(s, key, CKA_EXTRACTABLE));
  EXPECT_FALSE(GetBool(s, key, CKA_NEVER_EXTRACTABLE)) << "was extractable once";
  Template on;
  on.Bool(CKA_EXTRACTABLE, true);
  CK_RV rv = f_->C_SetAttributeValue(s, key, on.data(), on.size());
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_READ_ONLY || rv == CKR_ATTRIBUTE_VALUE_INVALID) << RvName(rv);
  EXPECT_FALSE(GetBool(s, key, CKA_EXTRACTABLE));
}

TEST_F(ObjectTest, ModifiableCopyableDestroyable) {
  CK_SESSION_HANDLE s = UserSession();
  Template t;
  t.Ulong(CKA_CLASS, CKO_DATA)
      .Text(CKA_LABEL, "locked down")
      .Bool(CKA_MODIFIABLE, false)
      .Bool(CKA_COPYABLE, false)
      .Bool(CKA_DESTROYABLE, false);
  CK_OBJECT_HANDLE h = Create(s, t);
  ASSERT_NE(h, CK_INVALID_HANDLE);
  Template label;
  label.Text(CKA_LABEL, "changed");
  EXPECT_RV(CKR_ACTION_PROHIBITED, f_->C_SetAttributeValue(s, h, label.data(), label.size()));
  EXPECT_EQ(GetBytes(s, h, CKA_LABEL), Str("locked down"));
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  EXPECT_RV(CKR_ACTION_PROHIBITED, f_->C_CopyObject(s, h, nullptr, 0, &copy));
  EXPECT_RV(CKR_ACTION_PROHIBITED, f_->C_DestroyObject(s, h));
  EXPECT_EQ(GetBytes(s, h, CKA_LABEL), Str("locked down"));
  // CKA_COPYABLE cannot be turned back on.
  Template copyable;
  copyable.Bool(CKA_COPYABLE, true);
  EXPECT_NE(Rv{CKR_OK}, Rv{f_->C_SetAttributeValue(s, h, copyable.data(), copyable.size())});
}

TEST_F(ObjectTest, TemplateErrors) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  Template no_class;
  no_class.Text(CKA_LABEL, "x");
  EXPECT_RV(CKR_TEMPLATE_INCOMPLETE, f_->C_CreateObject(s, no_class.data(), no_class.size(), &h));
  Template no_value;
  no_value.Ulong(CKA_CLASS, CKO_SECRET_KEY).Ulong(CKA_KEY_TYPE, CKK_AES);
  EXPECT_RV(CKR_TEMPLATE_INCOMPLETE, f_->C_CreateObject(s, no_value.data(), no_value.size(), &h));
  Template no_key_type;
  no_key_type.Ulong(CKA_CLASS, CKO_SECRET_KEY).Data(CKA_VALUE, Bytes(16, 7));
  EXPECT_RV(CKR_TEMPLATE_INCOMPLETE,
            f_->C_CreateObject(s, no_key_type.data(), no_key_type.size(), &h));
  Template no_cert_type;
  no_cert_type.Ulong(CKA_CLASS, CKO_CERTIFICATE).Data(CKA_VALUE, Bytes(16, 7));
  EXPECT_RV(CKR_TEMPLATE_INCOMPLETE,
            f_->C_CreateObject(s, no_cert_type.data(), no_cert_type.size(), &h));
  Template ec_no_point;
  ec_no_point.Ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_EC)
      .Data(CKA_EC_PARAMS, kP256Params);
  EXPECT_RV(CKR_TEMPLATE_INCOMPLETE,
            f_->C_CreateObject(s, ec_no_point.data(), ec_no_point.size(), &h));

  Template unknown;
  unknown.Ulong(CKA_CLASS, CKO_DATA).Data(kUnknownAttr, Bytes{1});
  EXPECT_RV(CKR_ATTRIBUTE_TYPE_INVALID, f_->C_CreateObject(s, unknown.data(), unknown.size(), &h));
  Template bad_len;
  bad_len.Ulong(CKA_CLASS, CKO_DATA).Data(CKA_TOKEN, Bytes{1, 0, 0, 0});
  EXPECT_RV(CKR_ATTRIBUTE_VALUE_INVALID, f_->C_CreateObject(s, bad_len.data(), bad_len.size(), &h));
  // None of the failures left an object behind (the token's CKO_PROFILE objects aside).
  Template all;
  Template profiles;
  profiles.Ulong(CKA_CLASS, CKO_PROFILE);
  EXPECT_EQ(Find(s, all).size(), Find(s, profiles).size());
  // An AES key must be 16, 24 or 32 bytes long (current mechanisms spec, AES key objects).
  Template bad_aes;
  bad_aes.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_AES)
      .Data(CKA_VALUE, Bytes(15, 7));
  CK_RV rv = f_->C_CreateObject(s, bad_aes.data(), bad_aes.size(), &h);
  EXPECT_TRUE(rv == CKR_ATTRIBUTE_VALUE_INVALID || rv == CKR_KEY_SIZE_RANGE) << RvName(rv);
  Template unknown_set;
  unknown_set.Data(kUnknownAttr, Bytes{1});
  CK_OBJECT_HANDLE data = CreateData(s, "target");
  EXPECT_RV(CKR_ATTRIBUTE_TYPE_INVALID,
            f_->C_SetAttributeValue(s, data, unknown_set.data(), unknown_set.size()));
}

TEST_F(ObjectTest, ReadOnlySessionRules) {
  CK_SESSION_HANDLE rw = UserSession();
  CK_OBJECT_HANDLE token_obj = CreateData(rw, "token object", true, false);
  CK_SESSION_HANDLE ro = OpenRo();
  Template t;
  t.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_TOKEN, true).Text(CKA_LABEL, "ro");
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  EXPECT_RV(CKR_SESSION_READ_ONLY, f_->C_CreateObject(ro, t.data(), t.size(), &h));
  Template label;
  label.Text(CKA_LABEL, "changed");
  EXPECT_RV(CKR_SESSION_READ_ONLY,
            f_->C_SetAttributeValue(ro, token_obj, label.data(), label.size()));
  EXPECT_RV(CKR_SESSION_READ_ONLY, f_->C_DestroyObject(ro, token_obj));
  Template to_token;
  to_token.Bool(CKA_TOKEN, true);
  CK_OBJECT_HANDLE session_obj = CreateData(rw, "session object");
  EXPECT_RV(CKR_SESSION_READ_ONLY,
            f_->C_CopyObject(ro, session_obj, to_token.data(), to_token.size(), &h));
  CK_MECHANISM m = {CKM_AES_KEY_GEN, nullptr, 0};
  Template key;
  key.Ulong(CKA_VALUE_LEN, 16).Bool(CKA_TOKEN, true);
  EXPECT_RV(CKR_SESSION_READ_ONLY, f_->C_GenerateKey(ro, &m, key.data(), key.size(), &h));
  // Session objects are fine in a read-only session.
  Template session;
  session.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_TOKEN, false).Text(CKA_LABEL, "ro session");
  EXPECT_CKR_OK(f_->C_CreateObject(ro, session.data(), session.size(), &h));
  EXPECT_CKR_OK(f_->C_DestroyObject(ro, h));
}

TEST_F(ObjectTest, FindRules) {
  CK_SESSION_HANDLE s = UserSession();
  CreateData(s, "alpha");
  CreateData(s, "beta");
  Template unknown;
  unknown.Ulong(CKA_CLASS, CKO_DATA).Data(kUnknownAttr, Bytes{1});
  EXPECT_TRUE(Find(s, unknown).empty()) << "an unknown attribute matches nothing";
  Template alpha;
  alpha.Text(CKA_LABEL, "alpha");
  EXPECT_EQ(Find(s, alpha).size(), 1u);
  Template all;
  Template profiles;
  profiles.Ulong(CKA_CLASS, CKO_PROFILE);
  const size_t profile_count = Find(s, profiles).size();
  EXPECT_EQ(Find(s, all).size(), 2u + profile_count) << "an empty template matches every object";

  CK_OBJECT_HANDLE h[4];
  CK_ULONG n = 0;
  Template data;
  data.Ulong(CKA_CLASS, CKO_DATA);
  EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f_->C_FindObjects(s, h, 4, &n));
  EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f_->C_FindObjectsFinal(s));
  ASSERT_CKR_OK(f_->C_FindObjectsInit(s, data.data(), data.size()));
  EXPECT_RV(CKR_OPERATION_ACTIVE, f_->C_FindObjectsInit(s, nullptr, 0));
  // One at a time, then nothing.
  ASSERT_CKR_OK(f_->C_FindObjects(s, h, 1, &n));
  EXPECT_EQ(n, 1u);
  ASSERT_CKR_OK(f_->C_FindObjects(s, h, 4, &n));
  EXPECT_EQ(n, 1u);
  ASSERT_CKR_OK(f_->C_FindObjects(s, h, 4, &n));
  EXPECT_EQ(n, 0u);
  ASSERT_CKR_OK(f_->C_FindObjectsFinal(s));
  EXPECT_RV(CKR_OPERATION_NOT_INITIALIZED, f_->C_FindObjects(s, h, 4, &n));
}

TEST_F(ObjectTest, ObjectHandleInvalid) {
  CK_SESSION_HANDLE s = UserSession();
  const CK_OBJECT_HANDLE bad = 0x7feedUL;
  CK_ULONG size;
  CK_BYTE buf[8];
  CK_ATTRIBUTE a = {CKA_LABEL, buf, sizeof buf};
  CK_OBJECT_HANDLE out;
  EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, f_->C_GetAttributeValue(s, bad, &a, 1));
  EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, f_->C_SetAttributeValue(s, bad, &a, 1));
  EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, f_->C_GetObjectSize(s, bad, &size));
  EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, f_->C_DestroyObject(s, bad));
  EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, f_->C_CopyObject(s, bad, nullptr, 0, &out));
  EXPECT_RV(CKR_OBJECT_HANDLE_INVALID, f_->C_DestroyObject(s, CK_INVALID_HANDLE));
}

TEST_F(ObjectTest, DerivedAttributesOfGeneratedKeys) {
  CK_SESSION_HANDLE s = UserSession();
  Template extra;
  extra.Bool(CKA_SENSITIVE, true).Bool(CKA_EXTRACTABLE, false);
  CK_OBJECT_HANDLE aes = GenerateAes(s, 32, &extra);
  EXPECT_TRUE(GetBool(s, aes, CKA_LOCAL));
  EXPECT_EQ(GetUlong(s, aes, CKA_KEY_GEN_MECHANISM), CKM_AES_KEY_GEN);
  EXPECT_TRUE(GetBool(s, aes, CKA_ALWAYS_SENSITIVE));
  EXPECT_TRUE(GetBool(s, aes, CKA_NEVER_EXTRACTABLE));
  EXPECT_EQ(GetUlong(s, aes, CKA_VALUE_LEN), 32u);

  CK_OBJECT_HANDLE pub, priv;
  GenerateEc(s, kP256Params, &pub, &priv);
  EXPECT_TRUE(GetBool(s, priv, CKA_LOCAL));
  EXPECT_TRUE(GetBool(s, pub, CKA_LOCAL));
  EXPECT_EQ(GetUlong(s, priv, CKA_KEY_GEN_MECHANISM), CKM_EC_KEY_PAIR_GEN);
  EXPECT_EQ(GetUlong(s, pub, CKA_KEY_GEN_MECHANISM), CKM_EC_KEY_PAIR_GEN);
  EXPECT_TRUE(GetBool(s, priv, CKA_ALWAYS_SENSITIVE));
  EXPECT_FALSE(GetBool(s, priv, CKA_ALWAYS_AUTHENTICATE)) << "default is false";
  EXPECT_EQ(GetUlong(s, priv, CKA_CLASS), CKO_PRIVATE_KEY);
  EXPECT_EQ(GetUlong(s, pub, CKA_CLASS), CKO_PUBLIC_KEY);
  EXPECT_EQ(GetUlong(s, priv, CKA_KEY_TYPE), CKK_EC);
}

TEST_F(ObjectTest, DerivedAttributesOfCreatedKeys) {
  CK_SESSION_HANDLE s = UserSession();
  Template extra;
  extra.Bool(CKA_SENSITIVE, false).Bool(CKA_EXTRACTABLE, true);
  CK_OBJECT_HANDLE key = CreateSecret(s, CKK_AES, Bytes(16, 3), &extra);
  EXPECT_FALSE(GetBool(s, key, CKA_LOCAL));
  EXPECT_EQ(GetUlong(s, key, CKA_KEY_GEN_MECHANISM), CK_UNAVAILABLE_INFORMATION);
  EXPECT_FALSE(GetBool(s, key, CKA_ALWAYS_SENSITIVE));
  EXPECT_FALSE(GetBool(s, key, CKA_NEVER_EXTRACTABLE));
  // A copy keeps the derived attributes of its original.
  CK_OBJECT_HANDLE gen = GenerateAes(s, 16);
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(f_->C_CopyObject(s, gen, nullptr, 0, &copy));
  EXPECT_EQ(GetUlong(s, copy, CKA_KEY_GEN_MECHANISM), CKM_AES_KEY_GEN);
}

TEST_F(ObjectTest, GeneratedPairKeepsIdAndLabel) {
  CK_SESSION_HANDLE s = UserSession();
  Bytes id = {0xa1, 0xb2, 0xc3};
  Template pub_extra;
  pub_extra.Data(CKA_ID, id).Text(CKA_LABEL, "pair").Bool(CKA_TOKEN, true);
  Template priv_extra;
  priv_extra.Data(CKA_ID, id).Text(CKA_LABEL, "pair").Bool(CKA_TOKEN, true);
  CK_OBJECT_HANDLE pub, priv;
  GenerateEc(s, kP256Params, &pub, &priv, &pub_extra, &priv_extra);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  Reinitialize();
  s = UserSession();
  Template find;
  find.Data(CKA_ID, id).Text(CKA_LABEL, "pair");
  std::vector<CK_OBJECT_HANDLE> found = Find(s, find);
  EXPECT_EQ(found.size(), 2u);
  Template find_priv;
  find_priv.Ulong(CKA_CLASS, CKO_PRIVATE_KEY).Data(CKA_ID, id);
  found = Find(s, find_priv);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(GetBytes(s, found[0], CKA_LABEL), Str("pair"));
}

TEST_F(ObjectTest, EcPublicParts) {
  CK_SESSION_HANDLE s = UserSession();
  struct {
    const Bytes* params;
    size_t field;
  } curves[] = {{&kP256Params, 32}, {&kP384Params, 48}, {&kP521Params, 66}};
  for (const auto& c : curves) {
    CK_OBJECT_HANDLE pub, priv;
    GenerateEc(s, *c.params, &pub, &priv);
    ASSERT_NE(pub, CK_INVALID_HANDLE);
    Bytes point = GetBytes(s, pub, CKA_EC_POINT);
    const size_t raw = 1 + 2 * c.field;
    // DER OCTET STRING wrapping the uncompressed point.
    ASSERT_GE(point.size(), raw + 2);
    EXPECT_EQ(point[0], 0x04) << "CKA_EC_POINT is not an OCTET STRING";
    size_t header = point.size() - raw;
    if (raw < 128) {
      EXPECT_EQ(header, 2u);
      EXPECT_EQ(point[1], raw);
    } else {
      EXPECT_EQ(header, 3u);
      EXPECT_EQ(point[1], 0x81);
      EXPECT_EQ(point[2], raw);
    }
    EXPECT_EQ(point[header], 0x04) << "point not uncompressed";
    EXPECT_EQ(GetBytes(s, pub, CKA_EC_PARAMS), *c.params);
    EXPECT_EQ(GetBytes(s, priv, CKA_EC_PARAMS), *c.params) << "private key hides its curve";
  }
}

TEST_F(ObjectTest, RsaPublicParts) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub, priv;
  GenerateRsa(s, 2048, &pub, &priv);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  Bytes n = GetBytes(s, pub, CKA_MODULUS);
  EXPECT_EQ(n.size(), 256u);
  EXPECT_EQ(GetBytes(s, priv, CKA_MODULUS), n);
  EXPECT_EQ(GetBytes(s, pub, CKA_PUBLIC_EXPONENT), (Bytes{0x01, 0x00, 0x01}));
  EXPECT_EQ(GetBytes(s, priv, CKA_PUBLIC_EXPONENT), (Bytes{0x01, 0x00, 0x01}));
  EXPECT_EQ(GetUlong(s, pub, CKA_MODULUS_BITS), 2048u);
  EXPECT_EQ(GetUlong(s, priv, CKA_KEY_TYPE), CKK_RSA);
  CK_RV rv = CKR_OK;
  GetBytes(s, priv, CKA_PRIVATE_EXPONENT, &rv);
  EXPECT_RV(CKR_ATTRIBUTE_SENSITIVE, rv);
}

TEST_F(ObjectTest, PublicKeyInfoOnBothHalves) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub, priv;
  GenerateEc(s, kP256Params, &pub, &priv);
  Bytes a = GetBytes(s, pub, CKA_PUBLIC_KEY_INFO);
  Bytes b = GetBytes(s, priv, CKA_PUBLIC_KEY_INFO);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
  const unsigned char* p = a.data();
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(a.size()));
  ASSERT_NE(key, nullptr) << "CKA_PUBLIC_KEY_INFO is not a SubjectPublicKeyInfo";
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(key), 256);
  EVP_PKEY_free(key);

  GenerateRsa(s, 2048, &pub, &priv);
  a = GetBytes(s, pub, CKA_PUBLIC_KEY_INFO);
  EXPECT_EQ(GetBytes(s, priv, CKA_PUBLIC_KEY_INFO), a);
  p = a.data();
  key = d2i_PUBKEY(nullptr, &p, static_cast<long>(a.size()));
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(EVP_PKEY_get_base_id(key), EVP_PKEY_RSA);
  EVP_PKEY_free(key);
}

TEST_F(ObjectTest, CopyToTokenObject) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE h = CreateData(s, "session original");
  Template t;
  t.Bool(CKA_TOKEN, true).Text(CKA_LABEL, "token copy");
  CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
  ASSERT_CKR_OK(f_->C_CopyObject(s, h, t.data(), t.size(), &copy));
  EXPECT_TRUE(GetBool(s, copy, CKA_TOKEN));
  Reinitialize();
  s = OpenRo();
  Template find;
  find.Text(CKA_LABEL, "token copy");
  EXPECT_EQ(Find(s, find).size(), 1u);
}

}  // namespace
}  // namespace conformance
