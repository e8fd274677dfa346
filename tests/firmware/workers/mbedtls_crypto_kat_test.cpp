// Known-answer tests for MbedCrypto from the published specifications: SHA-2 (FIPS 180-2
// appendix examples), HMAC-SHA-256 (RFC 4231 section 4), AES-GCM (McGrew & Viega, "The
// Galois/Counter Mode of Operation", appendix B), AES-CBC (NIST SP 800-38A F.2), AES key wrap
// with padding (RFC 5649 section 6), PBKDF2-HMAC-SHA-256 (RFC 7914 section 11), ECDSA P-256
// with deterministic nonces (RFC 6979 A.2.5), and the DRBG's seeding behaviour.
#include <cstring>

#include "workers/crypto_test_util.h"

namespace hsm_test {
namespace {

using hsm::CipherParams;
using hsm::KeyBlob;
using hsm::SignParams;
using hsm::Status;
using wire::CipherAlg;
using wire::HashAlg;
using wire::KeyType;
using wire::SignAlg;

// ---- DRBG ----

TEST(MbedCryptoDrbg, SameSeedGivesSameStream) {
  DeterministicEntropy e1(7), e2(7), e3(8);
  hsm::MbedCrypto c1(e1), c2(e2), c3(e3);
  ASSERT_EQ(c1.Init(), Status::kOk);
  ASSERT_EQ(c2.Init(), Status::kOk);
  ASSERT_EQ(c3.Init(), Status::kOk);
  Bytes a(3000), b(3000), c(3000);  // above MBEDTLS_CTR_DRBG_MAX_REQUEST: served in chunks
  ASSERT_EQ(c1.Random(a), Status::kOk);
  ASSERT_EQ(c2.Random(b), Status::kOk);
  ASSERT_EQ(c3.Random(c), Status::kOk);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, Bytes(3000, 0));
  EXPECT_GE(e1.calls(), 1);
}

TEST(MbedCryptoDrbg, NothingRandomBeforeInit) {
  DeterministicEntropy entropy(1);
  hsm::MbedCrypto crypto(entropy);
  Bytes out(16);
  EXPECT_EQ(crypto.Random(out), Status::kBadState);
  KeyBlob blob;
  hsm::PublicBuf pub;
  EXPECT_EQ(crypto.GenerateKey(KeyType::kAes128, 0, blob, pub), Status::kBadState);
  EXPECT_EQ(entropy.calls(), 0);
}

TEST(MbedCryptoDrbg, FailingEntropyFailsInit) {
  FailingEntropy entropy;
  hsm::MbedCrypto crypto(entropy);
  EXPECT_EQ(crypto.Init(), Status::kCryptoError);
  Bytes out(16);
  EXPECT_EQ(crypto.Random(out), Status::kBadState);
}

// ---- SHA-2 ----

struct DigestCase {
  HashAlg hash;
  const char* message;
  const char* digest;
};

const char kMsg448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const char kMsg896[] =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmn"
    "opqrsmnopqrstnopqrstu";

TEST_F(CryptoTest, Sha2Fips180Examples) {
  const DigestCase cases[] = {
      {HashAlg::kSha256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {HashAlg::kSha256, kMsg448,
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {HashAlg::kSha384, "abc",
       "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134"
       "c825a7"},
      {HashAlg::kSha384, kMsg896,
       "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966c3e9fa91"
       "746039"},
      {HashAlg::kSha512, "abc",
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3"
       "feebbd454d4423643ce80e2a9ac94fa54ca49f"},
      {HashAlg::kSha512, kMsg896,
       "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4"
       "b5433ac7d329eeb6dd26545e96e55b874be909"},
  };
  for (const DigestCase& c : cases) {
    Bytes out(64);
    size_t len = 0;
    ASSERT_EQ(crypto_.Digest(c.hash, Str(c.message), out, &len), Status::kOk);
    out.resize(len);
    EXPECT_EQ(out, Hex(c.digest)) << c.message;
  }
}

TEST_F(CryptoTest, DigestRejectsSmallOutputAndUnknownHash) {
  Bytes out(47);
  size_t len = 99;
  EXPECT_EQ(crypto_.Digest(HashAlg::kSha384, Str("abc"), out, &len), Status::kTooLarge);
  EXPECT_EQ(len, 0u);
  EXPECT_EQ(out, Bytes(47, 0));  // nothing written
  EXPECT_EQ(crypto_.Digest(HashAlg::kNone, Str("abc"), out, &len), Status::kMechanismInvalid);
}

// ---- HMAC-SHA-256 (RFC 4231) ----

struct HmacCase {
  Bytes key;
  Bytes data;
  const char* mac;
  size_t truncate;  // test case 5 publishes only the leftmost 128 bits
};

TEST_F(CryptoTest, HmacSha256Rfc4231) {
  const SignParams params{SignAlg::kHmacSha256, HashAlg::kNone, 0};
  const HmacCase cases[] = {
      {Repeat(0x0b, 20), Str("Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", 32},
      {Str("Jefe"), Str("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", 32},
      {Repeat(0xaa, 20), Repeat(0xdd, 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", 32},
      {Hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), Repeat(0xcd, 50),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", 32},
      {Repeat(0x0c, 20), Str("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b", 16},
      {Repeat(0xaa, 131), Str("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", 32},
      {Repeat(0xaa, 131),
       Str("This is a test using a larger than block-size key and a larger than block-size data."
           " The key needs to be hashed before being used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", 32},
  };
  for (const HmacCase& c : cases) {
    KeyBlob key;
    SetBlob(key, c.key);
    Bytes mac(32);
    size_t len = 0;
    ASSERT_EQ(crypto_.Sign(KeyType::kGenericSecret, key, params, c.data, mac, &len), Status::kOk);
    ASSERT_EQ(len, 32u);
    mac.resize(c.truncate);
    EXPECT_EQ(mac, Hex(c.mac));
    if (c.truncate == 32) {
      EXPECT_EQ(crypto_.Verify(KeyType::kGenericSecret, &key, {}, params, c.data, mac),
                Status::kOk);
    }
  }
}

TEST_F(CryptoTest, HmacVerifyRejectsWrongMacWrongLengthAndWrongKeyType) {
  const SignParams params{SignAlg::kHmacSha256, HashAlg::kNone, 0};
  KeyBlob key;
  SetBlob(key, Str("Jefe"));
  const Bytes data = Str("what do ya want for nothing?");
  Bytes mac = Hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  mac[31] ^= 1;
  EXPECT_EQ(crypto_.Verify(KeyType::kGenericSecret, &key, {}, params, data, mac),
            Status::kSignatureInvalid);
  mac[31] ^= 1;
  EXPECT_EQ(crypto_.Verify(KeyType::kGenericSecret, &key, {}, params, data,
                           std::span<const uint8_t>(mac).first(16)),
            Status::kSignatureInvalid);
  EXPECT_EQ(crypto_.Verify(KeyType::kGenericSecret, &key, {}, params, data, Bytes{}),
            Status::kSignatureInvalid);
  EXPECT_EQ(crypto_.Verify(KeyType::kAes128, &key, {}, params, data, mac),
            Status::kKeyTypeInconsistent);
  EXPECT_EQ(crypto_.Verify(KeyType::kGenericSecret, nullptr, {}, params, data, mac),
            Status::kParamInvalid);
  Bytes small(31);
  size_t len = 0;
  EXPECT_EQ(crypto_.Sign(KeyType::kGenericSecret, key, params, data, small, &len),
            Status::kTooLarge);
}

// ---- AES-GCM (the GCM specification, appendix B) ----

struct GcmCase {
  const char* name;
  const char* key;
  const char* iv;
  const char* plain;
  const char* aad;
  const char* cipher;
  const char* tag;
};

const char kGcmK3[] = "feffe9928665731c6d6a8f9467308308";
const char kGcmK15[] = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
const char kGcmP3[] =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6"
    "b525b16aedf5aa0de657ba637b391aafd255";
const char kGcmP4[] =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6"
    "b525b16aedf5aa0de657ba637b39";
const char kGcmA[] = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

const GcmCase kGcmCases[] = {
    {"TC1", "00000000000000000000000000000000", "000000000000000000000000", "", "", "",
     "58e2fccefa7e3061367f1d57a4e7455a"},
    {"TC2", "00000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "", "0388dace60b6a392f328c2b971b2fe78",
     "ab6e47d42cec13bdf53a67b21257bddf"},
    {"TC3", kGcmK3, "cafebabefacedbaddecaf888", kGcmP3, "",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac"
     "84aa051ba30b396a0aac973d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {"TC4", kGcmK3, "cafebabefacedbaddecaf888", kGcmP4, kGcmA,
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac"
     "84aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
    {"TC5 (64-bit IV)", kGcmK3, "cafebabefacedbad", kGcmP4, kGcmA,
     "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4"
     "896b424989b5e1ebac0f07c23f4598",
     "3612d2e79e3b0785561be14aaca2fccb"},
    {"TC13", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"TC14", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "00000000000000000000000000000000", "",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"TC15", kGcmK15, "cafebabefacedbaddecaf888", kGcmP3, "",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056"
     "828838c5f61e6393ba7a0abcc9f662898015ad",
     "b094dac5d93471bdec1a502270e3cc6c"},
    {"TC16", kGcmK15, "cafebabefacedbaddecaf888", kGcmP4, kGcmA,
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056"
     "828838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

TEST_F(CryptoTest, AesGcmSpecificationVectors) {
  for (const GcmCase& c : kGcmCases) {
    KeyBlob key;
    SetBlob(key, Hex(c.key));
    const Bytes iv = Hex(c.iv), aad = Hex(c.aad), plain = Hex(c.plain);
    const CipherParams params{CipherAlg::kAesGcm, iv, aad, 16};
    Bytes out(plain.size() + 16);
    size_t len = 0;
    ASSERT_EQ(crypto_.Encrypt(key, params, plain, out, &len), Status::kOk) << c.name;
    Bytes expected = Hex(c.cipher);
    const Bytes tag = Hex(c.tag);
    expected.insert(expected.end(), tag.begin(), tag.end());
    EXPECT_EQ(Bytes(out.begin(), out.begin() + len), expected) << c.name;

    Bytes back(plain.size());
    ASSERT_EQ(crypto_.Decrypt(key, params, expected, back, &len), Status::kOk) << c.name;
    EXPECT_EQ(len, plain.size());
    EXPECT_EQ(back, plain) << c.name;
  }
}

// A t-bit tag is the leftmost t bits of the full tag (GCM specification section 2.1 / SP
// 800-38D 7.1 step 7); test case 4 with 32-, 64- and 96-bit tags.
TEST_F(CryptoTest, AesGcmShortTags) {
  KeyBlob key;
  SetBlob(key, Hex(kGcmK3));
  const Bytes iv = Hex("cafebabefacedbaddecaf888"), aad = Hex(kGcmA), plain = Hex(kGcmP4);
  const Bytes full_tag = Hex("5bc94fbc3221a5db94fae95ae7121a47");
  for (uint8_t t : {4, 8, 12}) {
    const CipherParams params{CipherAlg::kAesGcm, iv, aad, t};
    Bytes out(plain.size() + t);
    size_t len = 0;
    ASSERT_EQ(crypto_.Encrypt(key, params, plain, out, &len), Status::kOk);
    ASSERT_EQ(len, plain.size() + t);
    EXPECT_EQ(Bytes(out.end() - t, out.end()), Bytes(full_tag.begin(), full_tag.begin() + t));
    Bytes back(plain.size());
    EXPECT_EQ(crypto_.Decrypt(key, params, out, back, &len), Status::kOk);
    out.back() ^= 0x80;
    EXPECT_EQ(crypto_.Decrypt(key, params, out, back, &len), Status::kEncryptedDataInvalid);
  }
}

// ---- AES-CBC (SP 800-38A F.2) ----

const char kCbcIv[] = "000102030405060708090a0b0c0d0e0f";
const char kCbcPlain[] =
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a"
    "52eff69f2445df4f9b17ad2b417be66c3710";

TEST_F(CryptoTest, AesCbcSp80038a) {
  struct {
    const char* key;
    const char* cipher;
  } cases[] = {
      {"2b7e151628aed2a6abf7158809cf4f3c",  // F.2.1 / F.2.2
       "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e22"
       "2295163ff1caa1681fac09120eca307586e1a7"},
      {"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",  // F.2.5 / F.2.6
       "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304"
       "231461b2eb05e2c39be9fcda6c19078c6a9d1b"},
  };
  const Bytes iv = Hex(kCbcIv), plain = Hex(kCbcPlain);
  const CipherParams params{CipherAlg::kAesCbc, iv, {}, 16};
  for (const auto& c : cases) {
    KeyBlob key;
    SetBlob(key, Hex(c.key));
    Bytes out(64);
    size_t len = 0;
    ASSERT_EQ(crypto_.Encrypt(key, params, plain, out, &len), Status::kOk);
    EXPECT_EQ(len, 64u);
    EXPECT_EQ(out, Hex(c.cipher));
    Bytes back(64);
    ASSERT_EQ(crypto_.Decrypt(key, params, out, back, &len), Status::kOk);
    EXPECT_EQ(back, plain);
  }
}

// ---- KWP (RFC 5649 section 6: 192-bit KEK) ----

TEST_F(CryptoTest, KwpRfc5649Vectors) {
  KeyBlob kek;
  SetBlob(kek, Hex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8"));
  struct {
    const char* key;
    const char* wrapped;
  } cases[] = {
      {"c37b7e6492584340bed12207808941155068f738",
       "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"},
      {"466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"},
  };
  for (const auto& c : cases) {
    const Bytes plain = Hex(c.key);
    Bytes out(64);
    size_t len = 0;
    ASSERT_EQ(crypto_.WrapKwp(kek, plain, out, &len), Status::kOk);
    out.resize(len);
    EXPECT_EQ(out, Hex(c.wrapped));
    Bytes back(plain.size());  // exactly the key's size: the unpadded length is enough
    ASSERT_EQ(crypto_.UnwrapKwp(kek, out, back, &len), Status::kOk);
    EXPECT_EQ(len, plain.size());
    EXPECT_EQ(back, plain);
  }
}

// ---- PBKDF2-HMAC-SHA-256 (RFC 7914 section 11; the first 32 of the 64 output bytes) ----

TEST_F(CryptoTest, Pbkdf2Rfc7914) {
  struct {
    const char* password;
    const char* salt;
    uint32_t iterations;
    const char* dk;
  } cases[] = {
      {"passwd", "salt", 1, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"},
      {"Password", "NaCl", 80000,
       "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"},
  };
  for (const auto& c : cases) {
    uint8_t out[32] = {};
    ASSERT_EQ(crypto_.DerivePinVerifier(Str(c.password), Str(c.salt), c.iterations, out),
              Status::kOk);
    EXPECT_EQ(Bytes(out, out + 32), Hex(c.dk));
  }
  uint8_t out[32];
  EXPECT_EQ(crypto_.DerivePinVerifier(Str("x"), Str("y"), 0, out), Status::kParamInvalid);
}

// ---- ECDSA P-256, SHA-256, message "sample" (RFC 6979 A.2.5) ----

TEST_F(CryptoTest, EcdsaP256Rfc6979DeterministicNonce) {
  KeyBlob key;
  SetBlob(key, Hex("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"));
  Bytes digest(32);
  size_t len = 0;
  ASSERT_EQ(crypto_.Digest(HashAlg::kSha256, Str("sample"), digest, &len), Status::kOk);
  Bytes sig(64);
  const SignParams params{SignAlg::kEcdsa, HashAlg::kNone, 0};
  ASSERT_EQ(crypto_.Sign(KeyType::kEcP256, key, params, digest, sig, &len), Status::kOk);
  ASSERT_EQ(len, 64u);
  EXPECT_EQ(sig, Hex("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
                     "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"));
  const Bytes pub =
      Hex("04 60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
          "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299");
  EXPECT_EQ(crypto_.Verify(KeyType::kEcP256, nullptr, pub, params, digest, sig), Status::kOk);
}

}  // namespace
}  // namespace hsm_test
