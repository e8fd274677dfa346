// AES mechanisms: SP 800-38A (ECB, CBC) and McGrew-Viega (GCM) known answers, CBC_PAD
// (PKCS#11 3.1 §6.13.5: PKCS #7 padding), GCM (§6.14.3: ciphertext || tag, no plaintext before
// the tag is checked), data length rules, parameter and key checks, the length protocol, key
// generation, and random round trips against OpenSSL EVP used directly.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

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

ByteView RawParam(const CK_GCM_PARAMS& p) {
  return ByteView(reinterpret_cast<const uint8_t*>(&p), sizeof p);
}

CK_GCM_PARAMS Gcm(Bytes& iv, Bytes& aad, CK_ULONG tag_bits = 128) {
  return CK_GCM_PARAMS{iv.data(),  iv.size(), iv.size() * 8, aad.empty() ? nullptr : aad.data(),
                       aad.size(), tag_bits};
}

// Encryption or decryption with OpenSSL directly, as the reference for round trips.
Bytes OsslCipher(const char* name, bool encrypt, const Bytes& key, const Bytes& iv, const Bytes& in,
                 bool pad, const Bytes& aad = {}, size_t tag_len = 0) {
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, name, nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  size_t iv_len = iv.size();
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &iv_len),
                         OSSL_PARAM_construct_end()};
  bool aead = tag_len != 0;
  EXPECT_EQ(EVP_CipherInit_ex2(ctx, cipher, key.data(), nullptr, encrypt ? 1 : 0,
                               aead ? params : nullptr),
            1);
  EXPECT_EQ(
      EVP_CipherInit_ex2(ctx, nullptr, nullptr, iv.empty() ? nullptr : iv.data(), -1, nullptr), 1);
  EVP_CIPHER_CTX_set_padding(ctx, pad ? 1 : 0);
  Bytes out(in.size() + 32);
  int len = 0, tail = 0;
  if (aead && !aad.empty()) {
    EXPECT_EQ(EVP_CipherUpdate(ctx, nullptr, &len, aad.data(), aad.size()), 1);
  }
  EXPECT_EQ(EVP_CipherUpdate(ctx, out.data(), &len, in.data(), in.size()), 1);
  EXPECT_EQ(EVP_CipherFinal_ex(ctx, out.data() + len, &tail), 1);
  out.resize(len + tail);
  if (aead) {
    Bytes tag(tag_len);
    EXPECT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, tag_len, tag.data()), 1);
    out = symtest::Concat(out, tag);
  }
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
  return out;
}

const char* OsslName(const char* mode, size_t key_len) {
  static std::map<std::string, std::string> names;
  std::string key = std::string(mode) + std::to_string(key_len);
  names[key] = "AES-" + std::to_string(key_len * 8) + "-" + mode;
  return names[key].c_str();
}

class AesTest : public RegistrySuite<RegisterAes> {
 protected:
  std::unique_ptr<CipherOperation> Begin(CK_MECHANISM_TYPE type, bool encrypt, ByteView param,
                                         const Bytes& key) {
    KeyMaterial k = symtest::SecretKey(CKK_AES, key);
    auto op = encrypt ? Mech(type).BeginEncrypt(param, k) : Mech(type).BeginDecrypt(param, k);
    EXPECT_TRUE(op.ok()) << op.rv();
    return op.ok() ? std::move(*op) : nullptr;
  }

  Result<Bytes> OneShot(CK_MECHANISM_TYPE type, bool encrypt, ByteView param, const Bytes& key,
                        const Bytes& in) {
    auto op = Begin(type, encrypt, param, key);
    if (!op) return Fail(CKR_GENERAL_ERROR);
    return symtest::QueryThenCall([&](OutBuffer& o) { return op->OneShot(in, o); });
  }

  // Update at each split (each Update's output length queried first), then Final.
  Result<Bytes> MultiPart(CK_MECHANISM_TYPE type, bool encrypt, ByteView param, const Bytes& key,
                          const Bytes& in, std::vector<size_t> splits) {
    auto op = Begin(type, encrypt, param, key);
    if (!op) return Fail(CKR_GENERAL_ERROR);
    Bytes out;
    size_t pos = 0;
    splits.push_back(in.size());
    for (size_t end : splits) {
      end = std::max(pos, std::min(end, in.size()));
      ByteView part = ByteView(in).subspan(pos, end - pos);
      P11_ASSIGN_OR_RETURN(
          Bytes chunk, symtest::QueryThenCall([&](OutBuffer& o) { return op->Update(part, o); }));
      out = symtest::Concat(out, chunk);
      pos = end;
    }
    P11_ASSIGN_OR_RETURN(Bytes last,
                         symtest::QueryThenCall([&](OutBuffer& o) { return op->Final(o); }));
    return symtest::Concat(out, last);
  }

