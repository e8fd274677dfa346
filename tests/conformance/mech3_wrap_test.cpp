// Issue 3: C_WrapKey / C_UnwrapKey with AES-KW (RFC 3394), AES-KWP (RFC 5649), AES-GCM and
// RSA-OAEP, for secret keys and EC private keys (PKCS#8 inside), and the wrapping rules:
// CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED / CKA_TRUSTED, CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE
// (PKCS#11 3.1 §5.18 C_WrapKey / C_UnwrapKey, §4.9 key objects).
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "fixture3.h"

namespace conformance {
namespace {

class Mech3WrapTest : public Mech3Test {
 protected:
  CK_OBJECT_HANDLE Kek(const Bytes& value, Template* more = nullptr) {
    Template extra;
    extra.Bool(CKA_WRAP, true)
        .Bool(CKA_UNWRAP, true)
        .Bool(CKA_ENCRYPT, true)
        .Bool(CKA_DECRYPT, true);
    std::vector<CK_ATTRIBUTE> attrs;
    Template base;
    base.Ulong(CKA_CLASS, CKO_SECRET_KEY).Ulong(CKA_KEY_TYPE, CKK_AES).Data(CKA_VALUE, value);
    attrs.insert(attrs.end(), base.data(), base.data() + base.size());
    attrs.insert(attrs.end(), extra.data(), extra.data() + extra.size());
    if (more != nullptr) attrs.insert(attrs.end(), more->data(), more->data() + more->size());
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    EXPECT_CKR_OK(f_->C_CreateObject(s_, attrs.data(), attrs.size(), &h)) << "wrapping key";
    return h;
  }
  // An extractable secret (sensitive, so only wrapping can get it out).
  CK_OBJECT_HANDLE Target(CK_KEY_TYPE type, const Bytes& value, Template* more = nullptr) {
    Template t;
    t.Ulong(CKA_CLASS, CKO_SECRET_KEY)
        .Ulong(CKA_KEY_TYPE, type)
        .Data(CKA_VALUE, value)
        .Bool(CKA_EXTRACTABLE, true)
        .Bool(CKA_SENSITIVE, true);
    if (type == CKK_AES) {
      t.Bool(CKA_ENCRYPT, true);
    } else {
      t.Bool(CKA_SIGN, true);
    }
    std::vector<CK_ATTRIBUTE> attrs(t.data(), t.data() + t.size());
    if (more != nullptr) attrs.insert(attrs.end(), more->data(), more->data() + more->size());
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    EXPECT_CKR_OK(f_->C_CreateObject(s_, attrs.data(), attrs.size(), &h)) << "key to wrap";
    return h;
  }
  // Unwraps as a readable secret and returns CKA_VALUE.
  CK_RV UnwrapValue(CK_MECHANISM* m, CK_OBJECT_HANDLE kek, const Bytes& wrapped, CK_KEY_TYPE type,
                    Bytes* value) {
    Template t;
    ReadableSecretTemplate(&t, 0, type);
    CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
    CK_RV rv = Unwrap(m, kek, wrapped, t, &h);
    if (rv != CKR_OK) return rv;
    *value = GetBytes(s_, h, CKA_VALUE, &rv);
    return rv;
  }
  // Wraps an EC private key, checks the wrapped blob is PKCS#8 of the same key (via `open`),
  // unwraps it and checks the unwrapped key signs for the original public key.
  void EcPrivateRoundTrip(CK_MECHANISM* m, CK_OBJECT_HANDLE kek,
                          const std::function<Bytes(const Bytes&)>& open) {
    Template kx;
    kx.Bool(CKA_EXTRACTABLE, true);
    CK_OBJECT_HANDLE pub, priv;
    GenerateEc(s_, kP256Params, &pub, &priv, nullptr, &kx);
    ASSERT_NE(priv, CK_INVALID_HANDLE);
    Bytes spki = GetBytes(s_, pub, CKA_PUBLIC_KEY_INFO);
    Bytes wrapped;
    ASSERT_CKR_OK(Wrap(m, kek, priv, &wrapped));
    Bytes der = open(wrapped);
    ASSERT_FALSE(der.empty()) << "OpenSSL cannot open the wrapped key";
    const unsigned char* p = der.data();
    PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
    ASSERT_NE(p8, nullptr) << "the wrapped key is not PKCS#8";
    Pkey k(EVP_PKCS82PKEY(p8));
    PKCS8_PRIV_KEY_INFO_free(p8);
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(ToHex(OsslSpki(k.get())), ToHex(spki)) << "PKCS#8 holds another key";

    Template t;
    t.Ulong(CKA_CLASS, CKO_PRIVATE_KEY)
        .Ulong(CKA_KEY_TYPE, CKK_EC)
        .Bool(CKA_SIGN, true)
        .Bool(CKA_PRIVATE, true)
        .Bool(CKA_SENSITIVE, true);
    CK_OBJECT_HANDLE back = CK_INVALID_HANDLE;
    ASSERT_CKR_OK(Unwrap(m, kek, wrapped, t, &back));
    EXPECT_EQ(GetBytes(s_, back, CKA_EC_PARAMS), kP256Params);
    CK_MECHANISM sm = {CKM_ECDSA_SHA256, nullptr, 0};
    Bytes msg = Str("signed by the unwrapped key");
    Bytes sig;
    ASSERT_CKR_OK(Sign(s_, &sm, back, msg, &sig));
    EXPECT_CKR_OK(Verify(s_, &sm, pub, msg, sig));
    EXPECT_TRUE(OpensslVerify(spki, "SHA256", msg, sig));
  }
};

// RFC 3394 §4.1: 128-bit key data with a 128-bit KEK.
TEST_F(Mech3WrapTest, AesKeyWrapRfc3394) {
  CK_OBJECT_HANDLE kek = Kek(FromHex("000102030405060708090a0b0c0d0e0f"));
  CK_OBJECT_HANDLE key = Target(CKK_AES, FromHex("00112233445566778899aabbccddeeff"));
  CK_MECHANISM m = {CKM_AES_KEY_WRAP, nullptr, 0};
  Bytes wrapped;
  ASSERT_CKR_OK(Wrap(&m, kek, key, &wrapped));
  EXPECT_EQ(ToHex(wrapped), "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5");
  Bytes value;
  ASSERT_CKR_OK(UnwrapValue(&m, kek, wrapped, CKK_AES, &value));
  EXPECT_EQ(ToHex(value), "00112233445566778899aabbccddeeff");
  wrapped[3] ^= 1;
  EXPECT_RV(CKR_WRAPPED_KEY_INVALID, UnwrapValue(&m, kek, wrapped, CKK_AES, &value));
}

// RFC 5649 §6: 20-octet and 7-octet key data with a 192-bit KEK.
TEST_F(Mech3WrapTest, AesKeyWrapKwpRfc5649) {
  CK_OBJECT_HANDLE kek = Kek(FromHex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8"));
  CK_MECHANISM m = {CKM_AES_KEY_WRAP_KWP, nullptr, 0};
  struct {
    const char* key;
    const char* wrapped;
  } cases[] = {{"c37b7e6492584340bed12207808941155068f738",
                "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"},
               {"466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key);
    CK_OBJECT_HANDLE key = Target(CKK_GENERIC_SECRET, FromHex(c.key));
    Bytes wrapped;
    ASSERT_CKR_OK(Wrap(&m, kek, key, &wrapped));
    EXPECT_EQ(ToHex(wrapped), c.wrapped);
    Bytes value;
    ASSERT_CKR_OK(UnwrapValue(&m, kek, wrapped, CKK_GENERIC_SECRET, &value));
    EXPECT_EQ(ToHex(value), c.key);
  }
}

TEST_F(Mech3WrapTest, AesGcmWrapsSecretKey) {
  Bytes kek_v = FromHex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  CK_OBJECT_HANDLE kek = Kek(kek_v);
  Bytes secret = FromHex("0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a090807060504030201000");
  CK_OBJECT_HANDLE key = Target(CKK_AES, secret);
  Bytes iv = FromHex("cafebabefacedbaddecaf888");
  CK_GCM_PARAMS p = {iv.data(), 12, 96, nullptr, 0, 128};
  CK_MECHANISM m = {CKM_AES_GCM, &p, sizeof p};
  Bytes wrapped;
  ASSERT_CKR_OK(Wrap(&m, kek, key, &wrapped));
  ASSERT_EQ(wrapped.size(), secret.size() + 16);
  Bytes pt;
  ASSERT_TRUE(OsslAeadDecrypt("AES-256-GCM", kek_v, iv, {},
                              Bytes(wrapped.begin(), wrapped.end() - 16),
                              Bytes(wrapped.end() - 16, wrapped.end()), &pt));
  EXPECT_EQ(ToHex(pt), ToHex(secret));
  Bytes value;
  ASSERT_CKR_OK(UnwrapValue(&m, kek, wrapped, CKK_AES, &value));
  EXPECT_EQ(ToHex(value), ToHex(secret));
}

TEST_F(Mech3WrapTest, RsaOaepWrapsSecretKey) {
  Pkey rsa = OsslKeygen("RSA", nullptr, 2048);
  ASSERT_NE(rsa, nullptr);
  Template pe;
  pe.Bool(CKA_WRAP, true).Bool(CKA_ENCRYPT, true);
  Template ke;
  ke.Bool(CKA_UNWRAP, true).Bool(CKA_DECRYPT, true);
  CK_OBJECT_HANDLE pub, priv;
  ImportRsa(rsa.get(), &pub, &priv, &pe, &ke);
  ASSERT_NE(priv, CK_INVALID_HANDLE);
  Bytes secret = FromHex("00112233445566778899aabbccddeeff0123456789abcdef");
  CK_OBJECT_HANDLE key = Target(CKK_AES, secret);
  Bytes label = Str("wrap label");
  CK_RSA_PKCS_OAEP_PARAMS p = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, label.data(),
                               static_cast<CK_ULONG>(label.size())};
  CK_MECHANISM m = {CKM_RSA_PKCS_OAEP, &p, sizeof p};
  Bytes wrapped;
  ASSERT_CKR_OK(Wrap(&m, pub, key, &wrapped));
  Bytes pt;
  ASSERT_TRUE(OsslOaepDecrypt(rsa.get(), "SHA256", label, wrapped, &pt));
  EXPECT_EQ(ToHex(pt), ToHex(secret));
  Bytes value;
  ASSERT_CKR_OK(UnwrapValue(&m, priv, wrapped, CKK_AES, &value));
  EXPECT_EQ(ToHex(value), ToHex(secret));
}

TEST_F(Mech3WrapTest, EcPrivateKeyWithAesKwp) {
  Bytes kek_v(32, 0x5c);
  CK_OBJECT_HANDLE kek = Kek(kek_v);
  CK_MECHANISM m = {CKM_AES_KEY_WRAP_KWP, nullptr, 0};
  EcPrivateRoundTrip(&m, kek, [&](const Bytes& w) { return OsslKwpUnwrap(kek_v, w); });
}

TEST_F(Mech3WrapTest, EcPrivateKeyWithAesGcm) {
  Bytes kek_v(16, 0x3a);
  CK_OBJECT_HANDLE kek = Kek(kek_v);
  Bytes iv = FromHex("000102030405060708090a0b");
  CK_GCM_PARAMS p = {iv.data(), 12, 96, nullptr, 0, 128};
  CK_MECHANISM m = {CKM_AES_GCM, &p, sizeof p};
  EcPrivateRoundTrip(&m, kek, [&](const Bytes& w) {
    Bytes pt;
    if (w.size() < 16) return pt;
    OsslAeadDecrypt("AES-128-GCM", kek_v, iv, {}, Bytes(w.begin(), w.end() - 16),
                    Bytes(w.end() - 16, w.end()), &pt);
    return pt;
  });
}

TEST_F(Mech3WrapTest, OnlyExtractableKeysWrap) {
  CK_OBJECT_HANDLE kek = Kek(Bytes(16, 0x01));
  Template t;
  t.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_AES)
      .Data(CKA_VALUE, Bytes(16, 0x02))
      .Bool(CKA_EXTRACTABLE, false);
  CK_OBJECT_HANDLE key = Create(s_, t);
  CK_MECHANISM m = {CKM_AES_KEY_WRAP, nullptr, 0};
  Bytes wrapped;
  EXPECT_RV(CKR_KEY_UNEXTRACTABLE, Wrap(&m, kek, key, &wrapped));
}

TEST_F(Mech3WrapTest, WrapWithTrustedRejectsUntrustedWrappingKey) {
  CK_OBJECT_HANDLE kek = Kek(Bytes(16, 0x01));
  Template more;
  more.Bool(CKA_WRAP_WITH_TRUSTED, true);
  CK_OBJECT_HANDLE key = Target(CKK_AES, Bytes(16, 0x02), &more);
  EXPECT_TRUE(GetBool(s_, key, CKA_WRAP_WITH_TRUSTED));
  CK_MECHANISM m = {CKM_AES_KEY_WRAP, nullptr, 0};
  Bytes wrapped;
  EXPECT_RV(CKR_KEY_NOT_WRAPPABLE, Wrap(&m, kek, key, &wrapped));
}

TEST_F(Mech3WrapTest, WrapWithTrustedAcceptsTrustedWrappingKey) {
  // Only the SO can mark a key CKA_TRUSTED: a public token KEK made by the SO.
  ASSERT_CKR_OK(f_->C_Logout(s_));
  CK_SESSION_HANDLE so = OpenRw();
  ASSERT_CKR_OK(LoginSo(so));
  Template t;
  t.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_AES)
      .Data(CKA_VALUE, Bytes(16, 0x07))
      .Bool(CKA_TOKEN, true)
      .Bool(CKA_PRIVATE, false)
      .Bool(CKA_WRAP, true)
      .Bool(CKA_TRUSTED, true)
      .Text(CKA_LABEL, "trusted kek");
  CK_OBJECT_HANDLE kek = Create(so, t);
  ASSERT_NE(kek, CK_INVALID_HANDLE);
  ASSERT_CKR_OK(f_->C_Logout(so));
  ASSERT_CKR_OK(LoginUser(s_));
  EXPECT_TRUE(GetBool(s_, kek, CKA_TRUSTED));
  Template more;
  more.Bool(CKA_WRAP_WITH_TRUSTED, true);
  CK_OBJECT_HANDLE key = Target(CKK_AES, Bytes(16, 0x02), &more);
  CK_MECHANISM m = {CKM_AES_KEY_WRAP, nullptr, 0};
  Bytes wrapped;
  EXPECT_CKR_OK(Wrap(&m, kek, key, &wrapped));
}

TEST_F(Mech3WrapTest, WrapTemplateIsEnforced) {
  Template inner;
  inner.Ulong(CKA_KEY_TYPE, CKK_AES);
  Template more;
  more.Raw(CKA_WRAP_TEMPLATE, inner.data(), inner.size() * sizeof(CK_ATTRIBUTE));
  CK_OBJECT_HANDLE kek = Kek(Bytes(16, 0x01), &more);
  CK_MECHANISM m = {CKM_AES_KEY_WRAP, nullptr, 0};
  Bytes wrapped;
  CK_OBJECT_HANDLE generic = Target(CKK_GENERIC_SECRET, Bytes(16, 0x02));
  EXPECT_RV(CKR_KEY_NOT_WRAPPABLE, Wrap(&m, kek, generic, &wrapped));
  CK_OBJECT_HANDLE aes = Target(CKK_AES, Bytes(16, 0x03));
  EXPECT_CKR_OK(Wrap(&m, kek, aes, &wrapped));
}

TEST_F(Mech3WrapTest, UnwrapTemplateIsEnforced) {
  Template inner;
  inner.Bool(CKA_EXTRACTABLE, false);
  Template more;
  more.Raw(CKA_UNWRAP_TEMPLATE, inner.data(), inner.size() * sizeof(CK_ATTRIBUTE));
  CK_OBJECT_HANDLE kek = Kek(Bytes(16, 0x01), &more);
  CK_OBJECT_HANDLE key = Target(CKK_AES, Bytes(16, 0x02));
  CK_MECHANISM m = {CKM_AES_KEY_WRAP, nullptr, 0};
  Bytes wrapped;
  ASSERT_CKR_OK(Wrap(&m, kek, key, &wrapped));

  Template conflicting;
  conflicting.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_AES)
      .Bool(CKA_EXTRACTABLE, true);
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  EXPECT_RV(CKR_TEMPLATE_INCONSISTENT, Unwrap(&m, kek, wrapped, conflicting, &h));

  Template fine;
  fine.Ulong(CKA_CLASS, CKO_SECRET_KEY).Ulong(CKA_KEY_TYPE, CKK_AES).Bool(CKA_ENCRYPT, true);
  ASSERT_CKR_OK(Unwrap(&m, kek, wrapped, fine, &h));
  EXPECT_FALSE(GetBool(s_, h, CKA_EXTRACTABLE)) << "the unwrap template applies to the new key";
  EXPECT_FALSE(GetBool(s_, h, CKA_LOCAL));
}

}  // namespace
}  // namespace conformance
