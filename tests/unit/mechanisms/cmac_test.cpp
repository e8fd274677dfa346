// AES-CMAC and AES-CMAC-GENERAL (PKCS#11 3.1 §6.13.7): NIST SP 800-38B known answers, truncation,
// verify results, state copies, parameter and key checks, and OpenSSL cross-checks.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mechanisms/registry.h"
#include "registry_suite.h"
#include "sym_test_util.h"

namespace p11 {
namespace {

using symtest::Bytes;

class CmacTest : public RegistrySuite<RegisterCmac> {
 protected:
  // Single-part and multi-part (split at `splits`) must agree; returns the MAC.
  Bytes Sign(CK_MECHANISM_TYPE type, ByteView param, const Bytes& key, const Bytes& msg,
             std::vector<size_t> splits = {}) {
    KeyMaterial k = symtest::SecretKey(CKK_AES, key);
    auto one = Mech(type).BeginSign(param, k);
    EXPECT_TRUE(one.ok()) << one.rv();
    if (!one.ok()) return {};
    auto single = symtest::QueryThenCall([&](OutBuffer& o) { return (*one)->Sign(msg, o); });
    auto multi = Mech(type).BeginSign(param, k);
    size_t pos = 0;
    splits.push_back(msg.size());
    for (size_t end : splits) {
      end = std::max(pos, std::min(end, msg.size()));
      EXPECT_TRUE((*multi)->Update(ByteView(msg).subspan(pos, end - pos)).ok());
      pos = end;
    }
    auto parts = symtest::QueryThenCall([&](OutBuffer& o) { return (*multi)->Final(o); });
    EXPECT_TRUE(single.ok() && parts.ok());
    EXPECT_EQ(*single, *parts);
    return *single;
  }

