#include "fixture3.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>

namespace conformance {

const Bytes kEd25519Oid = {0x06, 0x03, 0x2b, 0x65, 0x70};
const Bytes kEd25519Printable = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                                 'd',  's',  '2', '5', '5', '1', '9'};
const Bytes kEd448Oid = {0x06, 0x03, 0x2b, 0x65, 0x71};
const Bytes kX25519Oid = {0x06, 0x03, 0x2b, 0x65, 0x6e};
const Bytes kX448Oid = {0x06, 0x03, 0x2b, 0x65, 0x6f};
const Bytes kSecp256k1Params = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};
const Bytes kBrainpoolP256r1 = {0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07};
const Bytes kBrainpoolP384r1 = {0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0b};
const Bytes kBrainpoolP512r1 = {0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0d};

// ---- OpenSSL ----------------------------------------------------------------------------

Pkey PkeyFromSpki(const Bytes& spki) {
  const unsigned char* p = spki.data();
  return Pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
}

Pkey OsslKeygen(const char* type, const char* group, unsigned rsa_bits) {
  if (rsa_bits != 0) return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{rsa_bits}));
  if (group != nullptr) return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, type, group));
  return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, type));
}

Bytes OsslSpki(EVP_PKEY* k) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(k, &der);
  Bytes out;
  if (len > 0) out.assign(der, der + len);
  OPENSSL_free(der);
  return out;
}

Bytes OsslRawPublic(EVP_PKEY* k) {
  size_t len = 0;
  if (k == nullptr || EVP_PKEY_get_raw_public_key(k, nullptr, &len) != 1) return {};
  Bytes out(len);
  if (EVP_PKEY_get_raw_public_key(k, out.data(), &len) != 1) return {};
  out.resize(len);
  return out;
}

Bytes OsslEcPoint(EVP_PKEY* k) {
  size_t len = 0;
  if (k == nullptr || EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                                      nullptr, 0, &len) != 1) {
    return {};
  }
  Bytes out(len);
  if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, out.data(), out.size(),
                                      &len) != 1) {
    return {};
  }
  out.resize(len);
  return out;
}

Bytes OsslDerive(EVP_PKEY* priv, EVP_PKEY* peer) {
  Bytes out;
  if (priv == nullptr || peer == nullptr) return out;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(priv, nullptr);
  size_t len = 0;
  if (EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
      EVP_PKEY_derive(ctx, nullptr, &len) == 1) {
    out.resize(len);
    if (EVP_PKEY_derive(ctx, out.data(), &len) == 1) {
      out.resize(len);
    } else {
      out.clear();
    }
  }
  EVP_PKEY_CTX_free(ctx);
  return out;
}

namespace {

Bytes Bn(const BIGNUM* bn) {
  Bytes out(static_cast<size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}

Bytes BnParam(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) return {};
  Bytes out = Bn(bn);
  BN_clear_free(bn);
  return out;
}

}  // namespace

bool OsslVerifyAny(EVP_PKEY* k, const char* md, const Bytes& data, const Bytes& sig) {
  if (k == nullptr) return false;
  Bytes s = sig;
  if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) s = EcdsaRawToDer(sig);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = false;
  if (EVP_DigestVerifyInit_ex(ctx, nullptr, md, nullptr, nullptr, k, nullptr) == 1) {
    ok = EVP_DigestVerify(ctx, s.data(), s.size(), data.data(), data.size()) == 1;
  }
  EVP_MD_CTX_free(ctx);
  return ok;
}

Bytes OsslHmac(const char* md, const Bytes& key, const Bytes& data) {
  Bytes out(EVP_MAX_MD_SIZE);
  size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, md, nullptr, key.data(), key.size(), data.data(),
                data.size(), out.data(), out.size(), &len) == nullptr) {
    return {};
  }
  out.resize(len);
  return out;
}

