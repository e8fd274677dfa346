// SHA-1/SHA-2/SHA-3 digest mechanisms: FIPS 180-4 and FIPS 202 known answers, multi-part,
// C_DigestKey, state copies (C_GetOperationState) and the length protocol (PKCS#11 3.1 §5.2,
// §5.10).
#include <gtest/gtest.h>

#include "mechanisms/registry.h"
#include "sym_test_util.h"

namespace p11 {
namespace {

using symtest::Bytes;

struct HashName {
  const char* name;
  CK_MECHANISM_TYPE type;
  size_t size;
};

constexpr HashName kHashes[] = {
    {"SHA1", CKM_SHA_1, 20},
    {"SHA224", CKM_SHA224, 28},
    {"SHA256", CKM_SHA256, 32},
    {"SHA384", CKM_SHA384, 48},
    {"SHA512", CKM_SHA512, 64},
    {"SHA512_224", CKM_SHA512_224, 28},
    {"SHA512_256", CKM_SHA512_256, 32},
    {"SHA3_224", CKM_SHA3_224, 28},
    {"SHA3_256", CKM_SHA3_256, 32},
    {"SHA3_384", CKM_SHA3_384, 48},
    {"SHA3_512", CKM_SHA3_512, 64},
};

const HashName& Lookup(const std::string& name) {
  for (const HashName& h : kHashes) {
    if (name == h.name) return h;
  }
  ADD_FAILURE() << "unknown hash " << name;
  return kHashes[0];
}

class DigestTest : public ::testing::Test {
 protected:
  void SetUp() override { RegisterDigest(registry_); }

  std::unique_ptr<DigestOperation> Begin(CK_MECHANISM_TYPE type) {
    const Mechanism* m = registry_.Find(type);
    EXPECT_NE(m, nullptr);
    auto op = m->BeginDigest({});
    EXPECT_TRUE(op.ok()) << op.rv();
    return op.ok() ? std::move(*op) : nullptr;
  }

  Bytes OneShot(CK_MECHANISM_TYPE type, const Bytes& msg) {
    auto op = Begin(type);
    auto out = symtest::QueryThenCall([&](OutBuffer& o) { return op->Digest(msg, o); });
    EXPECT_TRUE(out.ok()) << out.rv();
    return out.ok() ? *out : Bytes();
  }

  Bytes MultiPart(CK_MECHANISM_TYPE type, const Bytes& msg, std::vector<size_t> splits) {
    auto op = Begin(type);
    size_t pos = 0;
    splits.push_back(msg.size());
    for (size_t end : splits) {
      end = std::min(end, msg.size());
      EXPECT_TRUE(op->Update(ByteView(msg).subspan(pos, end - pos)).ok());
      pos = end;
    }
    auto out = symtest::QueryThenCall([&](OutBuffer& o) { return op->Final(o); });
    EXPECT_TRUE(out.ok()) << out.rv();
    return out.ok() ? *out : Bytes();
  }

