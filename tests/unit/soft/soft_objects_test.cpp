// Object storage: round trips, session objects, visibility, lookups and the cache.
#include <algorithm>

#include "soft/soft_fixture.h"

namespace p11::testing {
namespace {

class ObjectsTest : public LoggedInTokenTest {
 protected:
  static Object Data(const std::string& label, bool token, bool is_private,
                     const std::string& value = "payload") {
    AttrBuilder b;
    b.Ulong(CKA_CLASS, CKO_DATA)
        .Bool(CKA_TOKEN, token)
        .Bool(CKA_PRIVATE, is_private)
        .Str(CKA_LABEL, label)
        .Str(CKA_VALUE, value);
    return MakeObject(b);
  }

  std::vector<ObjectId> FindLabel(TokenBackend& token, const std::string& label) {
    AttrBuilder match;
    match.Str(CKA_LABEL, label);
    auto found = token.FindObjects(match.attrs);
    EXPECT_TRUE(found.ok()) << found.rv();
    return found.ok() ? *found : std::vector<ObjectId>{};
  }
};

TEST_F(ObjectsTest, TokenObjectsSurviveReopen) {
  auto id = token_->CreateObject(Data("public-data", true, false, "hello"));
  auto priv = token_->CreateObject(Data("private-data", true, true, "secret"));
  ASSERT_TRUE(id.ok() && priv.ok());
  EXPECT_EQ(*id & SoftToken::kSessionObjectBit, 0u);
  token_.reset();
  store_.reset();

  auto store = OpenStore();
  auto token = FirstToken(*store);
  auto object = token->GetObject(*id);
  ASSERT_TRUE(object.ok()) << object.rv();
  EXPECT_EQ((*object)->GetString(CKA_VALUE), "hello");
  EXPECT_EQ((*object)->GetString(CKA_LABEL), "public-data");
  EXPECT_TRUE((*object)->IsTokenObject());
  EXPECT_EQ((*object)->Class(), CKO_DATA);
  EXPECT_TRUE((*object)->Has(CKA_UNIQUE_ID));
  // Private: invisible until the user logs in, then whole again.
  EXPECT_EQ(token->GetObject(*priv).rv(), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_TRUE(FindLabel(*token, "private-data").empty());
  ASSERT_EQ(token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  auto private_object = token->GetObject(*priv);
  ASSERT_TRUE(private_object.ok());
  EXPECT_EQ((*private_object)->GetString(CKA_VALUE), "secret");
  EXPECT_TRUE((*private_object)->IsPrivate());
  EXPECT_EQ(FindLabel(*token, "private-data"), std::vector<ObjectId>{*priv});
  token->Logout();
  EXPECT_EQ(token->GetObject(*priv).rv(), CKR_OBJECT_HANDLE_INVALID);
}

// The store writes an object's attribute rows in batches (InsertAttributes): an object with
// more of them than one batch holds, public or private, created and then rewritten, comes back
// whole from the file.
TEST_F(ObjectsTest, ObjectWithManyAttributesSurvivesReopen) {
  auto many = [](const std::string& label, bool is_private, char fill) {
    Object object = Data(label, true, is_private);
    for (CK_ATTRIBUTE_TYPE i = 0; i < 40; ++i) {
      object.Set(CKA_VENDOR_DEFINED + i, Bytes(std::string(i + 1, static_cast<char>(fill + i))));
    }
    return object;
  };
  auto pub = token_->CreateObject(many("many-public", false, 'a'));
  auto priv = token_->CreateObject(many("many-private", true, 'A'));
  ASSERT_TRUE(pub.ok() && priv.ok());
  ASSERT_EQ(token_->UpdateObject(*priv, many("many-private", true, '0')).rv(), CKR_OK);
  token_.reset();
  store_.reset();

  auto store = OpenStore();
  auto token = FirstToken(*store);
  ASSERT_EQ(token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  for (auto [id, fill] : {std::pair{*pub, 'a'}, std::pair{*priv, '0'}}) {
    auto object = token->GetObject(id);
    ASSERT_TRUE(object.ok()) << object.rv();
    for (CK_ATTRIBUTE_TYPE i = 0; i < 40; ++i) {
      EXPECT_EQ((*object)->GetString(CKA_VENDOR_DEFINED + i),
                std::string(i + 1, static_cast<char>(fill + i)))
          << "attribute " << i;
    }
    EXPECT_EQ((*object)->GetString(CKA_VALUE), "payload");
  }
}

TEST_F(ObjectsTest, SoSeesNoPrivateObjects) {
  auto priv = token_->CreateObject(Data("p", true, true));
  ASSERT_TRUE(priv.ok());
  token_->Logout();
  ASSERT_EQ(token_->Login(CKU_SO, Pin(kSoPin)).rv(), CKR_OK);
  EXPECT_EQ(token_->GetObject(*priv).rv(), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_TRUE(FindLabel(*token_, "p").empty());
}

TEST_F(ObjectsTest, SessionObjectsNeverReachTheFile) {
  auto id = token_->CreateObject(Data("session-label-xyzzy", false, false, "session-value-q"));
  ASSERT_TRUE(id.ok());
  EXPECT_NE(*id & SoftToken::kSessionObjectBit, 0u);
  EXPECT_EQ(RawInt("SELECT count(*) FROM objects"), 0);
  EXPECT_FALSE(FileContains(Bytes("session-label-xyzzy")));
  EXPECT_EQ(FindLabel(*token_, "session-label-xyzzy"), std::vector<ObjectId>{*id});
  auto object = token_->GetObject(*id);
  ASSERT_TRUE(object.ok());
  EXPECT_FALSE((*object)->IsTokenObject());
  // Not visible to another instance of the store.
  auto other_store = OpenStore();
  EXPECT_TRUE(FindLabel(*FirstToken(*other_store), "session-label-xyzzy").empty());
  ASSERT_EQ(token_->DestroyObject(*id).rv(), CKR_OK);
  EXPECT_EQ(token_->GetObject(*id).rv(), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(token_->DestroyObject(*id).rv(), CKR_OBJECT_HANDLE_INVALID);
}

TEST_F(ObjectsTest, UpdateReplacesAttributesDurably) {
  auto id = token_->CreateObject(Data("before", true, true));
  ASSERT_TRUE(id.ok());
  Object changed = **token_->GetObject(*id);
  changed.Set(CKA_LABEL, Bytes("after"));
  ASSERT_EQ(token_->UpdateObject(*id, changed).rv(), CKR_OK);
  EXPECT_TRUE(FindLabel(*token_, "before").empty());
  EXPECT_EQ(FindLabel(*token_, "after"), std::vector<ObjectId>{*id});
  auto other_store = OpenStore();
  auto other = FirstToken(*other_store);
  ASSERT_EQ(other->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  EXPECT_EQ((*other->GetObject(*id))->GetString(CKA_LABEL), "after");
  // CKA_TOKEN cannot flip through an update.
  changed.SetBool(CKA_TOKEN, false);
  EXPECT_EQ(token_->UpdateObject(*id, changed).rv(), CKR_ATTRIBUTE_READ_ONLY);
}

TEST_F(ObjectsTest, DestroyRemovesRows) {
  auto id = token_->CreateObject(Data("doomed", true, false));
  ASSERT_TRUE(id.ok());
  ASSERT_EQ(token_->DestroyObject(*id).rv(), CKR_OK);
  EXPECT_EQ(RawInt("SELECT count(*) FROM objects"), 0);
  EXPECT_EQ(RawInt("SELECT count(*) FROM attributes"), 0);
  EXPECT_EQ(token_->GetObject(*id).rv(), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(token_->DestroyObject(*id).rv(), CKR_OBJECT_HANDLE_INVALID);
  // Ids are never reused.
  auto next = token_->CreateObject(Data("next", true, false));
  ASSERT_TRUE(next.ok());
  EXPECT_NE(*next, *id);
}

// Empty labels and ids stay out of the lookup index (nearly every key has them); a search for
// one must still find exactly the objects that carry it, token and session alike.
TEST_F(ObjectsTest, FindByEmptyLabelOrIdFindsTheObjectsThatHaveThem) {
  auto sorted = [](std::vector<ObjectId> ids) {
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  const std::vector<ObjectId> before = sorted(FindLabel(*token_, ""));
  auto token_empty = token_->CreateObject(Data("", true, false));
  auto session_empty = token_->CreateObject(Data("", false, false));
  auto labelled = token_->CreateObject(Data("named", false, false));
  ASSERT_TRUE(token_empty.ok() && session_empty.ok() && labelled.ok());
  std::vector<ObjectId> expected = before;
  expected.push_back(*token_empty);
  expected.push_back(*session_empty);
  EXPECT_EQ(sorted(FindLabel(*token_, "")), sorted(expected));

  auto key_with = [](const std::string& id) {
    AttrBuilder b;
    b.Ulong(CKA_CLASS, CKO_SECRET_KEY)
        .Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
        .Str(CKA_ID, id)
        .Str(CKA_VALUE, "0123456789abcdef");
    return MakeObject(b);
  };
  auto empty_id = token_->CreateObject(key_with(""));
  auto some_id = token_->CreateObject(key_with("01"));
  ASSERT_TRUE(empty_id.ok() && some_id.ok());
  AttrBuilder match_empty_id;
  match_empty_id.Str(CKA_ID, "");
  EXPECT_EQ(*token_->FindObjects(match_empty_id.attrs), std::vector<ObjectId>{*empty_id});

  // An object given a label later is found by it, and no longer by the empty one. The two keys
  // have the default label, which is empty.
  expected.push_back(*empty_id);
  expected.push_back(*some_id);
  AttrBuilder rename;
  rename.Ulong(CKA_CLASS, CKO_DATA)
      .Bool(CKA_TOKEN, false)
      .Str(CKA_LABEL, "renamed")
      .Str(CKA_VALUE, "payload");
  ASSERT_EQ(token_->UpdateObject(*session_empty, MakeObject(rename)).rv(), CKR_OK);
  EXPECT_EQ(FindLabel(*token_, "renamed"), std::vector<ObjectId>{*session_empty});
  expected.erase(std::find(expected.begin(), expected.end(), *session_empty));
  EXPECT_EQ(sorted(FindLabel(*token_, "")), sorted(expected));
}

TEST_F(ObjectsTest, FindMatchesEveryTemplateAttribute) {
  ASSERT_TRUE(token_->CreateObject(Data("same", true, false, "one")).ok());
  auto two = token_->CreateObject(Data("same", true, true, "two"));
  auto three = token_->CreateObject(Data("same", false, false, "three"));
  ASSERT_TRUE(two.ok() && three.ok());
  EXPECT_EQ(FindLabel(*token_, "same").size(), 3u);
  AttrBuilder match;
  match.Str(CKA_LABEL, "same").Str(CKA_VALUE, "two");
  EXPECT_EQ(*token_->FindObjects(match.attrs), std::vector<ObjectId>{*two});
  AttrBuilder session_only;
  session_only.Bool(CKA_TOKEN, false);
  EXPECT_EQ(*token_->FindObjects(session_only.attrs), std::vector<ObjectId>{*three});
  AttrBuilder unknown;
  unknown.Ulong(CKA_MODULUS_BITS, 2048);
  EXPECT_TRUE(token_->FindObjects(unknown.attrs)->empty());
  // Everything: the three objects and the token's three CKO_PROFILE objects.
  EXPECT_EQ(token_->FindObjects({})->size(), 3u + 3u);
}

TEST_F(ObjectsTest, LookupByLabelAmongManyObjects) {
  constexpr int kCount = 3000;
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(token_->CreateObject(Data("obj-" + std::to_string(i), false, false)).ok());
  }
  EXPECT_EQ(FindLabel(*token_, "obj-1234").size(), 1u);
  EXPECT_TRUE(FindLabel(*token_, "obj-99999").empty());
  AttrBuilder by_id;
  by_id.Str(CKA_ID, "no-such-id");
  EXPECT_TRUE(token_->FindObjects(by_id.attrs)->empty());
}

TEST_F(ObjectsTest, SecondInstanceSeesChangesOnNextFind) {
  auto other_store = OpenStore();
  auto other = FirstToken(*other_store);
  ASSERT_EQ(other->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  EXPECT_TRUE(FindLabel(*other, "shared").empty());  // loads its cache now
  auto id = token_->CreateObject(Data("shared", true, true));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(FindLabel(*other, "shared"), std::vector<ObjectId>{*id});
  auto mine = other->CreateObject(Data("from-other", true, false));
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(FindLabel(*token_, "from-other"), std::vector<ObjectId>{*mine});
  ASSERT_EQ(other->DestroyObject(*id).rv(), CKR_OK);
  EXPECT_EQ(token_->GetObject(*id).rv(), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_TRUE(FindLabel(*token_, "shared").empty());
  EXPECT_EQ(FindLabel(*token_, "from-other").size(), 1u);
}

// This instance's commits mark the store as seen without asking it again; a commit by
// another instance in between must still be noticed, by the next lookup and by the next own
// commit alike.
TEST_F(ObjectsTest, AnotherInstancesCommitBetweenOwnCommitsIsSeen) {
  auto other_store = OpenStore();
  auto other = FirstToken(*other_store);
  ASSERT_TRUE(token_->CreateObject(Data("mine-1", true, false)).ok());
  ASSERT_TRUE(other->CreateObject(Data("theirs-1", true, false)).ok());
  ASSERT_TRUE(token_->CreateObject(Data("mine-2", true, false)).ok());
  EXPECT_EQ(FindLabel(*token_, "theirs-1").size(), 1u);
  ASSERT_TRUE(token_->CreateObject(Data("mine-3", true, false)).ok());
  auto theirs = other->CreateObject(Data("theirs-2", true, false));
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(FindLabel(*token_, "theirs-2"), std::vector<ObjectId>{*theirs});
  ASSERT_EQ(other->DestroyObject(*theirs).rv(), CKR_OK);
  EXPECT_EQ(token_->GetObject(*theirs).rv(), CKR_OBJECT_HANDLE_INVALID);
  for (const char* label : {"mine-1", "mine-2", "mine-3", "theirs-1"}) {
    EXPECT_EQ(FindLabel(*token_, label).size(), 1u) << label;
    EXPECT_EQ(FindLabel(*other, label).size(), 1u) << label;
  }
}

TEST_F(ObjectsTest, PublicSecretKeyValueIsSealedAndNeedsLogin) {
  std::vector<uint8_t> value(32);
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<uint8_t>(0xA0 + i);
  AttrBuilder b;
  b.Ulong(CKA_CLASS, CKO_SECRET_KEY)
      .Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
      .Bool(CKA_TOKEN, true)
      .Bool(CKA_PRIVATE, false)
      .Bool(CKA_SENSITIVE, false)
      .Str(CKA_LABEL, "public-secret")
      .Raw(CKA_VALUE, value);
  auto id = token_->CreateObject(MakeObject(b));
  ASSERT_TRUE(id.ok()) << id.rv();
  EXPECT_FALSE(FileContains(value));
  EXPECT_TRUE(FileContains(Bytes("public-secret")));  // a public label is plain
  token_->Logout();
  auto object = token_->GetObject(*id);
  ASSERT_TRUE(object.ok());
  EXPECT_FALSE((*object)->Has(CKA_VALUE));  // withheld while logged out
  Object copy = **object;
  EXPECT_EQ(token_->UpdateObject(*id, copy).rv(), CKR_USER_NOT_LOGGED_IN);
  ASSERT_EQ(token_->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  object = token_->GetObject(*id);
  ASSERT_TRUE(object.ok());
  ByteView got = (*object)->GetBytes(CKA_VALUE);
  EXPECT_EQ(std::vector<uint8_t>(got.begin(), got.end()), value);
}

TEST_F(ObjectsTest, PrivateObjectNeedsLoginToStore) {
  token_->Logout();
  EXPECT_EQ(token_->CreateObject(Data("p", true, true)).rv(), CKR_USER_NOT_LOGGED_IN);
  EXPECT_EQ(RawInt("SELECT count(*) FROM objects"), 0);  // rolled back
}

}  // namespace
}  // namespace p11::testing