  // Both directions, single- and multi-part at several split points.
  void ExpectBothWays(CK_MECHANISM_TYPE type, ByteView param, const Bytes& key, const Bytes& pt,
                      const Bytes& ct) {
    std::vector<std::vector<size_t>> splits = {{}, {0}, {1}, {15, 16}, {16, 17, 33}, {31, 48}};
    for (const auto& s : splits) {
      auto enc = MultiPart(type, true, param, key, pt, s);
      ASSERT_TRUE(enc.ok()) << enc.rv();
      EXPECT_EQ(*enc, ct);
      auto dec = MultiPart(type, false, param, key, ct, s);
      ASSERT_TRUE(dec.ok()) << dec.rv();
      EXPECT_EQ(*dec, pt);
    }
    auto enc = OneShot(type, true, param, key, pt);
    ASSERT_TRUE(enc.ok()) << enc.rv();
    EXPECT_EQ(*enc, ct);
    auto dec = OneShot(type, false, param, key, ct);
    ASSERT_TRUE(dec.ok()) << dec.rv();
    EXPECT_EQ(*dec, pt);
  }
};

TEST_F(AesTest, RegistersWithInfo) {
  for (CK_MECHANISM_TYPE t : {CKM_AES_ECB, CKM_AES_CBC, CKM_AES_CBC_PAD, CKM_AES_GCM}) {
    CK_FLAGS want = CKF_ENCRYPT | CKF_DECRYPT;
    if (t == CKM_AES_GCM) {
      want |= CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | CKF_WRAP | CKF_UNWRAP;
    }
    EXPECT_EQ(Mech(t).info().flags, want);
    EXPECT_EQ(Mech(t).info().ulMinKeySize, 16u);
    EXPECT_EQ(Mech(t).info().ulMaxKeySize, 32u);
    EXPECT_TRUE(Mech(t).AcceptsKeyType(CKK_AES));
    EXPECT_FALSE(Mech(t).AcceptsKeyType(CKK_GENERIC_SECRET));
  }
  const Mechanism& gen = Mech(CKM_AES_KEY_GEN);
  EXPECT_EQ(gen.info().flags, CKF_GENERATE);
  EXPECT_EQ(gen.info().ulMinKeySize, 16u);
  EXPECT_EQ(gen.info().ulMaxKeySize, 32u);
  EXPECT_EQ(gen.GeneratedKeyType(), CKK_AES);
}

TEST_F(AesTest, Sp800_38aKnownAnswers) {
  auto records = symtest::ReadRecords("aes_sp800_38a.txt");
  EXPECT_EQ(records.size(), 6u);
  for (const auto& r : records) {
    bool cbc = r.at("Mode") == "CBC";
    Bytes key = symtest::Field(r, "Key");
    Bytes iv = cbc ? symtest::Field(r, "IV") : Bytes();
    SCOPED_TRACE(r.at("Mode") + " " + std::to_string(key.size() * 8));
    ExpectBothWays(cbc ? CKM_AES_CBC : CKM_AES_ECB, iv, key, symtest::Field(r, "Plaintext"),
                   symtest::Field(r, "Ciphertext"));
  }
}

TEST_F(AesTest, CbcPadAddsAFullBlockToAlignedData) {
  // PKCS #7: 64 aligned bytes gain a block of sixteen 0x10; the first 64 ciphertext bytes are
  // the plain CBC ones (SP 800-38A F.2.1), the last is E(K, C4 xor 10..10).
  auto r = symtest::ReadRecords("aes_sp800_38a.txt")[3];
  ASSERT_EQ(r.at("Mode"), "CBC");
  Bytes key = symtest::Field(r, "Key"), iv = symtest::Field(r, "IV");
  Bytes pt = symtest::Field(r, "Plaintext"), cbc_ct = symtest::Field(r, "Ciphertext");
  Bytes last_in(16);
  for (size_t i = 0; i < 16; ++i) last_in[i] = cbc_ct[48 + i] ^ 0x10;
  auto last = OneShot(CKM_AES_ECB, true, {}, key, last_in);
  ASSERT_TRUE(last.ok());
  ExpectBothWays(CKM_AES_CBC_PAD, iv, key, pt, symtest::Concat(cbc_ct, *last));
}

