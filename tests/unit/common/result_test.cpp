#include "common/result.h"

#include <gtest/gtest.h>

#include <memory>

#include "common/out_buffer.h"

namespace p11 {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return Fail(CKR_ARGUMENTS_BAD, "odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  P11_ASSIGN_OR_RETURN(int half, Half(v));
  P11_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Result<void> CheckEven(int v) {
  P11_TRY(Half(v));
  return Ok();
}

TEST(ResultTest, CarriesValueOrError) {
  Result<int> ok = Half(8);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 4);
  EXPECT_EQ(ok.rv(), CKR_OK);
  Result<int> bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.rv(), CKR_ARGUMENTS_BAD);
  EXPECT_STREQ(bad.error().where, "odd");
}

TEST(ResultTest, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).rv(), CKR_ARGUMENTS_BAD);  // 6 → 3 fails on the second step
  EXPECT_TRUE(CheckEven(2).ok());
  EXPECT_EQ(CheckEven(1).rv(), CKR_ARGUMENTS_BAD);
}

TEST(ResultTest, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(ResultTest, VoidFromRv) {
  Result<void> ok = CKR_OK;
  EXPECT_TRUE(ok.ok());
  Result<void> bad = CKR_PIN_INCORRECT;
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.rv(), CKR_PIN_INCORRECT);
}

TEST(OutBufferTest, NullBufferIsALengthQueryThatKeepsTheOperation) {
  CK_ULONG len = 0;
  OutBuffer out(nullptr, &len);
  auto r = out.Reserve(64);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.rv(), CKR_OK);
  EXPECT_TRUE(KeepsOperation(r.error()));
  EXPECT_EQ(len, 64u);
}

TEST(OutBufferTest, ShortBufferReportsTheSizeAndKeepsTheOperation) {
  uint8_t buf[8];
  CK_ULONG len = sizeof buf;
  OutBuffer out(buf, &len);
  auto r = out.Reserve(9);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.rv(), CKR_BUFFER_TOO_SMALL);
  EXPECT_TRUE(KeepsOperation(r.error()));
  EXPECT_EQ(len, 9u);
  EXPECT_FALSE(KeepsOperation(Fail(CKR_DATA_LEN_RANGE)));
}

TEST(OutBufferTest, PutCopiesAndSetsTheLength) {
  uint8_t buf[8] = {};
  CK_ULONG len = sizeof buf;
  OutBuffer out(buf, &len);
  const uint8_t data[] = {1, 2, 3};
  ASSERT_TRUE(out.Put(data).ok());
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(buf[2], 3);
}

}  // namespace
}  // namespace p11
