// AES CTR, CTS and CCM (PKCS#11 3.1 §6.13): SP 800-38A CTR, RFC 3962 CTS (CBC-CS3) and
// SP 800-38C CCM known answers; multi-part equals single-part; counter-wrap, length and
// parameter rules; CCM tamper detection; random round trips against OpenSSL EVP directly.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
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

CK_AES_CTR_PARAMS Ctr(const Bytes& cb, CK_ULONG bits = 128) {
  CK_AES_CTR_PARAMS p{bits, {}};
  std::memcpy(p.cb, cb.data(), sizeof p.cb);
  return p;
}

CK_CCM_PARAMS Ccm(Bytes& nonce, Bytes& aad, size_t data_len, CK_ULONG mac_len) {
  return CK_CCM_PARAMS{data_len,   nonce.data(), nonce.size(), aad.empty() ? nullptr : aad.data(),
                       aad.size(), mac_len};
}

using AesModesTest = RegistrySuite<RegisterAesModes>;

TEST_F(AesModesTest, RegistersWithInfo) {
  EXPECT_EQ(Mech(CKM_AES_CTR).info().flags, CKF_ENCRYPT | CKF_DECRYPT);
  EXPECT_EQ(Mech(CKM_AES_CTS).info().flags, CKF_ENCRYPT | CKF_DECRYPT);
  EXPECT_EQ(Mech(CKM_AES_CCM).info().flags,
            CKF_ENCRYPT | CKF_DECRYPT | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT);
  for (CK_MECHANISM_TYPE t : {CKM_AES_CTR, CKM_AES_CTS, CKM_AES_CCM}) {
    EXPECT_EQ(Mech(t).info().ulMinKeySize, 16u);
    EXPECT_EQ(Mech(t).info().ulMaxKeySize, 32u);
    EXPECT_TRUE(Mech(t).AcceptsKeyType(CKK_AES));
    EXPECT_FALSE(Mech(t).AcceptsKeyType(CKK_GENERIC_SECRET));
  }
}

TEST_F(AesModesTest, KnownAnswers) {
  auto records = symtest::ReadRecords("aes_modes.txt");
  size_t ctr = 0, cts = 0, ccm = 0;
  for (const auto& r : records) {
    const std::string& mode = r.at("Mode");
    KeyMaterial key = symtest::SecretKey(CKK_AES, symtest::Field(r, "Key"));
    Bytes pt = symtest::Field(r, "Plaintext"), ct = symtest::Field(r, "Ciphertext");
    SCOPED_TRACE(mode + " " + std::to_string(pt.size()));
    if (mode == "CTR") {
      CK_AES_CTR_PARAMS p = Ctr(symtest::Field(r, "IV"));
      symtest::ExpectCipherBothWays(Mech(CKM_AES_CTR), symtest::ParamBytes(p), key, pt, ct);
      ++ctr;
    } else if (mode == "CTS") {
      Bytes iv = symtest::Field(r, "IV");
      symtest::ExpectCipherBothWays(Mech(CKM_AES_CTS), iv, key, pt, ct);
      ++cts;
    } else if (mode == "CCM") {
      Bytes nonce = symtest::Field(r, "Nonce"), aad = symtest::Field(r, "AAD");
      Bytes tag = symtest::Field(r, "Tag");
      CK_CCM_PARAMS p = Ccm(nonce, aad, pt.size(), tag.size());
      symtest::ExpectCipherBothWays(Mech(CKM_AES_CCM), symtest::ParamBytes(p), key, pt,
                                    symtest::Concat(ct, tag));
      ++ccm;
    } else {
      ADD_FAILURE() << mode;
    }
  }
  EXPECT_EQ(ctr, 2u);
  EXPECT_EQ(cts, 6u);
  EXPECT_EQ(ccm, 3u);
}

