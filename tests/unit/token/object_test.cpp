// Object's flat attribute store: values by type, replaced in place or moved when their length
// changes, erased, iterated in ascending type order, copied independently, and never read
// through a view invalidated by its own update.
#include "token/object.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace p11 {
namespace {

ByteView View(const std::string& s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::vector<CK_ATTRIBUTE_TYPE> TypesOf(const Object& object) {
  std::vector<CK_ATTRIBUTE_TYPE> types;
  for (const auto& [type, value] : object.attributes()) types.push_back(type);
  return types;
}

TEST(Object, AbsentAndEmptyAreDifferent) {
  Object o;
  EXPECT_FALSE(o.Has(CKA_LABEL));
  EXPECT_FALSE(o.Get(CKA_LABEL).has_value());
  o.Set(CKA_LABEL, ByteView());
  EXPECT_TRUE(o.Has(CKA_LABEL));
  ASSERT_TRUE(o.Get(CKA_LABEL).has_value());
  EXPECT_TRUE(o.Get(CKA_LABEL)->empty());
  EXPECT_EQ(o.attributes().size(), 1u);
}

TEST(Object, TypedValuesRoundTrip) {
  Object o;
  o.SetUlong(CKA_CLASS, CKO_SECRET_KEY);
  o.SetBool(CKA_TOKEN, true);
  o.Set(CKA_LABEL, View("label"));
  EXPECT_EQ(o.Class(), CKO_SECRET_KEY);
  EXPECT_TRUE(o.IsTokenObject());
  EXPECT_EQ(o.GetString(CKA_LABEL), "label");
  // A value of the wrong width is not read as a CK_ULONG or a CK_BBOOL.
  EXPECT_FALSE(o.GetUlong(CKA_LABEL).has_value());
  EXPECT_TRUE(o.GetBool(CKA_LABEL, true));
  EXPECT_FALSE(o.GetBool(CKA_PRIVATE));
  EXPECT_TRUE(o.GetBool(CKA_PRIVATE, true));
}

TEST(Object, IteratesInAscendingTypeOrderWhateverTheInsertionOrder) {
  Object o;
  for (CK_ATTRIBUTE_TYPE type : {CKA_VALUE, CKA_CLASS, CKA_LABEL, CKA_TOKEN, CKA_UNIQUE_ID}) {
    o.SetUlong(type, type);
  }
  std::vector<CK_ATTRIBUTE_TYPE> want{CKA_CLASS, CKA_TOKEN, CKA_LABEL, CKA_UNIQUE_ID, CKA_VALUE};
  EXPECT_EQ(TypesOf(o), want);
  for (const auto& [type, value] : o.attributes()) {
    EXPECT_EQ(o.GetUlong(type), type);
    EXPECT_EQ(value.size(), sizeof(CK_ULONG));
  }
}

TEST(Object, ReplacingKeepsOtherValuesWhenTheLengthChanges) {
  Object o;
  o.Set(CKA_LABEL, View("short"));
  o.Set(CKA_ID, View("id"));
  o.Set(CKA_VALUE, View("value"));
  o.Set(CKA_LABEL, View("a much longer label than before"));
  o.Set(CKA_ID, View("ID"));  // same length: in place
  EXPECT_EQ(o.GetString(CKA_LABEL), "a much longer label than before");
  EXPECT_EQ(o.GetString(CKA_ID), "ID");
  EXPECT_EQ(o.GetString(CKA_VALUE), "value");
  o.Set(CKA_LABEL, ByteView());
  EXPECT_TRUE(o.Has(CKA_LABEL));
  EXPECT_EQ(o.GetString(CKA_LABEL), "");
  EXPECT_EQ(o.attributes().size(), 3u);
}

TEST(Object, ManyReplacementsStayCorrectAcrossCompaction) {
  Object o;
  o.Set(CKA_ID, View("stable"));
  for (int i = 0; i < 500; ++i) {
    const std::string label(static_cast<size_t>(i % 97) + 1, static_cast<char>('a' + i % 26));
    o.Set(CKA_LABEL, View(label));
    ASSERT_EQ(o.GetString(CKA_LABEL), label) << i;
    ASSERT_EQ(o.GetString(CKA_ID), "stable") << i;
  }
}

TEST(Object, EraseRemovesOnlyThatAttribute) {
  Object o;
  o.SetBool(CKA_TOKEN, true);
  o.Set(CKA_LABEL, View("x"));
  o.Erase(CKA_TOKEN);
  o.Erase(CKA_MODIFIABLE);  // absent: nothing happens
  EXPECT_FALSE(o.Has(CKA_TOKEN));
  EXPECT_EQ(o.GetString(CKA_LABEL), "x");
  EXPECT_EQ(TypesOf(o), std::vector<CK_ATTRIBUTE_TYPE>{CKA_LABEL});
}

// Copying a value from one attribute to another of the same object must not read through a
// view that the growth of the store invalidated.
TEST(Object, SettingAValueReadFromTheSameObjectIsSafe) {
  Object o;
  o.Set(CKA_VALUE, View(std::string(300, 'v')));
  for (CK_ATTRIBUTE_TYPE type = CKA_VENDOR_DEFINED; type < CKA_VENDOR_DEFINED + 20; ++type) {
    o.Set(type, o.GetBytes(CKA_VALUE));
  }
  for (CK_ATTRIBUTE_TYPE type = CKA_VENDOR_DEFINED; type < CKA_VENDOR_DEFINED + 20; ++type) {
    EXPECT_EQ(o.GetString(type), std::string(300, 'v'));
  }
  o.Set(CKA_VALUE, o.GetBytes(CKA_VENDOR_DEFINED));
  EXPECT_EQ(o.GetString(CKA_VALUE), std::string(300, 'v'));
}

TEST(Object, CopiesAreIndependent) {
  Object a;
  a.Set(CKA_LABEL, View("original"));
  Object b = a;
  b.Set(CKA_LABEL, View("changed, and longer"));
  b.SetBool(CKA_TOKEN, true);
  EXPECT_EQ(a.GetString(CKA_LABEL), "original");
  EXPECT_FALSE(a.Has(CKA_TOKEN));
  EXPECT_EQ(b.GetString(CKA_LABEL), "changed, and longer");
}

TEST(Object, CopyAssignmentReplacesEverythingAndSurvivesSelfAssignment) {
  Object source;
  source.Set(CKA_LABEL, View("source"));
  Object target;
  target.Set(CKA_VALUE, View(std::string(64, 's')));
  target.SetBool(CKA_TOKEN, true);
  target = source;
  EXPECT_EQ(TypesOf(target), std::vector<CK_ATTRIBUTE_TYPE>{CKA_LABEL});
  EXPECT_EQ(target.GetString(CKA_LABEL), "source");
  const Object& same = target;
  target = same;
  EXPECT_EQ(target.GetString(CKA_LABEL), "source");
  target.Set(CKA_ID, View("grows after the copy"));
  EXPECT_EQ(target.GetString(CKA_LABEL), "source");
  EXPECT_EQ(source.attributes().size(), 1u);
}

TEST(Object, MutableValueIsFilledInPlace) {
  Object o;
  o.Set(CKA_VALUE, View("old value"));
  std::span<uint8_t> value = o.MutableValue(CKA_VALUE, 4);
  ASSERT_EQ(value.size(), 4u);
  EXPECT_TRUE(std::all_of(value.begin(), value.end(), [](uint8_t b) { return b == 0; }));
  std::copy_n("abcd", 4, value.begin());
  EXPECT_EQ(o.GetString(CKA_VALUE), "abcd");
  EXPECT_EQ(o.attributes().size(), 1u);
}

}  // namespace
}  // namespace p11