  CK_RV Verify(CK_MECHANISM_TYPE type, ByteView param, const Bytes& key, const Bytes& msg,
               const Bytes& mac) {
    KeyMaterial k = symtest::SecretKey(CKK_AES, key);
    auto op = Mech(type).BeginVerify(param, k);
    if (!op.ok()) return op.rv();
    return (*op)->Verify(msg, mac).rv();
  }
};

TEST_F(CmacTest, RegistersWithInfo) {
  for (CK_MECHANISM_TYPE t : {CKM_AES_CMAC, CKM_AES_CMAC_GENERAL}) {
    EXPECT_EQ(Mech(t).info().flags, CKF_SIGN | CKF_VERIFY | CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY);
    EXPECT_EQ(Mech(t).info().ulMinKeySize, 16u);
    EXPECT_EQ(Mech(t).info().ulMaxKeySize, 32u);
    EXPECT_TRUE(Mech(t).AcceptsKeyType(CKK_AES));
    EXPECT_FALSE(Mech(t).AcceptsKeyType(CKK_GENERIC_SECRET));
  }
}

TEST_F(CmacTest, Sp800_38bKnownAnswers) {
  auto records = symtest::ReadRecords("cmac.txt");
  EXPECT_EQ(records.size(), 12u);
  for (const auto& r : records) {
    Bytes key = symtest::Field(r, "Key"), msg = symtest::Field(r, "Msg");
    Bytes mac = symtest::Field(r, "Mac");
    SCOPED_TRACE(r.at("Key") + " " + std::to_string(msg.size()));
    EXPECT_EQ(Sign(CKM_AES_CMAC, {}, key, msg, {0, 1, 16, 17, 33}), mac);
    EXPECT_EQ(Verify(CKM_AES_CMAC, {}, key, msg, mac), CKR_OK);
    CK_MAC_GENERAL_PARAMS len = 8;
    Bytes half(mac.begin(), mac.begin() + 8);
    EXPECT_EQ(Sign(CKM_AES_CMAC_GENERAL, symtest::ParamBytes(len), key, msg, {5}), half);
    EXPECT_EQ(Verify(CKM_AES_CMAC_GENERAL, symtest::ParamBytes(len), key, msg, half), CKR_OK);
  }
}

TEST_F(CmacTest, VerifyRejectsWrongLengthAndWrongMac) {
  Bytes key(16, 3), msg = symtest::AsBytesOf("message");
  Bytes mac = Sign(CKM_AES_CMAC, {}, key, msg);
  EXPECT_EQ(Verify(CKM_AES_CMAC, {}, key, msg, Bytes(mac.begin(), mac.end() - 1)),
            CKR_SIGNATURE_LEN_RANGE);
  mac[0] ^= 0x80;
  EXPECT_EQ(Verify(CKM_AES_CMAC, {}, key, msg, mac), CKR_SIGNATURE_INVALID);
}

TEST_F(CmacTest, BadParametersAndKeys) {
  KeyMaterial key = symtest::SecretKey(CKK_AES, Bytes(16, 1));
  for (CK_MAC_GENERAL_PARAMS len : {0ul, 17ul}) {
    EXPECT_EQ(Mech(CKM_AES_CMAC_GENERAL).BeginSign(symtest::ParamBytes(len), key).rv(),
              CKR_MECHANISM_PARAM_INVALID);
  }
  CK_MAC_GENERAL_PARAMS len = 16;
  EXPECT_EQ(Mech(CKM_AES_CMAC).BeginSign(symtest::ParamBytes(len), key).rv(),
            CKR_MECHANISM_PARAM_INVALID);
  EXPECT_EQ(Mech(CKM_AES_CMAC_GENERAL).BeginSign({}, key).rv(), CKR_MECHANISM_PARAM_INVALID);
  KeyMaterial odd = symtest::SecretKey(CKK_AES, Bytes(20, 1));
  EXPECT_EQ(Mech(CKM_AES_CMAC).BeginSign({}, odd).rv(), CKR_KEY_SIZE_RANGE);
  KeyMaterial generic = symtest::SecretKey(CKK_GENERIC_SECRET, Bytes(16, 1));
  EXPECT_EQ(Mech(CKM_AES_CMAC).BeginVerify({}, generic).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(CmacTest, LengthQueryAndShortBufferKeepOperation) {
  KeyMaterial key = symtest::SecretKey(CKK_AES, Bytes(32, 9));
  auto op = Mech(CKM_AES_CMAC).BeginSign({}, key);
  ASSERT_TRUE(op.ok());
  Bytes msg = symtest::AsBytesOf("abc");
  Bytes out(16);
  CK_ULONG len = 15;
  OutBuffer small(out.data(), &len);
  EXPECT_EQ((*op)->Sign(msg, small).rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 16u);
  OutBuffer exact(out.data(), &len);
  ASSERT_TRUE((*op)->Sign(msg, exact).ok());
  EXPECT_EQ(out, Sign(CKM_AES_CMAC, {}, Bytes(32, 9), msg));
}

TEST_F(CmacTest, CloneContinuesIndependently) {
  Bytes key(24, 5), msg = symtest::AsBytesOf("abcdefghijklmnopqrstuvwxyz");
  KeyMaterial k = symtest::SecretKey(CKK_AES, key);
  auto op = Mech(CKM_AES_CMAC).BeginSign({}, k);
  ASSERT_TRUE(op.ok());
  ASSERT_TRUE((*op)->Update(ByteView(msg).first(20)).ok());
  auto copy = (*op)->Clone();
  ASSERT_TRUE(copy.ok()) << copy.rv();
  Bytes want = Sign(CKM_AES_CMAC, {}, key, msg);
  for (SignOperation* s : {op->get(), copy->get()}) {
    ASSERT_TRUE(s->Update(ByteView(msg).subspan(20)).ok());
    auto out = symtest::QueryThenCall([&](OutBuffer& o) { return s->Final(o); });
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, want);
  }
}

TEST_F(CmacTest, MatchesOpenSslOnRandomInputs) {
  for (size_t key_len : {16, 24, 32}) {
    Bytes key(key_len), msg(333);
    ASSERT_EQ(RAND_bytes(key.data(), key.size()), 1);
    ASSERT_EQ(RAND_bytes(msg.data(), msg.size()), 1);
    std::string cipher = "AES-" + std::to_string(key_len * 8) + "-CBC";
    Bytes want(16);
    size_t want_len = 0;
    ASSERT_NE(EVP_Q_mac(nullptr, "CMAC", nullptr, cipher.c_str(), nullptr, key.data(), key.size(),
                        msg.data(), msg.size(), want.data(), want.size(), &want_len),
              nullptr);
    EXPECT_EQ(Sign(CKM_AES_CMAC, {}, key, msg, {100, 200}), want) << key_len;
  }
}

}  // namespace
}  // namespace p11
