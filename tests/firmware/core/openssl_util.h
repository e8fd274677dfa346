// OpenSSL helpers the firmware core tests check device results against: reference keys,
// PKCS#8 encodings, signature verification, ECDH, HMAC, AES and RFC 5649 unwrapping. Test
// code only (hosted, heap, OpenSSL 3 EVP API).
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "workers/ossl_helpers.h"

namespace arca_test {

using Bytes = std::vector<uint8_t>;

// Keys, PKCS#8, EC points and scalars, RSA public keys and ECDH come from the worker tests'
// helpers (workers/ossl_helpers.h); this header adds what the core tests need on top.
using hsm_test::EcPointOf;
using hsm_test::EcPublicFromPoint;
using hsm_test::EcScalarOf;
using hsm_test::OsslDerive;
using hsm_test::OsslEcKey;
using hsm_test::OsslRsaKey;
using hsm_test::Pkcs8Of;
using hsm_test::Pkey;
using hsm_test::PkeyCtx;
using hsm_test::RsaFromPublicDer;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

inline Bytes Sha(const EVP_MD* md, std::span<const uint8_t> data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr);
  out.resize(len);
  return out;
}

inline bool VerifyEcdsa(EVP_PKEY* key, std::span<const uint8_t> digest,
                        std::span<const uint8_t> rs) {
  if (rs.empty() || rs.size() % 2 != 0) return false;
  size_t half = rs.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(rs.data(), static_cast<int>(half), nullptr),
                 BN_bin2bn(rs.data() + half, static_cast<int>(half), nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  PkeyCtx ctx(EVP_PKEY_CTX_new(key, nullptr));
  bool ok = der_len > 0 && EVP_PKEY_verify_init(ctx.get()) == 1 &&
            EVP_PKEY_verify(ctx.get(), der, der_len, digest.data(), digest.size()) == 1;
  OPENSSL_free(der);
  return ok;
}

inline bool VerifyRsa(EVP_PKEY* key, const EVP_MD* md, std::span<const uint8_t> digest,
                      std::span<const uint8_t> sig, bool pss, int salt) {
  PkeyCtx ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (EVP_PKEY_verify_init(ctx.get()) != 1) return false;
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1) return false;
  if (pss) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), salt) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) != 1) {
      return false;
    }
  } else if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
    return false;
  }
  return EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), digest.data(), digest.size()) == 1;
}

// DER DigestInfo for SHA-256 (RFC 8017 §9.2 note 1) followed by the digest.
inline Bytes DigestInfoSha256(std::span<const uint8_t> digest) {
  Bytes out = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
               0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

inline Bytes UnwrapKwpOpenssl(std::span<const uint8_t> kek, std::span<const uint8_t> wrapped) {
  const EVP_CIPHER* cipher = kek.size() == 16 ? EVP_aes_128_wrap_pad() : EVP_aes_256_wrap_pad();
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  Bytes out(wrapped.size() + 16);
  int len = 0, fin = 0;
  if (EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, kek.data(), nullptr) != 1 ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, wrapped.data(),
                        static_cast<int>(wrapped.size())) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &fin) != 1) {
    return {};
  }
  out.resize(len + fin);
  return out;
}

inline Bytes WrapKwpOpenssl(std::span<const uint8_t> kek, std::span<const uint8_t> plain) {
  const EVP_CIPHER* cipher = kek.size() == 16 ? EVP_aes_128_wrap_pad() : EVP_aes_256_wrap_pad();
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  Bytes out(plain.size() + 32);
  int len = 0, fin = 0;
  if (EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, kek.data(), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, plain.data(),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &fin) != 1) {
    return {};
  }
  out.resize(len + fin);
  return out;
}

inline Bytes HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  Bytes out(32);
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &len);
  out.resize(len);
  return out;
}

// AES with OpenSSL: GCM (16-byte tag appended) or CBC with/without PKCS#7 padding.
inline Bytes AesEncryptOpenssl(const EVP_CIPHER* cipher, std::span<const uint8_t> key,
                               std::span<const uint8_t> iv, std::span<const uint8_t> data, bool pad,
                               std::span<const uint8_t> aad = {}) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  bool gcm = EVP_CIPHER_get_mode(cipher) == EVP_CIPH_GCM_MODE;
  Bytes out(data.size() + 32);
  int len = 0, fin = 0;
  EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr);
  if (gcm) {
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr);
  }
  EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data());
  EVP_CIPHER_CTX_set_padding(ctx.get(), pad ? 1 : 0);
  if (gcm && !aad.empty()) {
    EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size()));
  }
  EVP_EncryptUpdate(ctx.get(), out.data(), &len, data.data(), static_cast<int>(data.size()));
  EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &fin);
  out.resize(len + fin);
  if (gcm) {
    uint8_t tag[16];
    EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, tag);
    out.insert(out.end(), tag, tag + 16);
  }
  return out;
}

}  // namespace arca_test