TEST_F(AesModesTest, CtrCounterMustNotWrapWithinTheData) {
  KeyMaterial key = symtest::SecretKey(CKK_AES, Random(16));
  // An 8-bit counter at 0xfe leaves two blocks: 32 bytes pass, 33 do not.
  Bytes cb(16, 0x11);
  cb[15] = 0xfe;
  CK_AES_CTR_PARAMS p = Ctr(cb, 8);
  EXPECT_TRUE(
      symtest::CipherOneShot(Mech(CKM_AES_CTR), true, symtest::ParamBytes(p), key, Bytes(32)).ok());
  EXPECT_EQ(
      symtest::CipherOneShot(Mech(CKM_AES_CTR), true, symtest::ParamBytes(p), key, Bytes(33)).rv(),
      CKR_DATA_LEN_RANGE);
  // Multi-part counts the whole operation; the failing part leaves the operation usable.
  auto op = Mech(CKM_AES_CTR).BeginDecrypt(symtest::ParamBytes(p), key);
  ASSERT_TRUE(op.ok());
  Bytes out(64);
  CK_ULONG len = out.size();
  OutBuffer o1(out.data(), &len);
  ASSERT_TRUE((*op)->Update(Bytes(20), o1).ok());
  len = out.size();
  OutBuffer o2(out.data(), &len);
  EXPECT_EQ((*op)->Update(Bytes(13), o2).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  // A 128-bit counter with all ones has one block left.
  CK_AES_CTR_PARAMS full = Ctr(Bytes(16, 0xff), 128);
  EXPECT_EQ(
      symtest::CipherOneShot(Mech(CKM_AES_CTR), true, symtest::ParamBytes(full), key, Bytes(17))
          .rv(),
      CKR_DATA_LEN_RANGE);
  // Bits above 60 with room leave no practical limit.
  CK_AES_CTR_PARAMS wide = Ctr(Bytes(16, 0x00), 64);
  EXPECT_TRUE(
      symtest::CipherOneShot(Mech(CKM_AES_CTR), true, symtest::ParamBytes(wide), key, Bytes(1000))
          .ok());
}

TEST_F(AesModesTest, CtrMatchesOpenSslWithFullCounter) {
  for (size_t n : {16, 24, 32}) {
    Bytes k = Random(n), cb = Random(16), pt = Random(1000);
    cb[8] = 0;  // keep the 64-bit counter far from wrapping
    CK_AES_CTR_PARAMS p = Ctr(cb, 64);
    KeyMaterial key = symtest::SecretKey(CKK_AES, k);
    auto ct = symtest::CipherMultiPart(Mech(CKM_AES_CTR), true, symtest::ParamBytes(p), key, pt,
                                       {7, 100, 555});
    ASSERT_TRUE(ct.ok());
    std::string name = "AES-" + std::to_string(n * 8) + "-CTR";
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, name.c_str(), nullptr);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    Bytes want(pt.size());
    int len = 0;
    ASSERT_EQ(EVP_EncryptInit_ex2(ctx, c, k.data(), cb.data(), nullptr), 1);
    ASSERT_EQ(EVP_EncryptUpdate(ctx, want.data(), &len, pt.data(), pt.size()), 1);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    EXPECT_EQ(*ct, want);
  }
}

