// The PKCS#11 3.0 message-based AEAD API (§5.11-5.12) for AES-GCM (CK_GCM_MESSAGE_PARAMS),
// AES-CCM (CK_CCM_MESSAGE_PARAMS) and ChaCha20-Poly1305 (CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS):
// one-shot and Begin/Next messages agree with the single-part mechanisms, tags travel through
// the parameter block, generated IVs keep their fixed part and never repeat, tampering fails.
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <set>

#include "mechanisms/registry.h"
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

class AeadMessageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterAes(registry_);
    RegisterAesModes(registry_);
    RegisterChacha(registry_);
  }

  const Mechanism& Mech(CK_MECHANISM_TYPE type) {
    const Mechanism* m = registry_.Find(type);
    EXPECT_NE(m, nullptr);
    return *m;
  }

  std::unique_ptr<MessageCipherOperation> Begin(CK_MECHANISM_TYPE type, bool encrypt,
                                                const KeyMaterial& key) {
    auto op =
        encrypt ? Mech(type).BeginMessageEncrypt({}, key) : Mech(type).BeginMessageDecrypt({}, key);
    EXPECT_TRUE(op.ok()) << op.rv();
    return op.ok() ? std::move(*op) : nullptr;
  }

  // One message through Message(), output length queried first.
  template <class P>
  Result<Bytes> OneMessage(MessageCipherOperation& op, P& param, const Bytes& aad,
                           const Bytes& in) {
    return symtest::QueryThenCall(
        [&](OutBuffer& o) { return op.Message(symtest::MutableParamBytes(param), aad, in, o); });
  }

  // One message through Begin and Next, split at `splits`.
  template <class P>
  Result<Bytes> PartsMessage(MessageCipherOperation& op, P& param, const Bytes& aad,
                             const Bytes& in, std::vector<size_t> splits) {
    P11_TRY(op.Begin(symtest::MutableParamBytes(param), aad));
    Bytes out;
    size_t pos = 0;
    splits.push_back(in.size());
    for (size_t i = 0; i < splits.size(); ++i) {
      size_t end = std::max(pos, std::min(splits[i], in.size()));
      ByteView part = ByteView(in).subspan(pos, end - pos);
      bool last = i + 1 == splits.size();
      P11_ASSIGN_OR_RETURN(Bytes chunk, symtest::QueryThenCall([&](OutBuffer& o) {
                             return op.Next(symtest::MutableParamBytes(param), part, o, last);
                           }));
      out = symtest::Concat(out, chunk);
      pos = end;
    }
    return out;
  }

  Registry registry_;
};

TEST_F(AeadMessageTest, GcmMessageMatchesSinglePartGcm) {
  KeyMaterial key = symtest::SecretKey(CKK_AES, Random(32));
  Bytes iv = Random(12), aad = Random(17), pt = Random(100), tag(16);
  CK_GCM_MESSAGE_PARAMS p{iv.data(), iv.size(), 0, CKG_NO_GENERATE, tag.data(), 128};
  auto enc = Begin(CKM_AES_GCM, true, key);
  auto ct = OneMessage(*enc, p, aad, pt);
  ASSERT_TRUE(ct.ok()) << ct.rv();
  CK_GCM_PARAMS single{iv.data(), iv.size(), 96, aad.data(), aad.size(), 128};
  auto want = symtest::CipherOneShot(Mech(CKM_AES_GCM), true, symtest::ParamBytes(single), key, pt);
  ASSERT_TRUE(want.ok());
  EXPECT_EQ(symtest::Concat(*ct, tag), *want);
  // Multi-part gives the same, and the decrypt side reads the tag from pTag.
  Bytes tag2(16);
  p.pTag = tag2.data();
  auto parts = PartsMessage(*enc, p, aad, pt, {0, 1, 50});
  ASSERT_TRUE(parts.ok()) << parts.rv();
  EXPECT_EQ(*parts, *ct);
  EXPECT_EQ(tag2, tag);
  auto dec = Begin(CKM_AES_GCM, false, key);
  auto back = OneMessage(*dec, p, aad, *ct);
  ASSERT_TRUE(back.ok()) << back.rv();
  EXPECT_EQ(*back, pt);
  auto back_parts = PartsMessage(*dec, p, aad, *ct, {33, 66});
  ASSERT_TRUE(back_parts.ok()) << back_parts.rv();
  EXPECT_EQ(*back_parts, pt);
  // Tampered tag, ciphertext or AAD.
  tag2[0] ^= 1;
  EXPECT_EQ(OneMessage(*dec, p, aad, *ct).rv(), CKR_ENCRYPTED_DATA_INVALID);
  tag2[0] ^= 1;
  Bytes bad = *ct;
  bad[99] ^= 1;
  EXPECT_EQ(PartsMessage(*dec, p, aad, bad, {10}).rv(), CKR_ENCRYPTED_DATA_INVALID);
  EXPECT_EQ(OneMessage(*dec, p, Bytes(), *ct).rv(), CKR_ENCRYPTED_DATA_INVALID);
  // The operation serves further messages after a failed one.
  EXPECT_TRUE(OneMessage(*dec, p, aad, *ct).ok());
}