bool OsslAeadDecrypt(const char* cipher, const Bytes& key, const Bytes& iv, const Bytes& aad,
                     const Bytes& ct, const Bytes& tag, Bytes* pt) {
  EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, cipher, nullptr);
  if (c == nullptr) return false;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  bool ok = false;
  int len = 0;
  pt->assign(ct.size() + 16, 0);
  if (EVP_DecryptInit_ex2(ctx, c, nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(iv.size()), nullptr) ==
          1 &&
      EVP_DecryptInit_ex2(ctx, nullptr, key.data(), iv.data(), nullptr) == 1 &&
      (aad.empty() ||
       EVP_DecryptUpdate(ctx, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1) &&
      EVP_DecryptUpdate(ctx, pt->data(), &len, ct.data(), static_cast<int>(ct.size())) == 1) {
    int total = len;
    Bytes t = tag;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(t.size()), t.data()) ==
            1 &&
        EVP_DecryptFinal_ex(ctx, pt->data() + total, &len) == 1) {
      pt->resize(static_cast<size_t>(total + len));
      ok = true;
    }
  }
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(c);
  if (!ok) pt->clear();
  return ok;
}

namespace {

enum class CipherUse { kPlain, kPadded, kUnwrap };

// One EVP cipher pass: encryption without padding (kPlain) or with PKCS#7 padding (kPadded),
// or key-wrap decryption (kUnwrap); empty on failure.
Bytes OsslCipherRun(const char* cipher, CipherUse use, const Bytes& key, const Bytes& iv,
                    const Bytes& in) {
  EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, cipher, nullptr);
  if (c == nullptr) return {};
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  const bool decrypt = use == CipherUse::kUnwrap;
  if (decrypt) EVP_CIPHER_CTX_set_flags(ctx, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
  Bytes out(in.size() + 32);
  int len = 0;
  int total = 0;
  const unsigned char* iv_or_null = iv.empty() ? nullptr : iv.data();
  bool ok = EVP_CipherInit_ex2(ctx, c, key.data(), iv_or_null, decrypt ? 0 : 1, nullptr) == 1 &&
            (use != CipherUse::kPlain || EVP_CIPHER_CTX_set_padding(ctx, 0) == 1) &&
            EVP_CipherUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size())) == 1;
  total = len;
  ok = ok && EVP_CipherFinal_ex(ctx, out.data() + total, &len) == 1;
  total += len;
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(c);
  if (!ok) return {};
  out.resize(static_cast<size_t>(total));
  return out;
}

}  // namespace

Bytes OsslCipher(const char* cipher, const Bytes& key, const Bytes& iv, const Bytes& in) {
  return OsslCipherRun(cipher, CipherUse::kPlain, key, iv, in);
}

Bytes OsslCipherPadded(const char* cipher, const Bytes& key, const Bytes& iv, const Bytes& in) {
  return OsslCipherRun(cipher, CipherUse::kPadded, key, iv, in);
}

Bytes OsslKwpUnwrap(const Bytes& kek, const Bytes& wrapped) {
  const char* name = kek.size() == 16   ? "AES-128-WRAP-PAD"
                     : kek.size() == 24 ? "AES-192-WRAP-PAD"
                                        : "AES-256-WRAP-PAD";
  return OsslCipherRun(name, CipherUse::kUnwrap, kek, {}, wrapped);
}

namespace {

bool Oaep(EVP_PKEY* k, bool enc, const char* md, const Bytes& label, const Bytes& in, Bytes* out) {
  if (k == nullptr) return false;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(k, nullptr);
  bool ok = (enc ? EVP_PKEY_encrypt_init(ctx) : EVP_PKEY_decrypt_init(ctx)) == 1 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
            EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, md, nullptr) == 1 &&
            EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, md, nullptr) == 1;
  if (ok && !label.empty()) {
    unsigned char* l = static_cast<unsigned char*>(OPENSSL_memdup(label.data(), label.size()));
    ok = EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, l, static_cast<int>(label.size())) == 1;
    if (!ok) OPENSSL_free(l);
  }
  size_t len = 0;
  ok = ok && (enc ? EVP_PKEY_encrypt(ctx, nullptr, &len, in.data(), in.size())
                  : EVP_PKEY_decrypt(ctx, nullptr, &len, in.data(), in.size())) == 1;
  if (ok) {
    out->assign(len, 0);
    ok = (enc ? EVP_PKEY_encrypt(ctx, out->data(), &len, in.data(), in.size())
              : EVP_PKEY_decrypt(ctx, out->data(), &len, in.data(), in.size())) == 1;
    if (ok) out->resize(len);
  }
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

}  // namespace

