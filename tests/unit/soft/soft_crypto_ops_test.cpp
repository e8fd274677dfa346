// Key cache, operations and key generation through the software token.
#include <openssl/evp.h>

#include <atomic>
#include <thread>

#include "soft/soft_fixture.h"

namespace p11::testing {
namespace {

class CryptoOpsTest : public LoggedInTokenTest {
 protected:
  void SetUp() override {
    LoggedInTokenTest::SetUp();
    hmac_ = registry_->Find(CKM_SHA256_HMAC);
    ASSERT_NE(hmac_, nullptr);
  }

  ObjectId SecretKey(size_t len, bool token = true) {
    AttrBuilder b;
    b.Ulong(CKA_CLASS, CKO_SECRET_KEY)
        .Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
        .Bool(CKA_TOKEN, token)
        .Bool(CKA_SIGN, true)
        .Bool(CKA_VERIFY, true)
        .Raw(CKA_VALUE, std::vector<uint8_t>(len, 0x42));
    auto id = token_->CreateObject(MakeObject(b));
    EXPECT_TRUE(id.ok()) << id.rv();
    return id.ok() ? *id : 0;
  }

  std::vector<uint8_t> Mac(ObjectId key, const std::string& data) {
    return SignWith(*hmac_, key, Bytes(data), 64);
  }