TEST_F(AesTest, GcmKnownAnswers) {
  auto records = symtest::ReadRecords("aes_gcm.txt");
  EXPECT_GE(records.size(), 12u);
  for (const auto& r : records) {
    Bytes key = symtest::Field(r, "Key"), iv = symtest::Field(r, "IV");
    Bytes aad = symtest::Field(r, "AAD"), pt = symtest::Field(r, "Plaintext");
    Bytes sealed = symtest::Concat(symtest::Field(r, "Ciphertext"), symtest::Field(r, "Tag"));
    SCOPED_TRACE("key " + r.at("Key") + " iv " + r.at("IV"));
    CK_GCM_PARAMS p = Gcm(iv, aad);
    ExpectBothWays(CKM_AES_GCM, RawParam(p), key, pt, sealed);
  }
}

TEST_F(AesTest, GcmDecryptReleasesNothingBeforeFinal) {
  Bytes key = Random(32), iv = Random(12), aad = Random(20), pt = Random(100);
  CK_GCM_PARAMS p = Gcm(iv, aad);
  auto sealed = OneShot(CKM_AES_GCM, true, RawParam(p), key, pt);
  ASSERT_TRUE(sealed.ok());
  auto op = Begin(CKM_AES_GCM, false, RawParam(p), key);
  for (size_t pos = 0; pos < sealed->size(); pos += 37) {
    size_t n = std::min<size_t>(37, sealed->size() - pos);
    auto out = symtest::CallWithRoom(
        200, [&](OutBuffer& o) { return op->Update(ByteView(*sealed).subspan(pos, n), o); });
    ASSERT_TRUE(out.ok());
    EXPECT_TRUE(out->empty());
  }
  auto out = symtest::QueryThenCall([&](OutBuffer& o) { return op->Final(o); });
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, pt);
}

TEST_F(AesTest, GcmTamperingIsDetected) {
  Bytes key = Random(16), iv = Random(12), aad = Random(13), pt = Random(64);
  CK_GCM_PARAMS p = Gcm(iv, aad);
  auto sealed = OneShot(CKM_AES_GCM, true, RawParam(p), key, pt);
  ASSERT_TRUE(sealed.ok());
  for (size_t i : {size_t{0}, size_t{63}, size_t{64}, sealed->size() - 1}) {
    Bytes bad = *sealed;
    bad[i] ^= 0x80;
    EXPECT_EQ(OneShot(CKM_AES_GCM, false, RawParam(p), key, bad).rv(), CKR_ENCRYPTED_DATA_INVALID);
    EXPECT_EQ(MultiPart(CKM_AES_GCM, false, RawParam(p), key, bad, {10}).rv(),
              CKR_ENCRYPTED_DATA_INVALID);
  }
  Bytes other_aad = aad;
  other_aad[0] ^= 1;
  CK_GCM_PARAMS q = Gcm(iv, other_aad);
  EXPECT_EQ(OneShot(CKM_AES_GCM, false, RawParam(q), key, *sealed).rv(),
            CKR_ENCRYPTED_DATA_INVALID);
  // Shorter than a tag cannot be GCM output at all.
  EXPECT_EQ(OneShot(CKM_AES_GCM, false, RawParam(p), key, Bytes(15)).rv(),
            CKR_ENCRYPTED_DATA_LEN_RANGE);
}

TEST_F(AesTest, GcmFailedTagLeavesNoPlaintextInBuffer) {
  Bytes key = Random(16), iv = Random(12), aad, pt(48, 0x41);
  CK_GCM_PARAMS p = Gcm(iv, aad);
  auto sealed = OneShot(CKM_AES_GCM, true, RawParam(p), key, pt);
  ASSERT_TRUE(sealed.ok());
  sealed->back() ^= 1;
  auto op = Begin(CKM_AES_GCM, false, RawParam(p), key);
  Bytes out(48, 0);
  CK_ULONG len = out.size();
  OutBuffer buffer(out.data(), &len);
  EXPECT_EQ(op->OneShot(*sealed, buffer).rv(), CKR_ENCRYPTED_DATA_INVALID);
  EXPECT_EQ(out, Bytes(48, 0));
}

