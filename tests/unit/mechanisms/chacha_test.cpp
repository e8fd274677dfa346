// ChaCha20 and ChaCha20-Poly1305 (PKCS#11 3.1 §6.60-6.63): RFC 8439 §2.4.2 and §2.8.2 known
// answers, both CK_CHACHA20_PARAMS layouts against OpenSSL, counter limits, tag checks,
// parameter and key checks, and key generation.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>

#include "mechanisms/registry.h"
#include "registry_suite.h"
#include "sym_test_util.h"

namespace p11 {
namespace {

using symtest::Bytes;

Bytes Random(size_t n) {
  Bytes out(n);
  if (n > 0) {
    EXPECT_EQ(RAND_bytes(out.data(), static_cast<int>(n)), 1);
  }
  return out;
}

CK_CHACHA20_PARAMS Stream(Bytes& counter, Bytes& nonce) {
  return CK_CHACHA20_PARAMS{counter.data(), counter.size() * 8, nonce.data(), nonce.size() * 8};
}

CK_SALSA20_CHACHA20_POLY1305_PARAMS Poly(Bytes& nonce, Bytes& aad) {
  return CK_SALSA20_CHACHA20_POLY1305_PARAMS{nonce.data(), nonce.size(),
                                             aad.empty() ? nullptr : aad.data(), aad.size()};
}

// OpenSSL's ChaCha20 with its 16-byte IV given directly.
Bytes OsslChacha(const Bytes& key, const Bytes& iv16, const Bytes& in) {
  EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes out(in.size());
  int len = 0;
  EXPECT_EQ(EVP_EncryptInit_ex2(ctx, c, key.data(), iv16.data(), nullptr), 1);
  EXPECT_EQ(EVP_EncryptUpdate(ctx, out.data(), &len, in.data(), in.size()), 1);
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(c);
  return out;
}

using ChachaTest = RegistrySuite<RegisterChacha>;

TEST_F(ChachaTest, RegistersWithInfo) {
  EXPECT_EQ(Mech(CKM_CHACHA20_KEY_GEN).info().flags, CKF_GENERATE);
  EXPECT_EQ(Mech(CKM_CHACHA20_KEY_GEN).GeneratedKeyType(), CKK_CHACHA20);
  EXPECT_EQ(Mech(CKM_CHACHA20).info().flags, CKF_ENCRYPT | CKF_DECRYPT);
  EXPECT_EQ(Mech(CKM_CHACHA20_POLY1305).info().flags,
            CKF_ENCRYPT | CKF_DECRYPT | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT);
  for (CK_MECHANISM_TYPE t : {CKM_CHACHA20_KEY_GEN, CKM_CHACHA20, CKM_CHACHA20_POLY1305}) {
    EXPECT_EQ(Mech(t).info().ulMinKeySize, 32u);
    EXPECT_EQ(Mech(t).info().ulMaxKeySize, 32u);
  }
  EXPECT_TRUE(Mech(CKM_CHACHA20).AcceptsKeyType(CKK_CHACHA20));
  EXPECT_FALSE(Mech(CKM_CHACHA20_POLY1305).AcceptsKeyType(CKK_AES));
}

TEST_F(ChachaTest, Rfc8439KnownAnswers) {
  auto records = symtest::ReadRecords("chacha.txt");
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : records) {
    KeyMaterial key = symtest::SecretKey(CKK_CHACHA20, symtest::Field(r, "Key"));
    Bytes nonce = symtest::Field(r, "Nonce"), pt = symtest::Field(r, "Plaintext");
    Bytes ct = symtest::Field(r, "Ciphertext");
    if (r.at("Mode") == "CHACHA20") {
      Bytes counter = symtest::Field(r, "Counter");
      CK_CHACHA20_PARAMS p = Stream(counter, nonce);
      symtest::ExpectCipherBothWays(Mech(CKM_CHACHA20), symtest::ParamBytes(p), key, pt, ct);
    } else {
      Bytes aad = symtest::Field(r, "AAD");
      CK_SALSA20_CHACHA20_POLY1305_PARAMS p = Poly(nonce, aad);
      symtest::ExpectCipherBothWays(Mech(CKM_CHACHA20_POLY1305), symtest::ParamBytes(p), key, pt,
                                    symtest::Concat(ct, symtest::Field(r, "Tag")));
    }
  }
}

TEST_F(ChachaTest, BothCounterLayoutsMatchOpenSsl) {
  Bytes k = Random(32), pt = Random(300);
  KeyMaterial key = symtest::SecretKey(CKK_CHACHA20, k);
  // 32-bit counter, 96-bit nonce; and 64-bit counter, 64-bit nonce (carry past word 12).
  Bytes c32 = {5, 0, 0, 0}, n96 = Random(12);
  Bytes c64 = {0xfe, 0xff, 0xff, 0xff, 7, 0, 0, 0}, n64 = Random(8);
  for (auto [counter, nonce] : {std::pair{c32, n96}, std::pair{c64, n64}}) {
    CK_CHACHA20_PARAMS p = Stream(counter, nonce);
    auto ct = symtest::CipherMultiPart(Mech(CKM_CHACHA20), true, symtest::ParamBytes(p), key, pt,
                                       {1, 64, 65, 200});
    ASSERT_TRUE(ct.ok()) << ct.rv();
    EXPECT_EQ(*ct, OsslChacha(k, symtest::Concat(counter, nonce), pt)) << counter.size();
  }
}

TEST_F(ChachaTest, Rfc8439CounterMustNotWrap) {
  KeyMaterial key = symtest::SecretKey(CKK_CHACHA20, Random(32));
  Bytes counter = {0xff, 0xff, 0xff, 0xff}, nonce = Random(12);  // one block left
  CK_CHACHA20_PARAMS p = Stream(counter, nonce);
  EXPECT_TRUE(
      symtest::CipherOneShot(Mech(CKM_CHACHA20), true, symtest::ParamBytes(p), key, Bytes(64))
          .ok());
  EXPECT_EQ(
      symtest::CipherOneShot(Mech(CKM_CHACHA20), true, symtest::ParamBytes(p), key, Bytes(65)).rv(),
      CKR_DATA_LEN_RANGE);
}

TEST_F(ChachaTest, BadParameters) {
  KeyMaterial key = symtest::SecretKey(CKK_CHACHA20, Random(32));
  Bytes c4(4), c8(8), n8(8), n12(12);
  for (CK_CHACHA20_PARAMS p :
       {Stream(c4, n8), Stream(c8, n12), CK_CHACHA20_PARAMS{nullptr, 32, n12.data(), 96}}) {
    EXPECT_EQ(Mech(CKM_CHACHA20).BeginEncrypt(symtest::ParamBytes(p), key).rv(),
              CKR_MECHANISM_PARAM_INVALID);
  }
  Bytes aad;
  // Only the RFC 8439 96-bit nonce is taken for the AEAD.
  CK_SALSA20_CHACHA20_POLY1305_PARAMS eight = Poly(n8, aad);
  EXPECT_EQ(Mech(CKM_CHACHA20_POLY1305).BeginEncrypt(symtest::ParamBytes(eight), key).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  CK_SALSA20_CHACHA20_POLY1305_PARAMS null_aad = Poly(n12, aad);
  null_aad.ulAADLen = 3;
  EXPECT_EQ(Mech(CKM_CHACHA20_POLY1305).BeginEncrypt(symtest::ParamBytes(null_aad), key).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Mech(CKM_CHACHA20_POLY1305).BeginEncrypt(n12, key).rv(), CKR_MECHANISM_PARAM_INVALID);
  KeyMaterial short_key = symtest::SecretKey(CKK_CHACHA20, Random(16));
  CK_SALSA20_CHACHA20_POLY1305_PARAMS good = Poly(n12, aad);
  EXPECT_EQ(Mech(CKM_CHACHA20_POLY1305).BeginEncrypt(symtest::ParamBytes(good), short_key).rv(),
            CKR_KEY_SIZE_RANGE);
}

TEST_F(ChachaTest, PolyTamperingIsDetected) {
  KeyMaterial key = symtest::SecretKey(CKK_CHACHA20, Random(32));
  Bytes nonce = Random(12), aad = Random(9), pt = Random(50);
  CK_SALSA20_CHACHA20_POLY1305_PARAMS p = Poly(nonce, aad);
  auto ct =
      symtest::CipherOneShot(Mech(CKM_CHACHA20_POLY1305), true, symtest::ParamBytes(p), key, pt);
  ASSERT_TRUE(ct.ok());
  for (size_t i : {size_t{0}, size_t{49}, size_t{50}, size_t{65}}) {
    Bytes bad = *ct;
    bad[i] ^= 4;
    EXPECT_EQ(symtest::CipherMultiPart(Mech(CKM_CHACHA20_POLY1305), false, symtest::ParamBytes(p),
                                       key, bad, {20})
                  .rv(),
              CKR_ENCRYPTED_DATA_INVALID);
  }
  EXPECT_EQ(symtest::CipherOneShot(Mech(CKM_CHACHA20_POLY1305), false, symtest::ParamBytes(p), key,
                                   Bytes(15))
                .rv(),
            CKR_ENCRYPTED_DATA_LEN_RANGE);
}

TEST_F(ChachaTest, KeyGeneration) {
  const Mechanism& gen = Mech(CKM_CHACHA20_KEY_GEN);
  Object a, b;
  ASSERT_TRUE(gen.GenerateKey({}, a).ok());  // CKA_VALUE_LEN may be left out
  b.SetUlong(CKA_VALUE_LEN, 32);
  ASSERT_TRUE(gen.GenerateKey({}, b).ok());
  EXPECT_EQ(a.GetBytes(CKA_VALUE).size(), 32u);
  EXPECT_EQ(a.GetUlong(CKA_VALUE_LEN), 32u);
  EXPECT_FALSE(std::equal(a.GetBytes(CKA_VALUE).begin(), a.GetBytes(CKA_VALUE).end(),
                          b.GetBytes(CKA_VALUE).begin()));
  Object wrong;
  wrong.SetUlong(CKA_VALUE_LEN, 16);
  EXPECT_EQ(gen.GenerateKey({}, wrong).rv(), CKR_KEY_SIZE_RANGE);
}

}  // namespace
}  // namespace p11