bool OsslOaepEncrypt(EVP_PKEY* k, const char* md, const Bytes& label, const Bytes& in, Bytes* out) {
  return Oaep(k, true, md, label, in, out);
}

bool OsslOaepDecrypt(EVP_PKEY* k, const char* md, const Bytes& label, const Bytes& in, Bytes* out) {
  return Oaep(k, false, md, label, in, out);
}

// ---- Fixture ----------------------------------------------------------------------------

void Mech3Test::SetUp() {
  TokenTest::SetUp();
  if (HasFatalFailure()) return;
  f3_ = Fn3();
  ASSERT_NE(f3_, nullptr) << "C_GetInterface(\"PKCS 11\", 3.0) must be available";
  s_ = UserSession();
  ASSERT_NE(s_, CK_INVALID_HANDLE);
}

void Mech3Test::ReadableSecretTemplate(Template* t, CK_ULONG len, CK_KEY_TYPE type) {
  t->Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, type)
      .Bool(CKA_SENSITIVE, false)
      .Bool(CKA_EXTRACTABLE, true);
  if (len != 0) t->Ulong(CKA_VALUE_LEN, len);
}

CK_RV Mech3Test::Derive(CK_MECHANISM* m, CK_OBJECT_HANDLE base, Template& t,
                        CK_OBJECT_HANDLE* out) {
  *out = CK_INVALID_HANDLE;
  return f_->C_DeriveKey(s_, m, base, t.size() ? t.data() : nullptr, t.size(), out);
}

CK_RV Mech3Test::DeriveValue(CK_MECHANISM* m, CK_OBJECT_HANDLE base, CK_ULONG len, Bytes* value) {
  Template t;
  ReadableSecretTemplate(&t, len);
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  CK_RV rv = Derive(m, base, t, &h);
  if (rv != CKR_OK) return rv;
  *value = GetBytes(s_, h, CKA_VALUE, &rv);
  return rv;
}

CK_OBJECT_HANDLE Mech3Test::DeriveBase(const Bytes& value, Template* extra) {
  Template t;
  t.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
      .Data(CKA_VALUE, value)
      .Bool(CKA_DERIVE, true);
  std::vector<CK_ATTRIBUTE> attrs;
  for (CK_ULONG i = 0; i < t.size(); ++i) {
    bool overridden = false;
    for (CK_ULONG j = 0; extra != nullptr && j < extra->size(); ++j) {
      overridden = overridden || extra->data()[j].type == t.data()[i].type;
    }
    if (!overridden) attrs.push_back(t.data()[i]);
  }
  for (CK_ULONG j = 0; extra != nullptr && j < extra->size(); ++j)
    attrs.push_back(extra->data()[j]);
  CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
  EXPECT_CKR_OK(f_->C_CreateObject(s_, attrs.data(), attrs.size(), &h)) << "derivation base key";
  return h;
}

CK_RV Mech3Test::Wrap(CK_MECHANISM* m, CK_OBJECT_HANDLE wrapping, CK_OBJECT_HANDLE key,
                      Bytes* out) {
  CK_ULONG len = 0;
  CK_RV rv = f_->C_WrapKey(s_, m, wrapping, key, nullptr, &len);
  if (rv != CKR_OK) return rv;
  out->assign(len, 0);
  rv = f_->C_WrapKey(s_, m, wrapping, key, out->data(), &len);
  if (rv == CKR_OK) out->resize(len);
  return rv;
}

CK_RV Mech3Test::Unwrap(CK_MECHANISM* m, CK_OBJECT_HANDLE unwrapping, const Bytes& wrapped,
                        Template& t, CK_OBJECT_HANDLE* out) {
  Bytes w = wrapped;
  *out = CK_INVALID_HANDLE;
  return f_->C_UnwrapKey(s_, m, unwrapping, w.data(), w.size(), t.data(), t.size(), out);
}

