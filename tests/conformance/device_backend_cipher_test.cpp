// AES on both backends (PKCS#11 3.1 §5.8–§5.9, mechanisms §2.10–§2.11): the same imported key
// encrypts as OpenSSL's EVP does with GCM, CBC and CBC_PAD, decrypts back, and a tampered GCM
// tag is refused rather than returned as data.
#include <openssl/evp.h>

#include "device_fixture.h"
#include "fixture3.h"

namespace conformance {
namespace {

const Bytes kKey128 = FromHex("2b7e151628aed2a6abf7158809cf4f3c");
const Bytes kKey256 = FromHex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");

const char* CipherName(const char* mode, const Bytes& key) {
  std::string m = mode;
  if (m == "GCM") return key.size() == 16 ? "AES-128-GCM" : "AES-256-GCM";
  return key.size() == 16 ? "AES-128-CBC" : "AES-256-CBC";
}

class BackendCipherTest : public BackendTest {
 protected:
  Bytes Message(size_t n) {
    Bytes m(n);
    for (size_t i = 0; i < n; ++i) m[i] = static_cast<uint8_t>(i * 13 + 1);
    return m;
  }
};

TEST_P(BackendCipherTest, AesGcmMatchesOpenssl) {
  SKIP_UNLESS_ADVERTISED(CKM_AES_GCM);
  CK_SESSION_HANDLE s = UserSession();
  for (const Bytes& value : {kKey128, kKey256}) {
    SCOPED_TRACE(value.size());
    CK_OBJECT_HANDLE key = ImportAes(s, value);
    ASSERT_NE(key, CK_INVALID_HANDLE);
    Bytes iv = FromHex("cafebabefacedbaddecaf888");
    Bytes aad = Str("header bound to the ciphertext");
    CK_GCM_PARAMS p = {iv.data(),  static_cast<CK_ULONG>(iv.size()),  96,
                       aad.data(), static_cast<CK_ULONG>(aad.size()), 128};
    CK_MECHANISM m = {CKM_AES_GCM, &p, sizeof p};
    Bytes plain = Message(61);
    Bytes sealed;
    ASSERT_CKR_OK(Encrypt(s, &m, key, plain, &sealed));
    // §2.11: the ciphertext is followed by the tag.
    ASSERT_EQ(sealed.size(), plain.size() + 16);
    Bytes ct(sealed.begin(), sealed.end() - 16);
    Bytes tag(sealed.end() - 16, sealed.end());
    Bytes opened;
    EXPECT_TRUE(OsslAeadDecrypt(CipherName("GCM", value), value, iv, aad, ct, tag, &opened));
    EXPECT_EQ(opened, plain);
    Bytes decrypted;
    ASSERT_CKR_OK(Decrypt(s, &m, key, sealed, &decrypted));
    EXPECT_EQ(decrypted, plain);

    Bytes tampered = sealed;
    tampered.back() ^= 0x80;
    Bytes none;
    EXPECT_RV(CKR_ENCRYPTED_DATA_INVALID, Decrypt(s, &m, key, tampered, &none));
    EXPECT_TRUE(none.empty() || none != plain) << "a forged message was returned as data";
    Bytes wrong_aad = aad;
    wrong_aad[0] ^= 1;
    CK_GCM_PARAMS q = p;
    q.pAAD = wrong_aad.data();
    CK_MECHANISM mq = {CKM_AES_GCM, &q, sizeof q};
    EXPECT_RV(CKR_ENCRYPTED_DATA_INVALID, Decrypt(s, &mq, key, sealed, &none));
  }
}

TEST_P(BackendCipherTest, AesCbcMatchesOpenssl) {
  SKIP_UNLESS_ADVERTISED(CKM_AES_CBC);
  CK_SESSION_HANDLE s = UserSession();
  for (const Bytes& value : {kKey128, kKey256}) {
    SCOPED_TRACE(value.size());
    CK_OBJECT_HANDLE key = ImportAes(s, value);
    Bytes iv = FromHex("000102030405060708090a0b0c0d0e0f");
    CK_MECHANISM m = {CKM_AES_CBC, iv.data(), static_cast<CK_ULONG>(iv.size())};
    Bytes plain = Message(64);
    Bytes ct;
    ASSERT_CKR_OK(Encrypt(s, &m, key, plain, &ct));
    EXPECT_EQ(ct, OsslCipher(CipherName("CBC", value), value, iv, plain));
    Bytes back;
    ASSERT_CKR_OK(Decrypt(s, &m, key, ct, &back));
    EXPECT_EQ(back, plain);
    // Without padding the input must be whole blocks (§2.10.6).
    Bytes ragged = Message(30);
    Bytes out;
    EXPECT_RV(CKR_DATA_LEN_RANGE, Encrypt(s, &m, key, ragged, &out));
  }
}

TEST_P(BackendCipherTest, AesCbcPadMatchesOpenssl) {
  SKIP_UNLESS_ADVERTISED(CKM_AES_CBC_PAD);
  CK_SESSION_HANDLE s = UserSession();
  for (size_t n : {size_t{0}, size_t{15}, size_t{16}, size_t{37}}) {
    SCOPED_TRACE(n);
    CK_OBJECT_HANDLE key = ImportAes(s, kKey256);
    Bytes iv = FromHex("f0e0d0c0b0a090807060504030201000");
    CK_MECHANISM m = {CKM_AES_CBC_PAD, iv.data(), static_cast<CK_ULONG>(iv.size())};
    Bytes plain = Message(n);
    Bytes ct;
    ASSERT_CKR_OK(Encrypt(s, &m, key, plain, &ct));
    EXPECT_EQ(ct, OsslCipherPadded(CipherName("CBC", kKey256), kKey256, iv, plain));
    Bytes back;
    ASSERT_CKR_OK(Decrypt(s, &m, key, ct, &back));
    EXPECT_EQ(back, plain);
  }
}

TEST_P(BackendCipherTest, AesCbcPadInParts) {
  SKIP_UNLESS_ADVERTISED(CKM_AES_CBC_PAD);
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE key = ImportAes(s, kKey128);
  Bytes iv(16, 0x07);
  CK_MECHANISM m = {CKM_AES_CBC_PAD, iv.data(), static_cast<CK_ULONG>(iv.size())};
  Bytes plain = Message(50);
  ASSERT_CKR_OK(f_->C_EncryptInit(s, &m, key));
  Bytes ct;
  for (size_t off : {size_t{0}, size_t{7}, size_t{33}}) {
    size_t end = off == 0 ? 7 : off == 7 ? 33 : plain.size();
    Bytes out(64);
    CK_ULONG len = out.size();
    ASSERT_CKR_OK(f_->C_EncryptUpdate(s, plain.data() + off, end - off, out.data(), &len));
    ct.insert(ct.end(), out.begin(), out.begin() + len);
  }
  // A token may hold back more than one block until the end: ask for the final length.
  CK_ULONG len = 0;
  ASSERT_CKR_OK(f_->C_EncryptFinal(s, nullptr, &len));
  EXPECT_EQ((ct.size() + len) % 16, 0u);
  Bytes last(len);
  ASSERT_CKR_OK(f_->C_EncryptFinal(s, last.data(), &len));
  ct.insert(ct.end(), last.begin(), last.begin() + len);
  EXPECT_EQ(ct, OsslCipherPadded(CipherName("CBC", kKey128), kKey128, iv, plain));
}

TEST_P(BackendCipherTest, KeyWithoutEncryptUsageIsRefused) {
  SKIP_UNLESS_ADVERTISED(CKM_AES_CBC);
  CK_SESSION_HANDLE s = UserSession();
  Template t;
  t.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_AES)
      .Data(CKA_VALUE, kKey128)
      .Bool(CKA_ENCRYPT, false)
      .Bool(CKA_DECRYPT, true);
  CK_OBJECT_HANDLE key = Create(s, t);
  Bytes iv(16, 0);
  CK_MECHANISM m = {CKM_AES_CBC, iv.data(), static_cast<CK_ULONG>(iv.size())};
  EXPECT_RV(CKR_KEY_FUNCTION_NOT_PERMITTED, f_->C_EncryptInit(s, &m, key));
  EXPECT_CKR_OK(f_->C_DecryptInit(s, &m, key));
}

INSTANTIATE_TEST_SUITE_P(Backend, BackendCipherTest,
                         ::testing::Values(Backend::kSoft, Backend::kDevice), BackendName);

}  // namespace
}  // namespace conformance
