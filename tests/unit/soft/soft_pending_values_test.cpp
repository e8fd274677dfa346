// A generated EC session key pair is stored before its derived values (CKA_EC_POINT, the
// private CKA_VALUE, CKA_PUBLIC_KEY_INFO) are computed; the token adds them at the first look
// that needs them. Whenever they appear they must be the values of the key that signs, a
// search must see them, and a token object must never be stored without them.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mechanisms/ossl/unique_ptr.h"
#include "soft/soft_fixture.h"

namespace p11::testing {
namespace {

const std::vector<uint8_t> kP256Oid = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr size_t kP256PointBytes = 65;

class PendingValuesTest : public LoggedInTokenTest {
 protected:
  void SetUp() override {
    LoggedInTokenTest::SetUp();
    gen_ = registry_->Find(CKM_EC_KEY_PAIR_GEN);
    ecdsa_ = registry_->Find(CKM_ECDSA);
    ASSERT_TRUE(gen_ && ecdsa_);
  }

  std::pair<ObjectId, ObjectId> Generate(bool token_objects = false) {
    AttrBuilder pub_t, priv_t;
    pub_t.Bool(CKA_TOKEN, token_objects).Raw(CKA_EC_PARAMS, kP256Oid).Bool(CKA_VERIFY, true);
    priv_t.Bool(CKA_TOKEN, token_objects).Bool(CKA_SIGN, true).Bool(CKA_SENSITIVE, false);
    Object pub = MakeObject(pub_t, policy::Origin::kGeneratePublic, {CKO_PUBLIC_KEY, CKK_EC});
    Object priv = MakeObject(priv_t, policy::Origin::kGeneratePrivate, {CKO_PRIVATE_KEY, CKK_EC});
    auto pair = token_->GenerateKeyPair(*gen_, {}, pub, priv);
    EXPECT_TRUE(pair.ok()) << pair.rv();
    return pair.ok() ? *pair : std::pair<ObjectId, ObjectId>{};
  }

  // Whether the object as the token holds it now already carries `type` (GetObjectForChecks
  // completes nothing).
  bool Carries(ObjectId id, CK_ATTRIBUTE_TYPE type) {
    auto object = token_->GetObjectForChecks(id);
    EXPECT_TRUE(object.ok()) << object.rv();
    return object.ok() && (*object)->Has(type);
  }

  std::vector<uint8_t> Value(ObjectId id, CK_ATTRIBUTE_TYPE type) {
    auto object = token_->GetObject(id);
    EXPECT_TRUE(object.ok()) << object.rv();
    if (!object.ok()) return {};
    ByteView value = (*object)->GetBytes(type);
    return std::vector<uint8_t>(value.begin(), value.end());
  }

  // r || s over a 32-byte hash, through the token.
  std::vector<uint8_t> SignHash(ObjectId priv, const std::vector<uint8_t>& hash) {
    return SignWith(*ecdsa_, priv, ByteView(hash), 64);
  }

