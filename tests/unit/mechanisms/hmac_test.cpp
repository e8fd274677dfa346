// HMAC mechanisms: RFC 2202 / RFC 4231 known answers, *_HMAC_GENERAL truncation, verify
// results (PKCS#11 3.1 §5.12/§5.13: CKR_SIGNATURE_LEN_RANGE, CKR_SIGNATURE_INVALID), key
// checks and the length protocol. Random inputs are cross-checked with OpenSSL directly.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mechanisms/registry.h"
#include "registry_suite.h"
#include "sym_test_util.h"

namespace p11 {
namespace {

using symtest::Bytes;

struct HmacName {
  const char* name;
  const char* ossl;
  CK_MECHANISM_TYPE type;
  CK_MECHANISM_TYPE general;
  CK_KEY_TYPE key_type;
  size_t size;
};

constexpr HmacName kHmacs[] = {
    {"SHA1", "SHA1", CKM_SHA_1_HMAC, CKM_SHA_1_HMAC_GENERAL, CKK_SHA_1_HMAC, 20},
    {"SHA224", "SHA224", CKM_SHA224_HMAC, CKM_SHA224_HMAC_GENERAL, CKK_SHA224_HMAC, 28},
    {"SHA256", "SHA256", CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL, CKK_SHA256_HMAC, 32},
    {"SHA384", "SHA384", CKM_SHA384_HMAC, CKM_SHA384_HMAC_GENERAL, CKK_SHA384_HMAC, 48},
    {"SHA512", "SHA512", CKM_SHA512_HMAC, CKM_SHA512_HMAC_GENERAL, CKK_SHA512_HMAC, 64},
    {"SHA512_224", "SHA512-224", CKM_SHA512_224_HMAC, CKM_SHA512_224_HMAC_GENERAL,
     CKK_SHA512_224_HMAC, 28},
    {"SHA512_256", "SHA512-256", CKM_SHA512_256_HMAC, CKM_SHA512_256_HMAC_GENERAL,
     CKK_SHA512_256_HMAC, 32},
    {"SHA3_224", "SHA3-224", CKM_SHA3_224_HMAC, CKM_SHA3_224_HMAC_GENERAL, CKK_SHA3_224_HMAC, 28},
    {"SHA3_256", "SHA3-256", CKM_SHA3_256_HMAC, CKM_SHA3_256_HMAC_GENERAL, CKK_SHA3_256_HMAC, 32},
    {"SHA3_384", "SHA3-384", CKM_SHA3_384_HMAC, CKM_SHA3_384_HMAC_GENERAL, CKK_SHA3_384_HMAC, 48},
    {"SHA3_512", "SHA3-512", CKM_SHA3_512_HMAC, CKM_SHA3_512_HMAC_GENERAL, CKK_SHA3_512_HMAC, 64},
};

const HmacName& Lookup(const std::string& name) {
  for (const HmacName& h : kHmacs) {
    if (name == h.name) return h;
  }
  ADD_FAILURE() << "unknown hash " << name;
  return kHmacs[0];
}

ByteView ParamOf(const CK_MAC_GENERAL_PARAMS& len) {
  return ByteView(reinterpret_cast<const uint8_t*>(&len), sizeof len);
}

class HmacTest : public RegistrySuite<RegisterHmac> {
 protected:
  // Signs in one part, and in parts split at `splits`; both must agree.
  Bytes Sign(CK_MECHANISM_TYPE type, ByteView param, const Bytes& key, const Bytes& msg,
             std::vector<size_t> splits = {}) {
    KeyMaterial k = symtest::SecretKey(CKK_GENERIC_SECRET, key);
    auto one = Mech(type).BeginSign(param, k);
    EXPECT_TRUE(one.ok()) << one.rv();
    if (!one.ok()) return {};
    auto single = symtest::QueryThenCall([&](OutBuffer& o) { return (*one)->Sign(msg, o); });
    EXPECT_TRUE(single.ok()) << single.rv();

    auto multi = Mech(type).BeginSign(param, k);
    size_t pos = 0;
    splits.push_back(msg.size());
    for (size_t end : splits) {
      end = std::min(end, msg.size());
      EXPECT_TRUE((*multi)->Update(ByteView(msg).subspan(pos, end - pos)).ok());
      pos = end;
    }
    auto parts = symtest::QueryThenCall([&](OutBuffer& o) { return (*multi)->Final(o); });
    EXPECT_TRUE(parts.ok()) << parts.rv();
    EXPECT_EQ(*single, *parts);
    return *single;
  }

