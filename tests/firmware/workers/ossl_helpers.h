// OpenSSL 3 helpers for the MbedCrypto cross-checks (test-only, hosted): key generation,
// PKCS#8 in and out, EC points and scalars, ECDSA signature re-encoding, ECDH, and RSA
// PKCS#1 / PSS signing and verification through EVP_PKEY.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "workers/crypto_test_util.h"

namespace hsm_test {

inline const char* GroupName(wire::KeyType type) {
  return type == wire::KeyType::kEcP256 ? "P-256" : "P-384";
}

inline size_t CurveSize(wire::KeyType type) { return type == wire::KeyType::kEcP256 ? 32 : 48; }

inline Pkey OsslEcKey(wire::KeyType type) {
  return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", GroupName(type)));
}

inline Pkey OsslRsaKey(unsigned bits) {
  return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits)));
}

inline Bytes Pkcs8Of(EVP_PKEY* key) {
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(key);
  if (p8 == nullptr) return {};
  unsigned char* der = nullptr;
  const int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
  Bytes out;
  if (n > 0) out.assign(der, der + n);
  OPENSSL_free(der);
  PKCS8_PRIV_KEY_INFO_free(p8);
  return out;
}

// Strictly PKCS#8 (not the "auto" parser that would also take SEC1 or PKCS#1).
inline Pkey FromPkcs8(const Bytes& der) {
  const unsigned char* p = der.data();
  PKCS8_PRIV_KEY_INFO* p8 = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
  if (p8 == nullptr || p != der.data() + der.size()) {
    PKCS8_PRIV_KEY_INFO_free(p8);
    return nullptr;
  }
  Pkey key(EVP_PKCS82PKEY(p8));
  PKCS8_PRIV_KEY_INFO_free(p8);
  return key;
}

inline Bytes EcPointOf(EVP_PKEY* key) {
  Bytes out(133);
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out.data(), out.size(), &len) !=
      1) {
    return {};
  }
  out.resize(len);
  return out;
}

inline Bytes EcScalarOf(EVP_PKEY* key, size_t size) {
  BIGNUM* d = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) return {};
  Bytes out(size);
  BN_bn2binpad(d, out.data(), static_cast<int>(size));
  BN_clear_free(d);
  return out;
}

inline Pkey EcPublicFromPoint(wire::KeyType type, const Bytes& point) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                       const_cast<char*>(GroupName(type)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<uint8_t*>(point.data()),
                                        point.size()),
      OSSL_PARAM_construct_end()};
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    return nullptr;
  }
  return Pkey(key);
}

// r||s (fixed size) <-> DER ECDSA-Sig-Value.
inline Bytes RsToDer(const Bytes& rs) {
  const size_t n = rs.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(rs.data(), static_cast<int>(n), nullptr),
                 BN_bin2bn(rs.data() + n, static_cast<int>(n), nullptr));
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

inline Bytes DerToRs(const Bytes& der, size_t n) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  Bytes out(2 * n);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), out.data(), static_cast<int>(n));
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), out.data() + n, static_cast<int>(n));
  ECDSA_SIG_free(sig);
  return out;
}

// EVP_PKEY_sign / verify over a prepared input (a digest; for RSA PKCS#1 with no digest
// set, the DigestInfo). `setup` configures padding and the like on the context.
template <class Setup>
Bytes OsslSign(EVP_PKEY* key, const Bytes& in, Setup setup) {
  PkeyCtx ctx = CtxFor(key);
  size_t len = 0;
  if (EVP_PKEY_sign_init(ctx.get()) != 1 || !setup(ctx.get()) ||
      EVP_PKEY_sign(ctx.get(), nullptr, &len, in.data(), in.size()) != 1) {
    return {};
  }
  Bytes out(len);
  if (EVP_PKEY_sign(ctx.get(), out.data(), &len, in.data(), in.size()) != 1) return {};
  out.resize(len);
  return out;
}

template <class Setup>
bool OsslVerify(EVP_PKEY* key, const Bytes& in, const Bytes& sig, Setup setup) {
  PkeyCtx ctx = CtxFor(key);
  return EVP_PKEY_verify_init(ctx.get()) == 1 && setup(ctx.get()) &&
         EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), in.data(), in.size()) == 1;
}

inline bool NoSetup(EVP_PKEY_CTX*) { return true; }

inline bool Pkcs1NoDigest(EVP_PKEY_CTX* ctx) {
  return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1;
}

inline const EVP_MD* OsslMd(wire::HashAlg hash) {
  switch (hash) {
    case wire::HashAlg::kSha256:
      return EVP_sha256();
    case wire::HashAlg::kSha384:
      return EVP_sha384();
    default:
      return EVP_sha512();
  }
}

// PSS over a digest with `md` for the hash and MGF1 and a fixed salt length.
inline auto Pss(wire::HashAlg hash, int salt) {
  return [hash, salt](EVP_PKEY_CTX* ctx) {
    return EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_signature_md(ctx, OsslMd(hash)) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, OsslMd(hash)) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, salt) == 1;
  };
}

inline Bytes OsslDerive(EVP_PKEY* priv, EVP_PKEY* peer) {
  PkeyCtx ctx = CtxFor(priv);
  size_t len = 0;
  if (EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    return {};
  }
  Bytes out(len);
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) return {};
  out.resize(len);
  return out;
}

inline Bytes OsslDigest(wire::HashAlg hash, const Bytes& data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, OsslMd(hash), nullptr);
  out.resize(len);
  return out;
}

// PKCS#1 RSAPublicKey DER of an OpenSSL RSA key.
inline Bytes RsaPublicDer(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PublicKey(key, &der);
  Bytes out;
  if (n > 0) out.assign(der, der + n);
  OPENSSL_free(der);
  return out;
}

inline Pkey RsaFromPublicDer(const Bytes& der) {
  const unsigned char* p = der.data();
  return Pkey(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, static_cast<long>(der.size())));
}

}  // namespace hsm_test