  const Mechanism* hmac_ = nullptr;
};

TEST_F(CryptoOpsTest, SecondSignReusesCachedKey) {
  ObjectId key = SecretKey(32);
  size_t before = token_->key_material_builds();
  std::vector<uint8_t> first = Mac(key, "data");
  EXPECT_EQ(first.size(), 32u);
  EXPECT_EQ(token_->key_material_builds(), before + 1);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Mac(key, "data"), first);
  EXPECT_EQ(token_->key_material_builds(), before + 1);
  // A verify with the same key uses the same cached material.
  auto verify = token_->BeginVerify(*hmac_, {}, key);
  ASSERT_TRUE(verify.ok());
  EXPECT_EQ((*verify)->Verify(Bytes("data"), first).rv(), CKR_OK);
  EXPECT_EQ(token_->key_material_builds(), before + 1);
}

TEST_F(CryptoOpsTest, CacheInvalidatedByUpdateLogoutAndDestroy) {
  ObjectId key = SecretKey(32);
  std::vector<uint8_t> first = Mac(key, "data");
  size_t builds = token_->key_material_builds();
  Object changed = **token_->GetObject(key);
  changed.Set(CKA_VALUE, std::vector<uint8_t>(32, 0x43));
  ASSERT_EQ(token_->UpdateObject(key, changed).rv(), CKR_OK);
  EXPECT_NE(Mac(key, "data"), first);  // the new value is used, not the cached one
  EXPECT_EQ(token_->key_material_builds(), builds + 1);
  token_->Logout();
  EXPECT_EQ(token_->BeginSign(*hmac_, {}, key).rv(), CKR_KEY_HANDLE_INVALID);  // private key
  ASSERT_EQ(token_->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  Mac(key, "data");
  EXPECT_EQ(token_->key_material_builds(), builds + 2);
  ASSERT_EQ(token_->DestroyObject(key).rv(), CKR_OK);
  EXPECT_EQ(token_->BeginSign(*hmac_, {}, key).rv(), CKR_KEY_HANDLE_INVALID);
}

TEST_F(CryptoOpsTest, ChangeByAnotherInstanceDropsCachedKey) {
  ObjectId key = SecretKey(32);
  std::vector<uint8_t> first = Mac(key, "data");
  auto other_store = OpenStore();
  auto other = FirstToken(*other_store);
  ASSERT_EQ(other->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  Object changed = **other->GetObject(key);
  changed.Set(CKA_VALUE, std::vector<uint8_t>(32, 0x44));
  ASSERT_EQ(other->UpdateObject(key, changed).rv(), CKR_OK);
  EXPECT_NE(Mac(key, "data"), first);
}

// HMAC-SHA-256 of `data` under a 32-byte key of `fill` bytes, computed by OpenSSL directly.
std::vector<uint8_t> ExpectedMac(uint8_t fill, const std::string& data) {
  const std::vector<uint8_t> key(32, fill);
  std::vector<uint8_t> out(32);
  size_t len = 0;
  EXPECT_NE(EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                      reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
                      out.size(), &len),
            nullptr);
  return out;
}

// A ready key is found under the token's shared lock; a change to it, made by this instance
// or by another one (which makes this one reload), takes the lock exclusively. Threads using
// the key meanwhile get the MAC under the old value or the new one, never a failure.
TEST_F(CryptoOpsTest, KeyUsersDuringChangesGetOneValueOrTheOther) {
  ObjectId key = SecretKey(32);  // bytes 0x42
  auto other_store = OpenStore();
  auto other = FirstToken(*other_store);
  ASSERT_EQ(other->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  const std::vector<uint8_t> old_mac = ExpectedMac(0x42, "data");
  const std::vector<uint8_t> new_mac = ExpectedMac(0x43, "data");
  ASSERT_EQ(Mac(key, "data"), old_mac);

  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> users;
  for (int t = 0; t < 3; ++t) {
    users.emplace_back([&] {
      while (!done.load()) {
        std::vector<uint8_t> mac = Mac(key, "data");
        if (mac != old_mac && mac != new_mac) failures++;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    SoftToken& writer = i % 2 == 0 ? *token_ : *other;
    Object changed = **writer.GetObject(key);
    changed.Set(CKA_VALUE, std::vector<uint8_t>(32, i % 4 < 2 ? 0x43 : 0x42));
    // EXPECT, not ASSERT: the users must be joined before the test returns.
    EXPECT_EQ(writer.UpdateObject(key, changed).rv(), CKR_OK);
    AttrBuilder data;
    data.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_TOKEN, true).Str(CKA_LABEL, "unrelated");
    EXPECT_TRUE(other->CreateObject(MakeObject(data)).ok());
  }
  done = true;
  for (auto& user : users) user.join();
  EXPECT_EQ(failures.load(), 0);
  // The last change (i = 19, by the other instance) set 0x42.
  EXPECT_EQ(Mac(key, "data"), old_mac);
}

TEST_F(CryptoOpsTest, SessionKeysWork) {
  ObjectId key = SecretKey(16, /*token=*/false);
  EXPECT_EQ(Mac(key, "x").size(), 32u);
  EXPECT_EQ(RawInt("SELECT count(*) FROM objects"), 0);
}

TEST_F(CryptoOpsTest, KeySizeOutsideMechanismRange) {
  ObjectId key = SecretKey(600);  // HMAC keys: at most 512 bytes
  EXPECT_EQ(token_->BeginSign(*hmac_, {}, key).rv(), CKR_KEY_SIZE_RANGE);
}

TEST_F(CryptoOpsTest, GenerateAesKeyIsLocalAndSealed) {
  const Mechanism* gen = registry_->Find(CKM_AES_KEY_GEN);
  ASSERT_NE(gen, nullptr);
  AttrBuilder b;
  b.Bool(CKA_TOKEN, true).Ulong(CKA_VALUE_LEN, 32).Bool(CKA_ENCRYPT, true);
  Object tmpl = MakeObject(b, policy::Origin::kGenerate, {CKO_SECRET_KEY, CKK_AES});
  auto id = token_->GenerateKey(*gen, {}, tmpl);
  ASSERT_TRUE(id.ok()) << id.rv();
  auto key = token_->GetObject(*id);
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE((*key)->GetBool(CKA_LOCAL));
  EXPECT_EQ((*key)->GetUlong(CKA_KEY_GEN_MECHANISM), CKM_AES_KEY_GEN);
  EXPECT_EQ((*key)->GetBool(CKA_ALWAYS_SENSITIVE), (*key)->GetBool(CKA_SENSITIVE));
  ASSERT_EQ((*key)->GetBytes(CKA_VALUE).size(), 32u);
  EXPECT_FALSE(FileContains((*key)->GetBytes(CKA_VALUE)));
}

// An EC key pair's private key is cached as generated: its first signature builds nothing,
// the signature verifies with the public half, and after a logout it is rebuilt from the
// object. (Token objects are cached the same way once the token's objects are in memory.)
TEST_F(CryptoOpsTest, GeneratedEcKeySignsWithoutARebuild) {
  const Mechanism* gen = registry_->Find(CKM_EC_KEY_PAIR_GEN);
  const Mechanism* ecdsa = registry_->Find(CKM_ECDSA_SHA256);
  ASSERT_TRUE(gen && ecdsa);
  static const std::vector<uint8_t> kP256Oid = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                                0xce, 0x3d, 0x03, 0x01, 0x07};
  AttrBuilder pub_t, priv_t;
  pub_t.Bool(CKA_TOKEN, false).Raw(CKA_EC_PARAMS, kP256Oid).Bool(CKA_VERIFY, true);
  priv_t.Bool(CKA_TOKEN, false).Bool(CKA_SIGN, true);
  Object pub = MakeObject(pub_t, policy::Origin::kGeneratePublic, {CKO_PUBLIC_KEY, CKK_EC});
  Object priv = MakeObject(priv_t, policy::Origin::kGeneratePrivate, {CKO_PRIVATE_KEY, CKK_EC});
  const size_t before = token_->key_material_builds();
  auto pair = token_->GenerateKeyPair(*gen, {}, pub, priv);
  ASSERT_TRUE(pair.ok()) << pair.rv();

  auto sign = [&] { return SignWith(*ecdsa, pair->second, Bytes("message"), 64); };
  std::vector<uint8_t> signature = sign();
  EXPECT_EQ(token_->key_material_builds(), before);
  auto verify = token_->BeginVerify(*ecdsa, {}, pair->first);
  ASSERT_TRUE(verify.ok());
  EXPECT_EQ((*verify)->Verify(Bytes("message"), signature).rv(), CKR_OK);
  EXPECT_EQ(token_->key_material_builds(), before + 1);  // the public half, built once

  token_->Logout();
  ASSERT_EQ(token_->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  signature = sign();
  EXPECT_EQ(token_->key_material_builds(), before + 2);  // rebuilt from the stored values
  auto again = token_->BeginVerify(*ecdsa, {}, pair->first);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->Verify(Bytes("message"), signature).rv(), CKR_OK);
}

TEST_F(CryptoOpsTest, GeneratedRsaPairSignsAndVerifies) {
  const Mechanism* gen = registry_->Find(CKM_RSA_PKCS_KEY_PAIR_GEN);
  const Mechanism* sign = registry_->Find(CKM_SHA256_RSA_PKCS);
  ASSERT_TRUE(gen && sign);
  AttrBuilder pub_t, priv_t;
  pub_t.Bool(CKA_TOKEN, true).Ulong(CKA_MODULUS_BITS, 2048).Bool(CKA_VERIFY, true);
  priv_t.Bool(CKA_TOKEN, true).Bool(CKA_SIGN, true);
  Object pub = MakeObject(pub_t, policy::Origin::kGeneratePublic, {CKO_PUBLIC_KEY, CKK_RSA});
  Object priv = MakeObject(priv_t, policy::Origin::kGeneratePrivate, {CKO_PRIVATE_KEY, CKK_RSA});
  auto pair = token_->GenerateKeyPair(*gen, {}, pub, priv);
  ASSERT_TRUE(pair.ok()) << pair.rv();
  EXPECT_TRUE((*token_->GetObject(pair->first))->GetBool(CKA_LOCAL));
  EXPECT_TRUE((*token_->GetObject(pair->second))->GetBool(CKA_LOCAL));
  EXPECT_EQ(RawInt("SELECT count(*) FROM objects"), 2);

  std::vector<uint8_t> signature(512);
  for (int i = 0; i < 2; ++i) {
    auto op = token_->BeginSign(*sign, {}, pair->second);
    ASSERT_TRUE(op.ok()) << op.rv();
    CK_ULONG len = signature.size();
    OutBuffer out(signature.data(), &len);
    ASSERT_EQ((*op)->Sign(Bytes("message"), out).rv(), CKR_OK);
    signature.resize(len);
  }
  size_t builds = token_->key_material_builds();
  auto verify = token_->BeginVerify(*sign, {}, pair->first);
  ASSERT_TRUE(verify.ok());
  EXPECT_EQ((*verify)->Verify(Bytes("message"), signature).rv(), CKR_OK);
  EXPECT_EQ(token_->key_material_builds(), builds + 1);  // the public key: one more build
  EXPECT_EQ(builds, 1u);                                 // two signatures, one private-key build
}

TEST_F(CryptoOpsTest, FailedGenerationStoresNothing) {
  const Mechanism* gen = registry_->Find(CKM_AES_KEY_GEN);
  AttrBuilder b;
  b.Bool(CKA_TOKEN, true).Ulong(CKA_VALUE_LEN, 7);
  Object tmpl = MakeObject(b, policy::Origin::kGenerate, {CKO_SECRET_KEY, CKK_AES});
  EXPECT_EQ(token_->GenerateKey(*gen, {}, tmpl).rv(), CKR_KEY_SIZE_RANGE);
  EXPECT_EQ(RawInt("SELECT count(*) FROM objects"), 0);
}

TEST_F(CryptoOpsTest, ConcurrentSignAndFind) {
  ObjectId key = SecretKey(32);
  std::vector<uint8_t> expected = Mac(key, "data");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        if (Mac(key, "data") != expected) failures++;
        AttrBuilder match;
        match.Ulong(CKA_CLASS, CKO_SECRET_KEY);
        auto found = token_->FindObjects(match.attrs);
        if (!found.ok() || found->empty()) failures++;
        if (t == 0 && i % 10 == 0) {
          AttrBuilder d;
          d.Ulong(CKA_CLASS, CKO_DATA).Bool(CKA_TOKEN, true).Str(CKA_LABEL, "t");
          if (!token_->CreateObject(MakeObject(d)).ok()) failures++;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(token_->key_material_builds(), 1u);
}

TEST_F(CryptoOpsTest, RandomBytes) {
  std::vector<uint8_t> a(64), b(64);
  ASSERT_EQ(token_->GenerateRandom(a).rv(), CKR_OK);
  ASSERT_EQ(token_->GenerateRandom(b).rv(), CKR_OK);
  EXPECT_NE(a, b);
  EXPECT_EQ(token_->SeedRandom(Bytes("extra entropy")).rv(), CKR_OK);
}

}  // namespace
}  // namespace p11::testing
