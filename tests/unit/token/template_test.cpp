// ParseTemplate: the argument rules of PKCS#11 3.1 §5.7 for a caller's CK_ATTRIBUTE array.
#include "token/template.h"

#include <gtest/gtest.h>

namespace p11 {
namespace {

TEST(ParseTemplate, NullArrayWithCountIsArgumentsBad) {
  EXPECT_EQ(ParseTemplate(nullptr, 2).rv(), CKR_ARGUMENTS_BAD);
}

TEST(ParseTemplate, NullArrayWithZeroCountIsEmpty) {
  auto r = ParseTemplate(nullptr, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(ParseTemplate, NullValueWithLengthIsValueInvalid) {
  CK_ATTRIBUTE a[] = {{CKA_LABEL, nullptr, 4}};
  EXPECT_EQ(ParseTemplate(a, 1).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(ParseTemplate, NullValueWithZeroLengthIsEmptyValue) {
  CK_ATTRIBUTE a[] = {{CKA_LABEL, nullptr, 0}};
  auto r = ParseTemplate(a, 1);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_TRUE((*r)[0].value.empty());
}

TEST(ParseTemplate, SameTypeTwiceIsTemplateInconsistent) {
  CK_BBOOL t = CK_TRUE;
  CK_ATTRIBUTE a[] = {{CKA_TOKEN, &t, 1}, {CKA_LABEL, nullptr, 0}, {CKA_TOKEN, &t, 1}};
  EXPECT_EQ(ParseTemplate(a, 3).rv(), CKR_TEMPLATE_INCONSISTENT);
}

TEST(ParseTemplate, ViewsTheCallersBytesInOrder) {
  char label[] = "my key";
  CK_ULONG cls = CKO_SECRET_KEY;
  CK_ATTRIBUTE a[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_LABEL, label, 6}};
  auto r = ParseTemplate(a, 2);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].type, CKA_CLASS);
  EXPECT_EQ((*r)[0].value.data(), reinterpret_cast<const uint8_t*>(&cls));
  EXPECT_EQ((*r)[1].type, CKA_LABEL);
  EXPECT_EQ((*r)[1].value.size(), 6u);
  EXPECT_EQ((*r)[1].value.data(), reinterpret_cast<const uint8_t*>(label));
}

TEST(ParseTemplate, UnavailableLengthIsValueInvalid) {
  char v[4] = {};
  CK_ATTRIBUTE a[] = {{CKA_LABEL, v, CK_UNAVAILABLE_INFORMATION}};
  EXPECT_EQ(ParseTemplate(a, 1).rv(), CKR_ATTRIBUTE_VALUE_INVALID);
}

}  // namespace
}  // namespace p11
