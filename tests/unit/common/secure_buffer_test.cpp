#include "common/secure_buffer.h"

#include <gtest/gtest.h>

#include <type_traits>

namespace p11 {
namespace {

static_assert(!std::is_copy_constructible_v<SecureBuffer>, "secrets are copied only by Clone");
static_assert(std::is_nothrow_move_constructible_v<SecureBuffer>);

TEST(SecureBufferTest, CloneIsIndependent) {
  const uint8_t bytes[] = {1, 2, 3, 4};
  SecureBuffer a(bytes);
  SecureBuffer b = a.Clone();
  b.data()[0] = 9;
  EXPECT_EQ(a.data()[0], 1);
  EXPECT_TRUE(a.Equals(bytes));
  EXPECT_FALSE(b.Equals(bytes));
}

TEST(SecureBufferTest, EqualsComparesLengthToo) {
  const uint8_t bytes[] = {1, 2, 3, 4};
  SecureBuffer a(ByteView(bytes, 3));
  EXPECT_FALSE(a.Equals(bytes));
  EXPECT_TRUE(a.Equals(ByteView(bytes, 3)));
}

TEST(SecureBufferTest, GrowingKeepsTheContents) {
  SecureBuffer a(AsBytes("secret"));
  a.Append(AsBytes("-and-more"));
  EXPECT_TRUE(a.Equals(AsBytes("secret-and-more")));
  a.clear();
  EXPECT_TRUE(a.empty());
}

}  // namespace
}  // namespace p11