CK_RV Mech3Test::GenerateKeyPair(CK_MECHANISM_TYPE mech, Template& pub_t, Template& priv_t,
                                 CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv) {
  CK_MECHANISM m = {mech, nullptr, 0};
  *pub = *priv = CK_INVALID_HANDLE;
  return f_->C_GenerateKeyPair(s_, &m, pub_t.data(), pub_t.size(), priv_t.data(), priv_t.size(),
                               pub, priv);
}

void Mech3Test::ImportRsa(EVP_PKEY* k, CK_OBJECT_HANDLE* pub, CK_OBJECT_HANDLE* priv,
                          Template* pub_extra, Template* priv_extra) {
  Template pt;
  pt.Ulong(CKA_CLASS, CKO_PUBLIC_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_RSA)
      .Data(CKA_MODULUS, BnParam(k, OSSL_PKEY_PARAM_RSA_N))
      .Data(CKA_PUBLIC_EXPONENT, BnParam(k, OSSL_PKEY_PARAM_RSA_E));
  if (pub_extra == nullptr) {
    pt.Bool(CKA_ENCRYPT, true).Bool(CKA_VERIFY, true).Bool(CKA_VERIFY_RECOVER, true);
  }
  Template kt;
  kt.Ulong(CKA_CLASS, CKO_PRIVATE_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_RSA)
      .Bool(CKA_PRIVATE, true)
      .Bool(CKA_SENSITIVE, true)
      .Data(CKA_MODULUS, BnParam(k, OSSL_PKEY_PARAM_RSA_N))
      .Data(CKA_PUBLIC_EXPONENT, BnParam(k, OSSL_PKEY_PARAM_RSA_E))
      .Data(CKA_PRIVATE_EXPONENT, BnParam(k, OSSL_PKEY_PARAM_RSA_D))
      .Data(CKA_PRIME_1, BnParam(k, OSSL_PKEY_PARAM_RSA_FACTOR1))
      .Data(CKA_PRIME_2, BnParam(k, OSSL_PKEY_PARAM_RSA_FACTOR2))
      .Data(CKA_EXPONENT_1, BnParam(k, OSSL_PKEY_PARAM_RSA_EXPONENT1))
      .Data(CKA_EXPONENT_2, BnParam(k, OSSL_PKEY_PARAM_RSA_EXPONENT2))
      .Data(CKA_COEFFICIENT, BnParam(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
  if (priv_extra == nullptr) {
    kt.Bool(CKA_DECRYPT, true).Bool(CKA_SIGN, true).Bool(CKA_SIGN_RECOVER, true);
  }
  std::vector<CK_ATTRIBUTE> pa(pt.data(), pt.data() + pt.size());
  std::vector<CK_ATTRIBUTE> ka(kt.data(), kt.data() + kt.size());
  if (pub_extra != nullptr)
    pa.insert(pa.end(), pub_extra->data(), pub_extra->data() + pub_extra->size());
  if (priv_extra != nullptr) {
    ka.insert(ka.end(), priv_extra->data(), priv_extra->data() + priv_extra->size());
  }
  *pub = *priv = CK_INVALID_HANDLE;
  EXPECT_CKR_OK(f_->C_CreateObject(s_, pa.data(), pa.size(), pub)) << "RSA public key import";
  EXPECT_CKR_OK(f_->C_CreateObject(s_, ka.data(), ka.size(), priv)) << "RSA private key import";
}

Pkey Mech3Test::TokenPublic(CK_OBJECT_HANDLE pub) {
  Bytes spki = GetBytes(s_, pub, CKA_PUBLIC_KEY_INFO);
  EXPECT_FALSE(spki.empty()) << "CKA_PUBLIC_KEY_INFO of the public key";
  Pkey k = PkeyFromSpki(spki);
  EXPECT_NE(k, nullptr) << "CKA_PUBLIC_KEY_INFO is not a SubjectPublicKeyInfo OpenSSL accepts";
  return k;
}

CK_MECHANISM_INFO Mech3Test::MechInfo(CK_MECHANISM_TYPE mech, CK_RV* rv) {
  CK_MECHANISM_INFO info = {};
  *rv = f_->C_GetMechanismInfo(slot_, mech, &info);
  return info;
}

}  // namespace conformance