TEST_F(AeadMessageTest, GcmGeneratedIvsAreDistinctAndKeepTheFixedPart) {
  KeyMaterial key = symtest::SecretKey(CKK_AES, Random(16));
  Bytes pt = Random(20), aad;
  for (CK_GENERATOR_FUNCTION gen :
       {CKG_GENERATE, CKG_GENERATE_COUNTER, CKG_GENERATE_RANDOM, CKG_GENERATE_COUNTER_XOR}) {
    auto enc = Begin(CKM_AES_GCM, true, key);
    auto dec = Begin(CKM_AES_GCM, false, key);
    std::set<Bytes> seen;
    Bytes fixed = {0xa5, 0xa5, 0xa5, 0xa5};
    for (int i = 0; i < 20; ++i) {
      Bytes iv = symtest::Concat(fixed, Bytes(8, 0x3c)), tag(16);
      CK_GCM_MESSAGE_PARAMS p{iv.data(), iv.size(), 32, gen, tag.data(), 128};
      auto ct = i % 2 ? OneMessage(*enc, p, aad, pt) : PartsMessage(*enc, p, aad, pt, {7});
      ASSERT_TRUE(ct.ok()) << gen << " " << ct.rv();
      EXPECT_EQ(Bytes(iv.begin(), iv.begin() + 4), fixed) << gen;
      EXPECT_TRUE(seen.insert(iv).second) << "IV repeated, generator " << gen;
      // The written IV is what decryption needs.
      CK_GCM_MESSAGE_PARAMS d{iv.data(), iv.size(), 0, CKG_NO_GENERATE, tag.data(), 128};
      auto back = OneMessage(*dec, d, aad, *ct);
      ASSERT_TRUE(back.ok()) << back.rv();
      EXPECT_EQ(*back, pt);
    }
  }
}