  CK_RV Verify(CK_MECHANISM_TYPE type, ByteView param, const Bytes& key, const Bytes& msg,
               const Bytes& mac, bool multi_part) {
    KeyMaterial k = symtest::SecretKey(CKK_GENERIC_SECRET, key);
    auto op = Mech(type).BeginVerify(param, k);
    if (!op.ok()) return op.rv();
    if (!multi_part) return (*op)->Verify(msg, mac).rv();
    size_t half = msg.size() / 2;
    EXPECT_TRUE((*op)->Update(ByteView(msg).first(half)).ok());
    EXPECT_TRUE((*op)->Update(ByteView(msg).subspan(half)).ok());
    return (*op)->Final(mac).rv();
  }
};

TEST_F(HmacTest, RegistersAllWithSignVerifyInfo) {
  for (const HmacName& h : kHmacs) {
    for (CK_MECHANISM_TYPE t : {h.type, h.general}) {
      const Mechanism& m = Mech(t);
      EXPECT_EQ(m.info().flags, CKF_SIGN | CKF_VERIFY | CKF_MESSAGE_SIGN | CKF_MESSAGE_VERIFY);
      EXPECT_GE(m.info().ulMinKeySize, 1u);
      EXPECT_GE(m.info().ulMaxKeySize, 131u);  // RFC 4231 uses 131-byte keys
    }
  }
}

TEST_F(HmacTest, KnownAnswers) {
  auto records = symtest::ReadRecords("hmac.txt");
  EXPECT_GE(records.size(), 38u);
  for (const auto& r : records) {
    const HmacName& h = Lookup(r.at("Hash"));
    Bytes key = symtest::Field(r, "Key");
    Bytes msg = symtest::Field(r, "Msg");
    Bytes mac = symtest::Field(r, "Mac");
    ASSERT_LE(mac.size(), h.size);
    CK_MAC_GENERAL_PARAMS len = mac.size();
    SCOPED_TRACE(std::string(h.name) + " " + r.at("Msg").substr(0, 20));
    EXPECT_EQ(Sign(h.general, ParamOf(len), key, msg, {1, 7, 64, 65}), mac);
    EXPECT_EQ(Verify(h.general, ParamOf(len), key, msg, mac, false), CKR_OK);
    EXPECT_EQ(Verify(h.general, ParamOf(len), key, msg, mac, true), CKR_OK);
    if (mac.size() == h.size) {
      EXPECT_EQ(Sign(h.type, {}, key, msg, {0, 3}), mac);
      EXPECT_EQ(Verify(h.type, {}, key, msg, mac, false), CKR_OK);
      EXPECT_EQ(Verify(h.type, {}, key, msg, mac, true), CKR_OK);
    }
  }
}

TEST_F(HmacTest, GeneralLengthsTruncateTheFullMac) {
  Bytes key = symtest::Hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
  Bytes msg = symtest::AsBytesOf("Hi There");
  Bytes full = Sign(CKM_SHA256_HMAC, {}, key, msg);
  ASSERT_EQ(full.size(), 32u);
  for (CK_MAC_GENERAL_PARAMS len : {1ul, 10ul, 16ul, 31ul, 32ul}) {
    Bytes mac = Sign(CKM_SHA256_HMAC_GENERAL, ParamOf(len), key, msg);
    EXPECT_EQ(mac, Bytes(full.begin(), full.begin() + len)) << len;
  }
}

TEST_F(HmacTest, BadParametersAreRejected) {
  KeyMaterial key = symtest::SecretKey(CKK_GENERIC_SECRET, Bytes(32, 1));
  for (const HmacName& h : kHmacs) {
    CK_MAC_GENERAL_PARAMS zero = 0, too_long = h.size + 1, ok = h.size;
    uint32_t short_param = 16;
    ByteView short_view(reinterpret_cast<const uint8_t*>(&short_param), sizeof short_param);
    EXPECT_EQ(Mech(h.general).BeginSign(ParamOf(zero), key).rv(), CKR_MECHANISM_PARAM_INVALID);
    EXPECT_EQ(Mech(h.general).BeginSign(ParamOf(too_long), key).rv(), CKR_MECHANISM_PARAM_INVALID);
    EXPECT_EQ(Mech(h.general).BeginVerify(ParamOf(too_long), key).rv(),
              CKR_MECHANISM_PARAM_INVALID);
    EXPECT_EQ(Mech(h.general).BeginSign(short_view, key).rv(), CKR_MECHANISM_PARAM_INVALID);
    EXPECT_EQ(Mech(h.general).BeginSign({}, key).rv(), CKR_MECHANISM_PARAM_INVALID);
    EXPECT_EQ(Mech(h.type).BeginSign(ParamOf(ok), key).rv(), CKR_MECHANISM_PARAM_INVALID);
    EXPECT_TRUE(Mech(h.general).BeginSign(ParamOf(ok), key).ok());
  }
}

TEST_F(HmacTest, VerifyRejectsWrongLengthAndWrongMac) {
  Bytes key = symtest::AsBytesOf("Jefe");
  Bytes msg = symtest::AsBytesOf("what do ya want for nothing?");
  Bytes mac = symtest::Hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  for (bool multi : {false, true}) {
    EXPECT_EQ(Verify(CKM_SHA256_HMAC, {}, key, msg, mac, multi), CKR_OK);
    Bytes shorter(mac.begin(), mac.end() - 1);
    EXPECT_EQ(Verify(CKM_SHA256_HMAC, {}, key, msg, shorter, multi), CKR_SIGNATURE_LEN_RANGE);
    Bytes longer = symtest::Concat(mac, {0});
    EXPECT_EQ(Verify(CKM_SHA256_HMAC, {}, key, msg, longer, multi), CKR_SIGNATURE_LEN_RANGE);
    for (size_t i : {size_t{0}, size_t{17}, mac.size() - 1}) {
      Bytes bad = mac;
      bad[i] ^= 0x01;
      EXPECT_EQ(Verify(CKM_SHA256_HMAC, {}, key, msg, bad, multi), CKR_SIGNATURE_INVALID);
    }
    Bytes other_msg = msg;
    other_msg[0] ^= 0x20;
    EXPECT_EQ(Verify(CKM_SHA256_HMAC, {}, key, other_msg, mac, multi), CKR_SIGNATURE_INVALID);
    // A truncated MAC is only valid for the _GENERAL mechanism asked for that length.
    CK_MAC_GENERAL_PARAMS sixteen = 16;
    Bytes truncated(mac.begin(), mac.begin() + 16);
    EXPECT_EQ(Verify(CKM_SHA256_HMAC_GENERAL, ParamOf(sixteen), key, msg, truncated, multi),
              CKR_OK);
    EXPECT_EQ(Verify(CKM_SHA256_HMAC_GENERAL, ParamOf(sixteen), key, msg, mac, multi),
              CKR_SIGNATURE_LEN_RANGE);
  }
}

TEST_F(HmacTest, KeyChecks) {
  const Mechanism& m = Mech(CKM_SHA256_HMAC);
  EXPECT_TRUE(m.AcceptsKeyType(CKK_GENERIC_SECRET));
  EXPECT_TRUE(m.AcceptsKeyType(CKK_SHA256_HMAC));
  EXPECT_FALSE(m.AcceptsKeyType(CKK_SHA384_HMAC));
  EXPECT_FALSE(m.AcceptsKeyType(CKK_AES));
  EXPECT_TRUE(Mech(CKM_SHA_1_HMAC_GENERAL).AcceptsKeyType(CKK_SHA_1_HMAC));

  EXPECT_EQ(m.BeginSign({}, symtest::SecretKey(CKK_GENERIC_SECRET, {})).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(m.BeginVerify({}, symtest::SecretKey(CKK_GENERIC_SECRET, {})).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(m.BeginSign({}, symtest::SecretKey(CKK_AES, Bytes(32, 1))).rv(),
            CKR_KEY_TYPE_INCONSISTENT);
  KeyMaterial not_secret = symtest::SecretKey(CKK_GENERIC_SECRET, Bytes(32, 1));
  not_secret.object_class = CKO_PRIVATE_KEY;
  EXPECT_EQ(m.BeginSign({}, not_secret).rv(), CKR_KEY_TYPE_INCONSISTENT);
  Bytes oversize(m.info().ulMaxKeySize + 1, 7);
  EXPECT_EQ(m.BeginSign({}, symtest::SecretKey(CKK_GENERIC_SECRET, oversize)).rv(),
            CKR_KEY_SIZE_RANGE);
  EXPECT_TRUE(m.BeginSign({}, symtest::SecretKey(CKK_SHA256_HMAC, Bytes(1, 7))).ok());
}

TEST_F(HmacTest, LengthQueryAndShortBufferKeepOperation) {
  KeyMaterial key = symtest::SecretKey(CKK_GENERIC_SECRET, Bytes(20, 0x0b));
  Bytes msg = symtest::AsBytesOf("Hi There");
  Bytes want = symtest::Hex(
      "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
      "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
  auto op = Mech(CKM_SHA512_HMAC).BeginSign({}, key);
  ASSERT_TRUE(op.ok());
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  Result<void> r = (*op)->Sign(msg, query);
  EXPECT_EQ(r.rv(), CKR_OK);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(len, 64u);
  Bytes out(63);
  len = out.size();
  OutBuffer small(out.data(), &len);
  r = (*op)->Sign(msg, small);
  EXPECT_EQ(r.rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 64u);
  out.resize(64);
  OutBuffer room(out.data(), &len);
  ASSERT_TRUE((*op)->Sign(msg, room).ok());
  EXPECT_EQ(out, want);

  // The same for Final after Update.
  auto multi = Mech(CKM_SHA512_HMAC).BeginSign({}, key);
  ASSERT_TRUE((*multi)->Update(msg).ok());
  Bytes tiny(1);
  len = tiny.size();
  OutBuffer too_small(tiny.data(), &len);
  EXPECT_EQ((*multi)->Final(too_small).rv(), CKR_BUFFER_TOO_SMALL);
  auto final_out = symtest::QueryThenCall([&](OutBuffer& o) { return (*multi)->Final(o); });
  ASSERT_TRUE(final_out.ok());
  EXPECT_EQ(*final_out, want);
}

TEST_F(HmacTest, MatchesOpenSslOnRandomInputs) {
  for (const HmacName& h : kHmacs) {
    for (size_t key_len : {1, 16, 64, 129, 512}) {
      Bytes key(key_len), msg(1000 + key_len);
      ASSERT_EQ(RAND_bytes(key.data(), key.size()), 1);
      ASSERT_EQ(RAND_bytes(msg.data(), msg.size()), 1);
      Bytes want(EVP_MAX_MD_SIZE);
      size_t want_len = 0;
      ASSERT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, h.ossl, nullptr, key.data(), key.size(),
                          msg.data(), msg.size(), want.data(), want.size(), &want_len),
                nullptr);
      want.resize(want_len);
      EXPECT_EQ(Sign(h.type, {}, key, msg, {1, 500, 999}), want) << h.name << " " << key_len;
      EXPECT_EQ(Verify(h.type, {}, key, msg, want, true), CKR_OK);
    }
  }
}

TEST_F(HmacTest, HashTypedKeysAreAccepted) {
  for (const HmacName& h : kHmacs) {
    EXPECT_TRUE(Mech(h.type).AcceptsKeyType(h.key_type)) << h.name;
    EXPECT_TRUE(Mech(h.general).AcceptsKeyType(CKK_GENERIC_SECRET)) << h.name;
    EXPECT_FALSE(Mech(h.type).AcceptsKeyType(CKK_AES)) << h.name;
  }
  KeyMaterial typed = symtest::SecretKey(CKK_SHA3_256_HMAC, Bytes(32, 7));
  EXPECT_TRUE(Mech(CKM_SHA3_256_HMAC).BeginSign({}, typed).ok());
  EXPECT_EQ(Mech(CKM_SHA256_HMAC).BeginSign({}, typed).rv(), CKR_KEY_TYPE_INCONSISTENT);
}

TEST_F(HmacTest, CloneContinuesIndependently) {
  Bytes key(32, 0x0b);
  Bytes msg = symtest::AsBytesOf("abc");
  for (const HmacName& h : kHmacs) {
    KeyMaterial k = symtest::SecretKey(CKK_GENERIC_SECRET, key);
    auto op = Mech(h.type).BeginSign({}, k);
    ASSERT_TRUE(op.ok());
    ASSERT_TRUE((*op)->Update(ByteView(msg).first(2)).ok());
    auto copy = (*op)->Clone();
    ASSERT_TRUE(copy.ok()) << h.name;
    Bytes want = Sign(h.type, {}, key, msg);
    for (SignOperation* s : {op->get(), copy->get()}) {
      ASSERT_TRUE(s->Update(ByteView(msg).subspan(2)).ok());
      auto out = symtest::QueryThenCall([&](OutBuffer& o) { return s->Final(o); });
      ASSERT_TRUE(out.ok());
      EXPECT_EQ(*out, want) << h.name;
    }
  }
}

}  // namespace
}  // namespace p11