TEST_F(AesModesTest, CtrBadParameters) {
  KeyMaterial key = symtest::SecretKey(CKK_AES, Random(16));
  for (CK_ULONG bits : {0ul, 129ul}) {
    CK_AES_CTR_PARAMS p = Ctr(Bytes(16), bits);
    EXPECT_EQ(Mech(CKM_AES_CTR).BeginEncrypt(symtest::ParamBytes(p), key).rv(),
              CKR_MECHANISM_PARAM_INVALID);
  }
  EXPECT_EQ(Mech(CKM_AES_CTR).BeginEncrypt(Bytes(16), key).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(AesModesTest, CtsLengthRulesAndRoundTrips) {
  KeyMaterial key = symtest::SecretKey(CKK_AES, Random(32));
  Bytes iv = Random(16);
  EXPECT_EQ(symtest::CipherOneShot(Mech(CKM_AES_CTS), true, iv, key, Bytes(15)).rv(),
            CKR_DATA_LEN_RANGE);
  EXPECT_EQ(symtest::CipherOneShot(Mech(CKM_AES_CTS), false, iv, key, Bytes(15)).rv(),
            CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(symtest::CipherMultiPart(Mech(CKM_AES_CTS), true, iv, key, Bytes(10), {5}).rv(),
            CKR_DATA_LEN_RANGE);
  EXPECT_EQ(Mech(CKM_AES_CTS).BeginEncrypt(Bytes(8), key).rv(), CKR_MECHANISM_PARAM_INVALID);
  for (size_t n : {16, 17, 31, 32, 33, 100, 1024}) {
    Bytes pt = Random(n);
    auto ct = symtest::CipherOneShot(Mech(CKM_AES_CTS), true, iv, key, pt);
    ASSERT_TRUE(ct.ok()) << n;
    EXPECT_EQ(ct->size(), n);
    symtest::ExpectCipherBothWays(Mech(CKM_AES_CTS), iv, key, pt, *ct);
  }
}

TEST_F(AesModesTest, CcmTamperingAndLengths) {
  KeyMaterial key = symtest::SecretKey(CKK_AES, Random(16));
  Bytes nonce = Random(12), aad = Random(20), pt = Random(40);
  CK_CCM_PARAMS p = Ccm(nonce, aad, pt.size(), 16);
  auto ct = symtest::CipherOneShot(Mech(CKM_AES_CCM), true, symtest::ParamBytes(p), key, pt);
  ASSERT_TRUE(ct.ok());
  ASSERT_EQ(ct->size(), 56u);
  for (size_t i : {size_t{0}, size_t{39}, size_t{40}, size_t{55}}) {
    Bytes bad = *ct;
    bad[i] ^= 1;
    EXPECT_EQ(
        symtest::CipherOneShot(Mech(CKM_AES_CCM), false, symtest::ParamBytes(p), key, bad).rv(),
        CKR_ENCRYPTED_DATA_INVALID)
        << i;
  }
  // ulDataLen must match what arrives.
  EXPECT_EQ(
      symtest::CipherOneShot(Mech(CKM_AES_CCM), true, symtest::ParamBytes(p), key, Bytes(39)).rv(),
      CKR_DATA_LEN_RANGE);
  EXPECT_EQ(symtest::CipherMultiPart(Mech(CKM_AES_CCM), false, symtest::ParamBytes(p), key,
                                     Bytes(ct->begin(), ct->end() - 1), {10})
                .rv(),
            CKR_ENCRYPTED_DATA_LEN_RANGE);
  // Empty payload, AAD only.
  CK_CCM_PARAMS empty = Ccm(nonce, aad, 0, 8);
  auto tag = symtest::CipherOneShot(Mech(CKM_AES_CCM), true, symtest::ParamBytes(empty), key, {});
  ASSERT_TRUE(tag.ok()) << tag.rv();
  EXPECT_EQ(tag->size(), 8u);
  auto none =
      symtest::CipherOneShot(Mech(CKM_AES_CCM), false, symtest::ParamBytes(empty), key, *tag);
  ASSERT_TRUE(none.ok()) << none.rv();
  EXPECT_TRUE(none->empty());
}

TEST_F(AesModesTest, CcmBadParameters) {
  KeyMaterial key = symtest::SecretKey(CKK_AES, Random(16));
  Bytes aad;
  for (auto [nonce_len, mac_len] : std::vector<std::pair<size_t, CK_ULONG>>{
           {6, 16}, {14, 16}, {12, 3}, {12, 5}, {12, 18}, {12, 0}}) {
    Bytes nonce(nonce_len);
    CK_CCM_PARAMS p = Ccm(nonce, aad, 10, mac_len);
    EXPECT_EQ(Mech(CKM_AES_CCM).BeginEncrypt(symtest::ParamBytes(p), key).rv(),
              CKR_MECHANISM_PARAM_INVALID)
        << nonce_len << " " << mac_len;
  }
  Bytes nonce(12);
  CK_CCM_PARAMS null_aad = Ccm(nonce, aad, 10, 16);
  null_aad.ulAADLen = 4;
  EXPECT_EQ(Mech(CKM_AES_CCM).BeginEncrypt(symtest::ParamBytes(null_aad), key).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Mech(CKM_AES_CCM).BeginEncrypt(Bytes(8), key).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(AesModesTest, CcmMatchesOpenSsl) {
  for (size_t n : {16, 24, 32}) {
    Bytes k = Random(n), nonce = Random(13), aad = Random(7), pt = Random(77);
    CK_CCM_PARAMS p = Ccm(nonce, aad, pt.size(), 12);
    KeyMaterial key = symtest::SecretKey(CKK_AES, k);
    auto ct =
        symtest::CipherMultiPart(Mech(CKM_AES_CCM), true, symtest::ParamBytes(p), key, pt, {3, 50});
    ASSERT_TRUE(ct.ok()) << ct.rv();
    std::string name = "AES-" + std::to_string(n * 8) + "-CCM";
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, name.c_str(), nullptr);
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    size_t iv_len = nonce.size();
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &iv_len),
        OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, nullptr, 12),
        OSSL_PARAM_construct_end()};
    Bytes want(pt.size() + 12);
    int len = 0;
    ASSERT_EQ(EVP_EncryptInit_ex2(ctx, c, nullptr, nullptr, params), 1);
    ASSERT_EQ(EVP_EncryptInit_ex2(ctx, nullptr, k.data(), nonce.data(), nullptr), 1);
    ASSERT_EQ(EVP_EncryptUpdate(ctx, nullptr, &len, nullptr, pt.size()), 1);
    ASSERT_EQ(EVP_EncryptUpdate(ctx, nullptr, &len, aad.data(), aad.size()), 1);
    ASSERT_EQ(EVP_EncryptUpdate(ctx, want.data(), &len, pt.data(), pt.size()), 1);
    ASSERT_EQ(EVP_EncryptFinal_ex(ctx, want.data() + len, &len), 1);
    ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 12, want.data() + pt.size()), 1);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
    EXPECT_EQ(*ct, want);
  }
}