  // Checks with OpenSSL alone that the public half's values are the signing key's: the
  // SubjectPublicKeyInfo carries the point of CKA_EC_POINT (an OCTET STRING around it) and
  // verifies a signature the private half made.
  void ExpectPublicValuesOfSigner(ObjectId pub, ObjectId priv) {
    const std::vector<uint8_t> hash(32, 0x5a);
    const std::vector<uint8_t> raw = SignHash(priv, hash);
    ASSERT_EQ(raw.size(), 64u);
    const std::vector<uint8_t> info = Value(pub, CKA_PUBLIC_KEY_INFO);
    const unsigned char* p = info.data();
    ossl::UniquePtr<EVP_PKEY> key(d2i_PUBKEY(nullptr, &p, static_cast<long>(info.size())));
    ASSERT_NE(key, nullptr);
    uint8_t point[kP256PointBytes];
    size_t point_len = 0;
    ASSERT_EQ(EVP_PKEY_get_octet_string_param(key.get(), "pub", point, sizeof point, &point_len),
              1);
    const std::vector<uint8_t> ec_point = Value(pub, CKA_EC_POINT);
    ASSERT_EQ(ec_point.size(), 2 + kP256PointBytes);
    EXPECT_EQ(ec_point[0], 0x04);  // OCTET STRING
    EXPECT_EQ(ec_point[1], kP256PointBytes);
    EXPECT_TRUE(std::equal(point, point + point_len, ec_point.begin() + 2, ec_point.end()));

    ossl::UniquePtr<ECDSA_SIG> sig(ECDSA_SIG_new());
    ASSERT_EQ(ECDSA_SIG_set0(sig.get(), BN_bin2bn(raw.data(), 32, nullptr),
                             BN_bin2bn(raw.data() + 32, 32, nullptr)),
              1);
    unsigned char* der = nullptr;
    int der_len = i2d_ECDSA_SIG(sig.get(), &der);
    ASSERT_GT(der_len, 0);
    ossl::UniquePtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
    EXPECT_EQ(EVP_PKEY_verify_init(ctx.get()), 1);
    EXPECT_EQ(
        EVP_PKEY_verify(ctx.get(), der, static_cast<size_t>(der_len), hash.data(), hash.size()), 1);
    OPENSSL_free(der);
  }

  const Mechanism* gen_ = nullptr;
  const Mechanism* ecdsa_ = nullptr;
};

TEST_F(PendingValuesTest, SigningNeedsNoDerivedValues) {
  auto [pub, priv] = Generate();
  EXPECT_FALSE(Carries(pub, CKA_EC_POINT));
  EXPECT_FALSE(Carries(priv, CKA_VALUE));
  EXPECT_EQ(SignHash(priv, std::vector<uint8_t>(32, 1)).size(), 64u);
  EXPECT_FALSE(Carries(priv, CKA_VALUE));
  // What is there from the start: the params on both halves, the class and the flags.
  EXPECT_TRUE(Carries(priv, CKA_EC_PARAMS));
  EXPECT_TRUE(Carries(priv, CKA_SIGN));
}

TEST_F(PendingValuesTest, FirstReadCompletesBothHalvesWithTheSignersValues) {
  auto [pub, priv] = Generate();
  ExpectPublicValuesOfSigner(pub, priv);
  // Reading one half completed the other too, with the same public values.
  EXPECT_TRUE(Carries(priv, CKA_VALUE));
  EXPECT_EQ(Value(priv, CKA_EC_POINT), Value(pub, CKA_EC_POINT));
  EXPECT_EQ(Value(priv, CKA_PUBLIC_KEY_INFO), Value(pub, CKA_PUBLIC_KEY_INFO));
  EXPECT_EQ(Value(priv, CKA_VALUE).size(), 32u);
}

TEST_F(PendingValuesTest, PrivateValueIsTheSigningScalar) {
  auto [pub, priv] = Generate();
  const std::vector<uint8_t> scalar = Value(priv, CKA_VALUE);
  ASSERT_EQ(scalar.size(), 32u);
  // d·G from the scalar alone must be the public point.
  ossl::UniquePtr<EC_GROUP> group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  ossl::UniquePtr<BIGNUM> d(BN_bin2bn(scalar.data(), 32, nullptr));
  ossl::UniquePtr<EC_POINT> q(EC_POINT_new(group.get()));
  ASSERT_EQ(EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, nullptr), 1);
  uint8_t point[kP256PointBytes];
  ASSERT_EQ(EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, point,
                               sizeof point, nullptr),
            sizeof point);
  const std::vector<uint8_t> ec_point = Value(pub, CKA_EC_POINT);
  ASSERT_EQ(ec_point.size(), 2 + sizeof point);
  EXPECT_TRUE(std::equal(point, point + sizeof point, ec_point.begin() + 2));
}

