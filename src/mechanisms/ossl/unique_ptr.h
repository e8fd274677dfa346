// Owners for OpenSSL handles, so business code never calls a *_free function by hand.
// ossl::UniquePtr<EVP_PKEY> p(EVP_PKEY_new()); — the deleter is picked by type.
#pragma once

#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <memory>

namespace ossl {

template <class T>
struct Deleter;

#define ARCA_OSSL_DELETER(type, fn)           \
  template <>                                 \
  struct Deleter<type> {                      \
    void operator()(type* p) const { fn(p); } \
  };

ARCA_OSSL_DELETER(EVP_PKEY, EVP_PKEY_free)
ARCA_OSSL_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free)
ARCA_OSSL_DELETER(EVP_MD_CTX, EVP_MD_CTX_free)
ARCA_OSSL_DELETER(EVP_MD, EVP_MD_free)
ARCA_OSSL_DELETER(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free)
ARCA_OSSL_DELETER(EVP_CIPHER, EVP_CIPHER_free)
ARCA_OSSL_DELETER(EVP_MAC, EVP_MAC_free)
ARCA_OSSL_DELETER(EVP_MAC_CTX, EVP_MAC_CTX_free)
ARCA_OSSL_DELETER(EVP_KDF, EVP_KDF_free)
ARCA_OSSL_DELETER(EVP_KDF_CTX, EVP_KDF_CTX_free)
ARCA_OSSL_DELETER(BIGNUM, BN_clear_free)
ARCA_OSSL_DELETER(BN_CTX, BN_CTX_free)
ARCA_OSSL_DELETER(OSSL_PARAM_BLD, OSSL_PARAM_BLD_free)
ARCA_OSSL_DELETER(OSSL_PARAM, OSSL_PARAM_free)
ARCA_OSSL_DELETER(X509, X509_free)
ARCA_OSSL_DELETER(X509_NAME, X509_NAME_free)
ARCA_OSSL_DELETER(X509_PUBKEY, X509_PUBKEY_free)
ARCA_OSSL_DELETER(ASN1_OBJECT, ASN1_OBJECT_free)
ARCA_OSSL_DELETER(ASN1_OCTET_STRING, ASN1_OCTET_STRING_free)
ARCA_OSSL_DELETER(ECDSA_SIG, ECDSA_SIG_free)
ARCA_OSSL_DELETER(BIO, BIO_free_all)
ARCA_OSSL_DELETER(PKCS8_PRIV_KEY_INFO, PKCS8_PRIV_KEY_INFO_free)
ARCA_OSSL_DELETER(EC_GROUP, EC_GROUP_free)
ARCA_OSSL_DELETER(EC_POINT, EC_POINT_free)
ARCA_OSSL_DELETER(OSSL_DECODER_CTX, OSSL_DECODER_CTX_free)
ARCA_OSSL_DELETER(OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free)

#undef ARCA_OSSL_DELETER

template <class T>
using UniquePtr = std::unique_ptr<T, Deleter<T>>;

template <class T>
UniquePtr<T> Own(T* p) {
  return UniquePtr<T>(p);
}

}  // namespace ossl