TEST_F(AesModesTest, ShortBufferKeepsOperationUsable) {
  KeyMaterial key = symtest::SecretKey(CKK_AES, Random(16));
  Bytes nonce = Random(12), aad, pt = Random(30), iv = Random(16);
  CK_CCM_PARAMS ccm = Ccm(nonce, aad, pt.size(), 16);
  CK_AES_CTR_PARAMS ctr = Ctr(Random(16), 32);
  std::vector<std::pair<CK_MECHANISM_TYPE, ByteView>> cases = {
      {CKM_AES_CCM, symtest::ParamBytes(ccm)},
      {CKM_AES_CTR, symtest::ParamBytes(ctr)},
      {CKM_AES_CTS, iv}};
  for (auto [type, param] : cases) {
    auto want = symtest::CipherOneShot(Mech(type), true, param, key, pt);
    ASSERT_TRUE(want.ok());
    auto op = Mech(type).BeginEncrypt(param, key);
    ASSERT_TRUE(op.ok());
    Bytes out(want->size());
    CK_ULONG len = want->size() - 1;
    OutBuffer small(out.data(), &len);
    EXPECT_EQ((*op)->OneShot(pt, small).rv(), CKR_BUFFER_TOO_SMALL) << type;
    EXPECT_EQ(len, want->size());
    OutBuffer exact(out.data(), &len);
    ASSERT_TRUE((*op)->OneShot(pt, exact).ok()) << type;
    EXPECT_EQ(out, *want) << type;
  }
}

}  // namespace
}  // namespace p11
