// asym::PublicKeyInfo builds CKA_PUBLIC_KEY_INFO for EC and RFC 8410 keys from their parts
// (it skips OpenSSL's encoder framework for speed); the bytes must be exactly what
// i2d_PUBKEY writes for the same key, for every curve the token supports.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mechanisms/asym_test_util.h"
#include "mechanisms/asym_util.h"

namespace p11 {
namespace {

using asym_test::Bytes;

Bytes I2dPubkey(EVP_PKEY* pkey) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(pkey, &der);
  EXPECT_GT(len, 0);
  Bytes out(der, der + (len > 0 ? len : 0));
  OPENSSL_free(der);
  return out;
}

Bytes PublicKeyInfoOf(EVP_PKEY* pkey) {
  auto info = asym::PublicKeyInfo(pkey);
  EXPECT_TRUE(info.ok()) << info.rv();
  return info.ok() ? Bytes(info->begin(), info->end()) : Bytes();
}

TEST(PublicKeyInfo, EcKeysMatchI2dPubkeyOnEveryCurve) {
  for (const char* group : {"prime256v1", "secp384r1", "secp521r1", "secp256k1", "brainpoolP256r1",
                            "brainpoolP384r1", "brainpoolP512r1"}) {
    SCOPED_TRACE(group);
    ossl::UniquePtr<EVP_PKEY> key(EVP_EC_gen(group));
    ASSERT_NE(key, nullptr);
    ASSERT_NE(asym::CurveOfKey(key.get()), nullptr) << "a curve the token lists";
    EXPECT_EQ(PublicKeyInfoOf(key.get()), I2dPubkey(key.get()));
  }
}

TEST(PublicKeyInfo, Rfc8410KeysMatchI2dPubkey) {
  for (const char* type : {"ED25519", "ED448", "X25519", "X448"}) {
    SCOPED_TRACE(type);
    ossl::UniquePtr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, type));
    ASSERT_NE(key, nullptr);
    EXPECT_EQ(PublicKeyInfoOf(key.get()), I2dPubkey(key.get()));
  }
}

TEST(PublicKeyInfo, RsaKeysGoThroughTheEncoder) {
  ossl::UniquePtr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(PublicKeyInfoOf(key.get()), I2dPubkey(key.get()));
}

}  // namespace
}  // namespace p11