TEST_F(AesTest, GcmShortTagsMatchOpenSsl) {
  for (CK_ULONG bits : {32ul, 64ul, 96ul, 104ul, 112ul, 120ul, 128ul}) {
    Bytes key = Random(24), iv = Random(bits == 96 ? 12 : 16), aad = Random(5), pt = Random(77);
    CK_GCM_PARAMS p = Gcm(iv, aad, bits);
    Bytes want = OsslCipher("AES-192-GCM", true, key, iv, pt, false, aad, bits / 8);
    auto sealed = MultiPart(CKM_AES_GCM, true, RawParam(p), key, pt, {30});
    ASSERT_TRUE(sealed.ok()) << bits;
    EXPECT_EQ(*sealed, want) << bits;
    auto opened = OneShot(CKM_AES_GCM, false, RawParam(p), key, want);
    ASSERT_TRUE(opened.ok()) << bits;
    EXPECT_EQ(*opened, pt);
  }
}

TEST_F(AesTest, BadParametersAreRejected) {
  Bytes key(16, 1), iv(16, 2), aad(4, 3);
  auto rv = [&](CK_MECHANISM_TYPE t, ByteView param) {
    CK_RV enc = Mech(t).BeginEncrypt(param, symtest::SecretKey(CKK_AES, key)).rv();
    CK_RV dec = Mech(t).BeginDecrypt(param, symtest::SecretKey(CKK_AES, key)).rv();
    EXPECT_EQ(enc, dec);
    return enc;
  };
  EXPECT_EQ(rv(CKM_AES_ECB, ByteView(iv)), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv(CKM_AES_CBC, {}), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv(CKM_AES_CBC, ByteView(iv).first(15)), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv(CKM_AES_CBC_PAD, symtest::Concat(iv, {0})), CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(rv(CKM_AES_GCM, {}), CKR_MECHANISM_PARAM_INVALID);
  CK_GCM_PARAMS good = Gcm(iv, aad);
  EXPECT_EQ(rv(CKM_AES_GCM, RawParam(good)), CKR_OK);
  EXPECT_EQ(rv(CKM_AES_GCM, RawParam(good).first(sizeof good - 1)), CKR_MECHANISM_PARAM_INVALID);
  for (CK_ULONG bits : {0ul, 8ul, 100ul, 136ul, 256ul}) {
    CK_GCM_PARAMS p = Gcm(iv, aad, bits);
    EXPECT_EQ(rv(CKM_AES_GCM, RawParam(p)), CKR_MECHANISM_PARAM_INVALID) << bits;
  }
  CK_GCM_PARAMS no_iv = good;
  no_iv.ulIvLen = 0;
  EXPECT_EQ(rv(CKM_AES_GCM, RawParam(no_iv)), CKR_MECHANISM_PARAM_INVALID);
  Bytes long_iv(129, 1);
  CK_GCM_PARAMS too_long = Gcm(long_iv, aad);
  EXPECT_EQ(rv(CKM_AES_GCM, RawParam(too_long)), CKR_MECHANISM_PARAM_INVALID);
  Bytes max_iv(128, 1);
  CK_GCM_PARAMS longest = Gcm(max_iv, aad);
  EXPECT_EQ(rv(CKM_AES_GCM, RawParam(longest)), CKR_OK);
  CK_GCM_PARAMS null_iv = good;
  null_iv.pIv = nullptr;
  EXPECT_EQ(rv(CKM_AES_GCM, RawParam(null_iv)), CKR_MECHANISM_PARAM_INVALID);
  CK_GCM_PARAMS null_aad = good;
  null_aad.pAAD = nullptr;
  EXPECT_EQ(rv(CKM_AES_GCM, RawParam(null_aad)), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(AesTest, KeyChecks) {
  Bytes iv(16, 0);
  for (size_t n : {0, 8, 15, 17, 20, 31, 33, 64}) {
    KeyMaterial k = symtest::SecretKey(CKK_AES, Bytes(n, 1));
    EXPECT_EQ(Mech(CKM_AES_CBC).BeginEncrypt(iv, k).rv(), CKR_KEY_SIZE_RANGE) << n;
    EXPECT_EQ(Mech(CKM_AES_ECB).BeginDecrypt({}, k).rv(), CKR_KEY_SIZE_RANGE) << n;
  }
  KeyMaterial generic = symtest::SecretKey(CKK_GENERIC_SECRET, Bytes(16, 1));
  EXPECT_EQ(Mech(CKM_AES_ECB).BeginEncrypt({}, generic).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(AesTest, DataLengthRules) {
  Bytes key(16, 1), iv(16, 2), odd(15, 3), none;
  for (CK_MECHANISM_TYPE t : {CKM_AES_ECB, CKM_AES_CBC}) {
    ByteView param = t == CKM_AES_CBC ? ByteView(iv) : ByteView();
    EXPECT_EQ(OneShot(t, true, param, key, odd).rv(), CKR_DATA_LEN_RANGE);
    EXPECT_EQ(OneShot(t, false, param, key, odd).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
    EXPECT_EQ(MultiPart(t, true, param, key, Bytes(33), {20}).rv(), CKR_DATA_LEN_RANGE);
    EXPECT_EQ(MultiPart(t, false, param, key, Bytes(33), {20}).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
    // No data is valid data for the unpadded modes.
    auto empty = OneShot(t, true, param, key, none);
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());
  }
  EXPECT_EQ(OneShot(CKM_AES_CBC_PAD, false, iv, key, odd).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(OneShot(CKM_AES_CBC_PAD, false, iv, key, none).rv(), CKR_ENCRYPTED_DATA_LEN_RANGE);
  EXPECT_EQ(MultiPart(CKM_AES_CBC_PAD, false, iv, key, Bytes(40), {17}).rv(),
            CKR_ENCRYPTED_DATA_LEN_RANGE);
  auto padded_empty = OneShot(CKM_AES_CBC_PAD, true, iv, key, none);
  ASSERT_TRUE(padded_empty.ok());
  EXPECT_EQ(padded_empty->size(), 16u);
}

TEST_F(AesTest, CbcPadBadPaddingIsEncryptedDataInvalid) {
  Bytes key = Random(32), iv = Random(16);
  // Plaintext blocks whose last byte is not valid PKCS #7 padding, encrypted without padding.
  for (Bytes tail : {Bytes{0x00}, Bytes{0x11}, Bytes{0x03, 0x02}}) {
    Bytes block(32, 0x05);
    std::copy(tail.begin(), tail.end(), block.end() - tail.size());
    auto ct = OneShot(CKM_AES_CBC, true, iv, key, block);
    ASSERT_TRUE(ct.ok());
    EXPECT_EQ(OneShot(CKM_AES_CBC_PAD, false, iv, key, *ct).rv(), CKR_ENCRYPTED_DATA_INVALID);
    EXPECT_EQ(MultiPart(CKM_AES_CBC_PAD, false, iv, key, *ct, {16}).rv(),
              CKR_ENCRYPTED_DATA_INVALID);
    // Through a buffer smaller than the input as well (the temporary path).
    auto op = Begin(CKM_AES_CBC_PAD, false, iv, key);
    EXPECT_EQ(symtest::CallWithRoom(20, [&](OutBuffer& o) { return op->OneShot(*ct, o); }).rv(),
              CKR_ENCRYPTED_DATA_INVALID);
  }
}

TEST_F(AesTest, CbcPadDecryptLengthProtocol) {
  Bytes key = Random(16), iv = Random(16), pt = Random(37);
  Bytes ct = OsslCipher("AES-128-CBC", true, key, iv, pt, true);
  ASSERT_EQ(ct.size(), 48u);
  auto op = Begin(CKM_AES_CBC_PAD, false, iv, key);
  // The query may report an upper bound (the input length)...
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  EXPECT_EQ(op->OneShot(ct, query).rv(), CKR_OK);
  EXPECT_GE(len, pt.size());
  EXPECT_LE(len, ct.size());
  // ...a buffer too small for the plaintext gets CKR_BUFFER_TOO_SMALL with the exact size...
  Bytes out(36);
  len = out.size();
  OutBuffer small(out.data(), &len);
  EXPECT_EQ(op->OneShot(ct, small).rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, pt.size());
  // ...and a buffer of exactly the plaintext size then succeeds.
  out.resize(pt.size());
  len = out.size();
  OutBuffer exact(out.data(), &len);
  ASSERT_TRUE(op->OneShot(ct, exact).ok());
  EXPECT_EQ(len, pt.size());
  EXPECT_EQ(out, pt);

  // Multi-part: Final's short buffer is retryable.
  auto multi = Begin(CKM_AES_CBC_PAD, false, iv, key);
  auto head = symtest::CallWithRoom(48, [&](OutBuffer& o) { return multi->Update(ct, o); });
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size(), 32u);  // the last block is held back: it carries the padding
  Bytes tail(4);
  len = tail.size();
  OutBuffer tail_small(tail.data(), &len);
  EXPECT_EQ(multi->Final(tail_small).rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 5u);
  auto rest = symtest::QueryThenCall([&](OutBuffer& o) { return multi->Final(o); });
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(symtest::Concat(*head, *rest), pt);
}

TEST_F(AesTest, ShortBufferIsRetryableEverywhere) {
  Bytes key = Random(32), iv = Random(12), aad, pt = Random(50);
  CK_GCM_PARAMS p = Gcm(iv, aad);
  auto op = Begin(CKM_AES_GCM, true, RawParam(p), key);
  Bytes out(65);
  CK_ULONG len = out.size();
  OutBuffer small(out.data(), &len);
  EXPECT_EQ(op->OneShot(pt, small).rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 66u);
  auto sealed = symtest::CallWithRoom(66, [&](OutBuffer& o) { return op->OneShot(pt, o); });
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(*sealed, OsslCipher("AES-256-GCM", true, key, iv, pt, false, aad, 16));

  auto dec = Begin(CKM_AES_GCM, false, RawParam(p), key);
  ASSERT_TRUE(symtest::CallWithRoom(0, [&](OutBuffer& o) { return dec->Update(*sealed, o); }).ok());
  len = 10;
  OutBuffer final_small(out.data(), &len);
  EXPECT_EQ(dec->Final(final_small).rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 50u);
  auto opened = symtest::QueryThenCall([&](OutBuffer& o) { return dec->Final(o); });
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, pt);

  // Block modes: an Update with too little room keeps the data for the retry.
  auto ecb = Begin(CKM_AES_ECB, true, {}, key);
  len = 16;
  OutBuffer ecb_small(out.data(), &len);
  EXPECT_EQ(ecb->Update(ByteView(pt).first(32), ecb_small).rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 32u);
  auto ecb_out =
      symtest::QueryThenCall([&](OutBuffer& o) { return ecb->Update(ByteView(pt).first(32), o); });
  ASSERT_TRUE(ecb_out.ok());
  Bytes first32(pt.begin(), pt.begin() + 32);
  EXPECT_EQ(*ecb_out, OsslCipher("AES-256-ECB", true, key, {}, first32, false));
}

TEST_F(AesTest, RandomRoundTripsMatchOpenSsl) {
  struct Case {
    CK_MECHANISM_TYPE type;
    const char* mode;
    bool pad;
  };
  for (Case c : {Case{CKM_AES_ECB, "ECB", false}, Case{CKM_AES_CBC, "CBC", false},
                 Case{CKM_AES_CBC_PAD, "CBC", true}, Case{CKM_AES_GCM, "GCM", false}}) {
    for (size_t key_len : {16, 24, 32}) {
      for (size_t n : {0, 1, 15, 16, 17, 100, 4096, 100000}) {
        bool block_only = !c.pad && c.type != CKM_AES_GCM;
        if (block_only) n = n / 16 * 16;
        Bytes key = Random(key_len), pt = Random(n), aad = Random(n % 7);
        Bytes iv = Random(c.type == CKM_AES_GCM ? 12 : c.type == CKM_AES_ECB ? 0 : 16);
        CK_GCM_PARAMS gp = Gcm(iv, aad);
        ByteView param = c.type == CKM_AES_GCM ? RawParam(gp) : ByteView(iv);
        size_t tag = c.type == CKM_AES_GCM ? 16 : 0;
        Bytes want = OsslCipher(OsslName(c.mode, key_len), true, key, iv, pt, c.pad, aad, tag);
        SCOPED_TRACE(std::string(c.mode) + " " + std::to_string(key_len) + " " + std::to_string(n));
        ExpectBothWays(c.type, param, key, pt, want);
      }
    }
  }
}

TEST_F(AesTest, KeyGeneration) {
  const Mechanism& gen = Mech(CKM_AES_KEY_GEN);
  Bytes previous;
  for (CK_ULONG n : {16ul, 24ul, 32ul}) {
    Object key;
    key.SetUlong(CKA_CLASS, CKO_SECRET_KEY);
    key.SetUlong(CKA_KEY_TYPE, CKK_AES);
    key.SetUlong(CKA_VALUE_LEN, n);
    ASSERT_TRUE(gen.GenerateKey({}, key).ok()) << n;
    ByteView value = key.GetBytes(CKA_VALUE);
    ASSERT_EQ(value.size(), n);
    Bytes v(value.begin(), value.end());
    EXPECT_NE(v, Bytes(n, 0));
    EXPECT_NE(Bytes(v.begin(), v.begin() + 16), previous);
    previous.assign(v.begin(), v.begin() + 16);
    EXPECT_EQ(key.GetUlong(CKA_VALUE_LEN), n);
    // The generated key works with the cipher mechanisms.
    auto enc = OneShot(CKM_AES_ECB, true, {}, v, Bytes(16, 0));
    EXPECT_TRUE(enc.ok());
  }
  Object missing;
  EXPECT_EQ(gen.GenerateKey({}, missing).rv(), CKR_TEMPLATE_INCOMPLETE);
  for (CK_ULONG n : {0ul, 8ul, 20ul, 33ul, 64ul}) {
    Object bad;
    bad.SetUlong(CKA_VALUE_LEN, n);
    EXPECT_EQ(gen.GenerateKey({}, bad).rv(), CKR_KEY_SIZE_RANGE) << n;
  }
  Object wrong_type;
  wrong_type.SetUlong(CKA_KEY_TYPE, CKK_GENERIC_SECRET);
  wrong_type.SetUlong(CKA_VALUE_LEN, 16);
  EXPECT_EQ(gen.GenerateKey({}, wrong_type).rv(), CKR_TEMPLATE_INCONSISTENT);
  Object ok;
  ok.SetUlong(CKA_VALUE_LEN, 16);
  uint8_t param[1] = {0};
  EXPECT_EQ(gen.GenerateKey(ByteView(param, 1), ok).rv(), CKR_MECHANISM_PARAM_INVALID);
}

TEST_F(AesTest, GcmWrapIsCiphertextAndTag) {
  Bytes wrapping = Random(32), secret = Random(24), iv = Random(12), aad = Random(5);
  CK_GCM_PARAMS p = Gcm(iv, aad);
  KeyMaterial k = symtest::SecretKey(CKK_AES, wrapping);
  SecureBuffer value{ByteView(secret)};
  auto wrapped = symtest::QueryThenCall(
      [&](OutBuffer& o) { return Mech(CKM_AES_GCM).Wrap(RawParam(p), k, value.secret(), o); });
  ASSERT_TRUE(wrapped.ok()) << wrapped.rv();
  EXPECT_EQ(*wrapped, OsslCipher("AES-256-GCM", true, wrapping, iv, secret, false, aad, 16));
  auto unwrapped = Mech(CKM_AES_GCM).Unwrap(RawParam(p), k, *wrapped);
  ASSERT_TRUE(unwrapped.ok()) << unwrapped.rv();
  EXPECT_EQ(Bytes(unwrapped->view().begin(), unwrapped->view().end()), secret);
  // A changed byte or a truncated blob is CKR_WRAPPED_KEY_INVALID, whichever check fails.
  Bytes tampered = *wrapped;
  tampered[3] ^= 1;
  EXPECT_EQ(Mech(CKM_AES_GCM).Unwrap(RawParam(p), k, tampered).rv(), CKR_WRAPPED_KEY_INVALID);
  EXPECT_EQ(Mech(CKM_AES_GCM).Unwrap(RawParam(p), k, ByteView(*wrapped).first(10)).rv(),
            CKR_WRAPPED_KEY_INVALID);
  CK_GCM_PARAMS bad = Gcm(iv, aad, 20);
  EXPECT_EQ(Mech(CKM_AES_GCM).Unwrap(RawParam(bad), k, *wrapped).rv(), CKR_MECHANISM_PARAM_INVALID);
  // The other AES modes do not wrap.
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  EXPECT_EQ(Mech(CKM_AES_CBC).Wrap(iv, k, value.secret(), query).rv(), CKR_MECHANISM_INVALID);
}

}  // namespace
}  // namespace p11
