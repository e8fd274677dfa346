// Objects: creation rights, private objects invisible while logged out, attribute and flag
// changes, session objects vs token objects, ids never reused, a full key store, paging.
#include "core_harness.h"

namespace arca_test {
namespace {

using hsm::Status;

constexpr uint32_t kTok = wire::kFlagToken;

Reply<wire::Op::kCreateObject> Create(Device& dev, uint32_t flags, std::span<const uint8_t> attrs) {
  wire::CreateObjectReq req;
  req.flags = flags;
  req.attrs = attrs;
  return dev.Call<wire::Op::kCreateObject>(req);
}

std::vector<wire::KeyId> ListAll(Device& dev) {
  std::vector<wire::KeyId> ids;
  wire::ListReq req;
  for (;;) {
    auto r = dev.Call<wire::Op::kListObjects>(req);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.rsp.ids.size % 4, 0u);
    for (size_t i = 0; i + 4 <= r.rsp.ids.size; i += 4) {
      const uint8_t* p = r.rsp.ids.data + i;
      ids.push_back(p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24);
    }
    if (!r.rsp.more || ids.empty()) break;
    req.after = ids.back();
  }
  return ids;
}

Status Get(Device& dev, wire::KeyId id) {
  wire::IdReq req;
  req.id = id;
  return dev.Call<wire::Op::kGetObject>(req).status;
}

TEST(CoreObjects, PublicDataObjectsNeedNoLoginPrivateOnesAndKeysDo) {
  Device dev;
  dev.SetUpUser();
  dev.Logout();
  Bytes attrs = ToBytes("certificate attributes");
  auto pub = Create(dev, kTok, attrs);
  ASSERT_TRUE(pub.ok());
  EXPECT_NE(pub.rsp.id, wire::kNoKey);
  EXPECT_EQ(Create(dev, kTok | wire::kFlagPrivate, attrs).status, Status::kNotLoggedIn);
  wire::GenerateKeyReq gen;
  gen.type = wire::KeyType::kAes128;
  EXPECT_EQ(dev.Call<wire::Op::kGenerateKey>(gen).status, Status::kNotLoggedIn);
  wire::GenerateKeyPairReq pair;
  pair.type = wire::KeyType::kEcP256;
  EXPECT_EQ(dev.Call<wire::Op::kGenerateKeyPair>(pair).status, Status::kNotLoggedIn);
  Bytes raw(16, 0x11);
  wire::ImportKeyReq imp;
  imp.kind = wire::ObjectKind::kSecretKey;
  imp.type = wire::KeyType::kAes128;
  imp.material = Span(raw);
  EXPECT_EQ(dev.Call<wire::Op::kImportKey>(imp).status, Status::kNotLoggedIn);
  EXPECT_EQ(Create(dev, 1u << 20, attrs).status, Status::kParamInvalid);

  wire::IdReq get;
  get.id = pub.rsp.id;
  auto obj = dev.Call<wire::Op::kGetObject>(get);
  ASSERT_TRUE(obj.ok());
  EXPECT_EQ(obj.rsp.kind, wire::ObjectKind::kData);
  EXPECT_EQ(obj.rsp.flags, kTok);
  EXPECT_EQ(Copy(obj.rsp.attrs.span()), attrs);
}

TEST(CoreObjects, PrivateObjectsAreInvisibleAndUnusableWhileLoggedOut) {
  Device dev;
  dev.SetUpUser();
  Bytes attrs = ToBytes("private data");
  auto priv = Create(dev, kTok | wire::kFlagPrivate, attrs);
  auto pub = Create(dev, kTok, attrs);
  auto [pk, sk] = dev.GenerateKeyPair(wire::KeyType::kEcP256, kTok | wire::kFlagVerify,
                                      kTok | wire::kFlagPrivate | wire::kFlagSign);
  ASSERT_TRUE(priv.ok() && pub.ok());
  EXPECT_EQ(ListAll(dev).size(), 4u);
  dev.Logout();
  std::vector<wire::KeyId> visible = ListAll(dev);
  EXPECT_EQ(visible, (std::vector<wire::KeyId>{pub.rsp.id, pk}));
  EXPECT_EQ(Get(dev, priv.rsp.id), Status::kKeyNotFound);
  EXPECT_EQ(Get(dev, sk), Status::kKeyNotFound);
  Bytes digest(32, 0x42);
  wire::SignReq sign;
  sign.key = sk;
  sign.data = Span(digest);
  EXPECT_EQ(dev.Call<wire::Op::kSign>(sign).status, Status::kKeyNotFound);
  wire::IdReq destroy;
  destroy.id = priv.rsp.id;
  EXPECT_EQ(dev.Call<wire::Op::kDestroyObject>(destroy).status, Status::kKeyNotFound);
  wire::SetAttributesReq set;
  set.id = priv.rsp.id;
  set.flags = kTok | wire::kFlagPrivate;
  EXPECT_EQ(dev.Call<wire::Op::kSetAttributes>(set).status, Status::kKeyNotFound);
  dev.Login(wire::User::kUser, kUserPin);
  EXPECT_EQ(Get(dev, priv.rsp.id), Status::kOk);
}

TEST(CoreObjects, ReservedAndZeroIdsAreNotObjects) {
  Device dev;
  dev.SetUpUser();
  for (wire::KeyId id : {0u, hsm::kFirstReservedId, hsm::kFirstReservedId + 1,
                         hsm::kFirstReservedId + 2, 0xFFFFFFFFu, 12345u}) {
    EXPECT_EQ(Get(dev, id), Status::kKeyNotFound) << id;
    wire::IdReq destroy;
    destroy.id = id;
    EXPECT_EQ(dev.Call<wire::Op::kDestroyObject>(destroy).status, Status::kKeyNotFound) << id;
  }
}

TEST(CoreObjects, SetAttributesEnforcesTheFlagRules) {
  Device dev;
  dev.SetUpUser();
  uint32_t base = kTok | wire::kFlagModifiable | wire::kFlagSensitive | wire::kFlagEncrypt;
  wire::KeyId key = dev.GenerateKey(wire::KeyType::kAes128, base);
  wire::KeyId fixed = dev.GenerateKey(wire::KeyType::kAes128, kTok);
  auto set = [&](wire::KeyId id, uint32_t flags, std::span<const uint8_t> attrs = {}) {
    wire::SetAttributesReq req;
    req.id = id;
    req.flags = flags;
    req.attrs = attrs;
    return dev.Call<wire::Op::kSetAttributes>(req).status;
  };
  EXPECT_EQ(set(fixed, kTok), Status::kKeyFunctionNotPermitted);
  EXPECT_EQ(set(key, base & ~wire::kFlagSensitive), Status::kKeyFunctionNotPermitted);
  EXPECT_EQ(set(key, base | wire::kFlagExtractable), Status::kKeyFunctionNotPermitted);
  EXPECT_EQ(set(key, base & ~kTok), Status::kKeyFunctionNotPermitted);
  EXPECT_EQ(set(key, base | wire::kFlagPrivate), Status::kKeyFunctionNotPermitted);
  EXPECT_EQ(set(key, base | (1u << 30)), Status::kParamInvalid);
  Bytes attrs = ToBytes("new label");
  ASSERT_EQ(set(key, base | wire::kFlagDecrypt, attrs), Status::kOk);
  dev.Restart();
  dev.Login(wire::User::kUser, kUserPin);
  wire::IdReq get;
  get.id = key;
  auto obj = dev.Call<wire::Op::kGetObject>(get);
  ASSERT_TRUE(obj.ok());
  EXPECT_EQ(obj.rsp.flags, base | wire::kFlagDecrypt);
  EXPECT_EQ(Copy(obj.rsp.attrs.span()), attrs);
  EXPECT_EQ(obj.rsp.secret_length, 16);
  // The key still works after the record was rewritten around its sealed blob.
  Bytes iv(16, 1), data(32, 2);
  wire::CipherReq enc;
  enc.key = key;
  enc.alg = wire::CipherAlg::kAesCbc;
  enc.iv = Span(iv);
  enc.data = Span(data);
  EXPECT_EQ(dev.Call<wire::Op::kEncrypt>(enc).status, Status::kOk);
}

TEST(CoreObjects, SessionObjectsVanishAtResetTokenObjectsPersist) {
  Device dev;
  dev.SetUpUser();
  auto session = Create(dev, 0, ToBytes("s"));
  auto token = Create(dev, kTok, ToBytes("t"));
  wire::KeyId session_key = dev.GenerateKey(wire::KeyType::kAes256, wire::kFlagEncrypt);
  ASSERT_TRUE(session.ok() && token.ok());
  EXPECT_EQ(Get(dev, session_key), Status::kOk);
  dev.Reset();
  EXPECT_EQ(Get(dev, session.rsp.id), Status::kKeyNotFound);
  EXPECT_EQ(Get(dev, token.rsp.id), Status::kOk);
  dev.Login(wire::User::kUser, kUserPin);
  EXPECT_EQ(Get(dev, session_key), Status::kKeyNotFound);
  dev.Restart();
  EXPECT_EQ(Get(dev, token.rsp.id), Status::kOk);
}

TEST(CoreObjects, IdsAreNeverReused) {
  Device dev;
  dev.SetUpUser();
  auto a = Create(dev, kTok, {});
  wire::IdReq destroy;
  destroy.id = a.rsp.id;
  ASSERT_EQ(dev.Call<wire::Op::kDestroyObject>(destroy).status, Status::kOk);
  EXPECT_EQ(Get(dev, a.rsp.id), Status::kKeyNotFound);
  auto b = Create(dev, 0, {});
  EXPECT_GT(b.rsp.id, a.rsp.id);
  dev.Restart();
  dev.Login(wire::User::kUser, kUserPin);
  auto c = Create(dev, kTok, {});
  EXPECT_GT(c.rsp.id, b.rsp.id);
}

TEST(CoreObjects, FullStoresAnswerNoSpaceAndListingPages) {
  Device dev;
  dev.SetUpUser();
  Bytes attrs(100, 0xA5);
  std::vector<wire::KeyId> ids;
  for (size_t i = 0; i < wire::kMaxObjects; ++i) {
    auto r = Create(dev, kTok, attrs);
    ASSERT_TRUE(r.ok()) << i;
    ids.push_back(r.rsp.id);
  }
  EXPECT_EQ(Create(dev, kTok, attrs).status, Status::kNoSpace);
  Bytes frame;
  EXPECT_EQ(dev.Info(&frame).free_objects, 0);
  for (size_t i = 0; i < hsm::kMaxSessionObjects; ++i) {
    auto r = Create(dev, 0, attrs);
    ASSERT_TRUE(r.ok()) << i;
    ids.push_back(r.rsp.id);
  }
  EXPECT_EQ(Create(dev, 0, attrs).status, Status::kNoSpace);
  EXPECT_EQ(ListAll(dev), ids);  // ascending, 160 ids over three pages
  wire::IdReq destroy;
  destroy.id = ids[5];
  ASSERT_EQ(dev.Call<wire::Op::kDestroyObject>(destroy).status, Status::kOk);
  EXPECT_TRUE(Create(dev, kTok, attrs).ok());
}

TEST(CoreObjects, OverlongAttributeBlobIsMalformed) {
  Device dev;
  dev.SetUpUser();
  // CreateObjectReq: flags u32, attrs u16 length + bytes; one byte over kMaxAttrBlob.
  Bytes payload = {0, 0, 0, 0};
  uint16_t n = wire::kMaxAttrBlob + 1;
  payload.push_back(static_cast<uint8_t>(n));
  payload.push_back(static_cast<uint8_t>(n >> 8));
  payload.insert(payload.end(), n, 0);
  EXPECT_EQ(dev.Raw(0x0023, payload).header.status, static_cast<uint16_t>(Status::kMalformed));
  EXPECT_TRUE(ListAll(dev).empty());
}

}  // namespace
}  // namespace arca_test