TEST_F(AeadMessageTest, LengthQueryDoesNotConsumeAnIv) {
  KeyMaterial key = symtest::SecretKey(CKK_AES, Random(16));
  auto enc = Begin(CKM_AES_GCM, true, key);
  Bytes iv(12, 0), tag(16), pt = Random(5);
  CK_GCM_MESSAGE_PARAMS p{iv.data(), iv.size(), 0, CKG_GENERATE_COUNTER, tag.data(), 128};
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  EXPECT_EQ(enc->Message(symtest::MutableParamBytes(p), {}, pt, query).rv(), CKR_OK);
  EXPECT_EQ(len, 5u);
  EXPECT_EQ(iv, Bytes(12, 0));
  Bytes out(4);
  len = 4;
  OutBuffer small(out.data(), &len);
  EXPECT_EQ(enc->Message(symtest::MutableParamBytes(p), {}, pt, small).rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(iv, Bytes(12, 0));
  ASSERT_TRUE(OneMessage(*enc, p, Bytes(), pt).ok());
  EXPECT_EQ(iv, Bytes(12, 0));  // the counter starts at zero
  ASSERT_TRUE(OneMessage(*enc, p, Bytes(), pt).ok());
  EXPECT_EQ(iv.back(), 1);
}

TEST_F(AeadMessageTest, BadMessageParameters) {
  KeyMaterial key = symtest::SecretKey(CKK_AES, Random(16));
  auto enc = Begin(CKM_AES_GCM, true, key);
  Bytes iv(12), tag(16), pt(4);
  std::vector<CK_GCM_MESSAGE_PARAMS> bad = {
      {nullptr, 12, 0, CKG_NO_GENERATE, tag.data(), 128},
      {iv.data(), 0, 0, CKG_NO_GENERATE, tag.data(), 128},
      {iv.data(), 12, 0, CKG_NO_GENERATE, nullptr, 128},
      {iv.data(), 12, 0, CKG_NO_GENERATE, tag.data(), 100},
      {iv.data(), 12, 96, CKG_GENERATE_COUNTER, tag.data(), 128},  // nothing left to generate
      {iv.data(), 12, 0, 77, tag.data(), 128},
  };
  for (CK_GCM_MESSAGE_PARAMS& p : bad) {
    EXPECT_EQ(OneMessage(*enc, p, Bytes(), pt).rv(), CKR_MECHANISM_PARAM_INVALID);
    EXPECT_EQ(enc->Begin(symtest::MutableParamBytes(p), {}).rv(), CKR_MECHANISM_PARAM_INVALID);
  }
  std::vector<uint8_t> wrong_size(8);
  CK_ULONG len = 4;
  Bytes out(4);
  OutBuffer o(out.data(), &len);
  EXPECT_EQ(enc->Message(wrong_size, {}, pt, o).rv(), CKR_MECHANISM_PARAM_INVALID);
  // Next without Begin; Message while a message is open.
  CK_GCM_MESSAGE_PARAMS good{iv.data(), 12, 0, CKG_NO_GENERATE, tag.data(), 128};
  EXPECT_EQ(enc->Next(symtest::MutableParamBytes(good), pt, o, true).rv(),
            CKR_OPERATION_NOT_INITIALIZED);
  ASSERT_TRUE(enc->Begin(symtest::MutableParamBytes(good), {}).ok());
  EXPECT_EQ(OneMessage(*enc, good, Bytes(), pt).rv(), CKR_OPERATION_ACTIVE);
  // The other AES modes have no message API.
  EXPECT_EQ(Mech(CKM_AES_CBC).BeginMessageEncrypt({}, key).rv(), CKR_MECHANISM_INVALID);
}

TEST_F(AeadMessageTest, CcmMessageMatchesSinglePartCcm) {
  KeyMaterial key = symtest::SecretKey(CKK_AES, Random(24));
  Bytes nonce = Random(11), aad = Random(8), pt = Random(70), mac(10);
  CK_CCM_MESSAGE_PARAMS p{pt.size(),       nonce.data(), nonce.size(), 0,
                          CKG_NO_GENERATE, mac.data(),   mac.size()};
  auto enc = Begin(CKM_AES_CCM, true, key);
  auto ct = PartsMessage(*enc, p, aad, pt, {10, 40});
  ASSERT_TRUE(ct.ok()) << ct.rv();
  CK_CCM_PARAMS single{pt.size(), nonce.data(), nonce.size(), aad.data(), aad.size(), 10};
  auto want = symtest::CipherOneShot(Mech(CKM_AES_CCM), true, symtest::ParamBytes(single), key, pt);
  ASSERT_TRUE(want.ok());
  EXPECT_EQ(symtest::Concat(*ct, mac), *want);
  auto dec = Begin(CKM_AES_CCM, false, key);
  auto back = OneMessage(*dec, p, aad, *ct);
  ASSERT_TRUE(back.ok()) << back.rv();
  EXPECT_EQ(*back, pt);
  mac[9] ^= 1;
  EXPECT_EQ(PartsMessage(*dec, p, aad, *ct, {3}).rv(), CKR_ENCRYPTED_DATA_INVALID);
  // ulDataLen must match, and generated nonces differ.
  EXPECT_EQ(OneMessage(*enc, p, aad, Bytes(69)).rv(), CKR_DATA_LEN_RANGE);
  std::set<Bytes> seen;
  for (int i = 0; i < 5; ++i) {
    CK_CCM_MESSAGE_PARAMS g = p;
    g.ulNonceFixedBits = 16;
    g.nonceGenerator = CKG_GENERATE_COUNTER;
    ASSERT_TRUE(OneMessage(*enc, g, aad, pt).ok());
    EXPECT_TRUE(seen.insert(nonce).second);
  }
}

TEST_F(AeadMessageTest, ChachaPolyMessageMatchesSinglePart) {
  KeyMaterial key = symtest::SecretKey(CKK_CHACHA20, Random(32));
  Bytes nonce = Random(12), aad = Random(12), pt = Random(129), tag(16);
  CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS p{nonce.data(), nonce.size(), tag.data()};
  auto enc = Begin(CKM_CHACHA20_POLY1305, true, key);
  auto ct = PartsMessage(*enc, p, aad, pt, {64, 65});
  ASSERT_TRUE(ct.ok()) << ct.rv();
  CK_SALSA20_CHACHA20_POLY1305_PARAMS single{nonce.data(), nonce.size(), aad.data(), aad.size()};
  auto want = symtest::CipherOneShot(Mech(CKM_CHACHA20_POLY1305), true, symtest::ParamBytes(single),
                                     key, pt);
  ASSERT_TRUE(want.ok());
  EXPECT_EQ(symtest::Concat(*ct, tag), *want);
  auto dec = Begin(CKM_CHACHA20_POLY1305, false, key);
  auto back = OneMessage(*dec, p, aad, *ct);
  ASSERT_TRUE(back.ok()) << back.rv();
  EXPECT_EQ(*back, pt);
  tag[15] ^= 1;
  EXPECT_EQ(OneMessage(*dec, p, aad, *ct).rv(), CKR_ENCRYPTED_DATA_INVALID);
  CK_SALSA20_CHACHA20_POLY1305_MSG_PARAMS eight{nonce.data(), 8, tag.data()};
  EXPECT_EQ(OneMessage(*enc, eight, aad, pt).rv(), CKR_MECHANISM_PARAM_INVALID);
}

}  // namespace
}  // namespace p11