TEST_F(PendingValuesTest, SearchByDerivedValueSeesPendingKeys) {
  auto [pub1, priv1] = Generate();
  auto [pub2, priv2] = Generate();
  const std::vector<uint8_t> point2 = Value(pub2, CKA_EC_POINT);  // completes pair 2 only
  EXPECT_FALSE(Carries(pub1, CKA_EC_POINT));
  AttrBuilder match;
  match.Raw(CKA_EC_POINT, point2);
  auto found = token_->FindObjects(match.attrs);
  ASSERT_TRUE(found.ok()) << found.rv();
  std::vector<ObjectId> expected{pub2, priv2};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(*found, expected);
  // Pair 1 had to be completed to be compared; a search by class alone completes nothing.
  EXPECT_TRUE(Carries(pub1, CKA_EC_POINT));
  auto [pub3, priv3] = Generate();
  AttrBuilder by_class;
  by_class.Ulong(CKA_CLASS, CKO_PRIVATE_KEY);
  auto privates = token_->FindObjects(by_class.attrs);
  ASSERT_TRUE(privates.ok());
  EXPECT_NE(std::find(privates->begin(), privates->end(), priv3), privates->end());
  EXPECT_FALSE(Carries(priv3, CKA_VALUE));
  (void)pub1;
  (void)priv1;
  (void)pub3;
}

TEST_F(PendingValuesTest, HalfOutlivesItsDestroyedPartner) {
  auto [pub, priv] = Generate();
  ASSERT_EQ(token_->DestroyObject(pub).rv(), CKR_OK);
  EXPECT_EQ(Value(priv, CKA_VALUE).size(), 32u);
  EXPECT_EQ(Value(priv, CKA_EC_POINT).size(), 2 + kP256PointBytes);
  auto [pub2, priv2] = Generate();
  ASSERT_EQ(token_->DestroyObject(priv2).rv(), CKR_OK);
  // Completed at once: the private key leaves memory with its object, not with the public half.
  EXPECT_TRUE(Carries(pub2, CKA_EC_POINT));
  EXPECT_EQ(Value(pub2, CKA_EC_POINT).size(), 2 + kP256PointBytes);
  EXPECT_EQ(token_->GetObject(priv2).rv(), CKR_OBJECT_HANDLE_INVALID);
}

TEST_F(PendingValuesTest, KeyCacheDroppedAtLogoutRebuildsFromCompletedObject) {
  auto [pub, priv] = Generate();
  token_->Logout();
  ASSERT_EQ(token_->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  const size_t builds = token_->key_material_builds();
  ExpectPublicValuesOfSigner(pub, priv);
  EXPECT_EQ(token_->key_material_builds(), builds + 1);  // the private key, from its values
}

TEST_F(PendingValuesTest, TokenObjectsAreStoredComplete) {
  auto [pub, priv] = Generate(/*token_objects=*/true);
  EXPECT_TRUE(Carries(pub, CKA_EC_POINT));
  EXPECT_TRUE(Carries(pub, CKA_PUBLIC_KEY_INFO));
  EXPECT_TRUE(Carries(priv, CKA_VALUE));
  // As another process would load them: from the store alone.
  auto other = OpenStore();
  auto reloaded = FirstToken(*other);
  ASSERT_NE(reloaded, nullptr);
  ASSERT_EQ(reloaded->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  auto object = reloaded->GetObject(priv);
  ASSERT_TRUE(object.ok()) << object.rv();
  EXPECT_EQ((*object)->GetBytes(CKA_VALUE).size(), 32u);
  EXPECT_EQ((*object)->GetBytes(CKA_EC_POINT).size(), 2 + kP256PointBytes);
}

TEST_F(PendingValuesTest, ChangingAPendingKeyKeepsItsValues) {
  auto [pub, priv] = Generate();
  auto current = token_->GetObject(pub);
  ASSERT_TRUE(current.ok());
  Object changed = **current;
  changed.Set(CKA_LABEL, AsBytes(std::string("renamed")));
  ASSERT_EQ(token_->UpdateObject(pub, changed).rv(), CKR_OK);
  EXPECT_EQ(Value(pub, CKA_EC_POINT).size(), 2 + kP256PointBytes);
  ExpectPublicValuesOfSigner(pub, priv);
}

}  // namespace
}  // namespace p11::testing