  Registry registry_;
};

TEST_F(DigestTest, RegistersAllWithDigestInfo) {
  for (const HashName& h : kHashes) {
    const Mechanism* m = registry_.Find(h.type);
    ASSERT_NE(m, nullptr) << h.name;
    EXPECT_EQ(m->info().flags, CKF_DIGEST);
    EXPECT_EQ(m->info().ulMinKeySize, 0u);
    EXPECT_EQ(m->info().ulMaxKeySize, 0u);
  }
}

TEST_F(DigestTest, KnownAnswersSingleAndMultiPart) {
  auto records = symtest::ReadRecords("sha.txt");
  EXPECT_GE(records.size(), 32u);
  for (const auto& r : records) {
    const HashName& h = Lookup(r.at("Hash"));
    Bytes msg = symtest::Field(r, "Msg");
    Bytes want = symtest::Field(r, "Digest");
    ASSERT_EQ(want.size(), h.size);
    EXPECT_EQ(OneShot(h.type, msg), want) << h.name << " " << r.at("Msg");
    EXPECT_EQ(MultiPart(h.type, msg, {0, 1, 3, 64, 65, 1000}), want) << h.name;
    EXPECT_EQ(MultiPart(h.type, msg, {msg.size() / 2}), want) << h.name;
  }
}

TEST_F(DigestTest, ParameterIsRejected) {
  uint8_t param[4] = {};
  for (const HashName& h : kHashes) {
    auto op = registry_.Find(h.type)->BeginDigest(ByteView(param, sizeof param));
    EXPECT_EQ(op.rv(), CKR_MECHANISM_PARAM_INVALID) << h.name;
  }
}

TEST_F(DigestTest, DigestKeyHashesTheKeyValue) {
  // C_DigestKey continues the digest with the key's value: "ab" + key "c" is SHA-256("abc").
  auto op = Begin(CKM_SHA256);
  Bytes key = {'c'};
  ASSERT_TRUE(op->Update(symtest::AsBytesOf("ab")).ok());
  ASSERT_TRUE(op->UpdateKey(SecretView{ByteView(key)}).ok());
  auto out = symtest::QueryThenCall([&](OutBuffer& o) { return op->Final(o); });
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, symtest::Hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

TEST_F(DigestTest, LengthQueryAndShortBufferKeepOperation) {
  Bytes abc = {'a', 'b', 'c'};
  Bytes want = symtest::Hex("a9993e364706816aba3e25717850c26c9cd0d89d");
  auto op = Begin(CKM_SHA_1);
  CK_ULONG len = 0;
  OutBuffer query(nullptr, &len);
  Result<void> r = op->Digest(abc, query);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.rv(), CKR_OK);
  EXPECT_TRUE(KeepsOperation(r.error()));
  EXPECT_EQ(len, 20u);

  Bytes out(19);
  len = out.size();
  OutBuffer small(out.data(), &len);
  r = op->Digest(abc, small);
  EXPECT_EQ(r.rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(r.error().required_len, 20u);
  EXPECT_EQ(len, 20u);

  // The data was not consumed by either attempt: the retry digests "abc" exactly once.
  out.resize(20);
  len = out.size();
  OutBuffer room(out.data(), &len);
  ASSERT_TRUE(op->Digest(abc, room).ok());
  EXPECT_EQ(len, 20u);
  EXPECT_EQ(out, want);
}

TEST_F(DigestTest, FinalShortBufferIsRetryable) {
  auto op = Begin(CKM_SHA512);
  ASSERT_TRUE(op->Update(symtest::AsBytesOf("abc")).ok());
  Bytes out(63);
  CK_ULONG len = out.size();
  OutBuffer small(out.data(), &len);
  EXPECT_EQ(op->Final(small).rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(len, 64u);
  out.resize(100);
  len = out.size();
  OutBuffer room(out.data(), &len);
  ASSERT_TRUE(op->Final(room).ok());
  ASSERT_EQ(len, 64u);
  out.resize(len);
  EXPECT_EQ(out, symtest::Hex("ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                              "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"));
}

TEST_F(DigestTest, CloneContinuesIndependently) {
  // "ab", copied; "c" fed to both gives SHA-256("abc") twice.
  Bytes abc = symtest::Hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  auto op = Begin(CKM_SHA256);
  ASSERT_TRUE(op->Update(symtest::AsBytesOf("ab")).ok());
  auto copy = op->Clone();
  ASSERT_TRUE(copy.ok()) << copy.rv();
  for (DigestOperation* d : {op.get(), copy->get()}) {
    ASSERT_TRUE(d->Update(symtest::AsBytesOf("c")).ok());
    auto out = symtest::QueryThenCall([&](OutBuffer& o) { return d->Final(o); });
    ASSERT_TRUE(out.ok()) << out.rv();
    EXPECT_EQ(*out, abc);
  }
}

TEST_F(DigestTest, EveryDigestClones) {
  for (const HashName& h : kHashes) {
    auto op = Begin(h.type);
    ASSERT_TRUE(op->Update(symtest::AsBytesOf("hello ")).ok());
    auto copy = op->Clone();
    ASSERT_TRUE(copy.ok()) << h.name;
    // The copy diverges from the original without disturbing it.
    ASSERT_TRUE((*copy)->Update(symtest::AsBytesOf("there")).ok());
    ASSERT_TRUE(op->Update(symtest::AsBytesOf("world")).ok());
    auto a = symtest::QueryThenCall([&](OutBuffer& o) { return op->Final(o); });
    auto b = symtest::QueryThenCall([&](OutBuffer& o) { return (*copy)->Final(o); });
    EXPECT_EQ(*a, OneShot(h.type, symtest::AsBytesOf("hello world"))) << h.name;
    EXPECT_EQ(*b, OneShot(h.type, symtest::AsBytesOf("hello there"))) << h.name;
  }
}

}  // namespace
}  // namespace p11
