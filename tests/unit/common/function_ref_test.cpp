#include "common/function_ref.h"

#include <gtest/gtest.h>

#include <string>

namespace p11 {
namespace {

int Apply(FunctionRef<int(int, int)> f, int a, int b) { return f(a, b); }

TEST(FunctionRefTest, CallsTheReferencedCallableWithItsState) {
  int calls = 0;
  auto add = [&calls](int a, int b) {
    ++calls;
    return a + b;
  };
  EXPECT_EQ(Apply(add, 2, 3), 5);
  EXPECT_EQ(Apply([](int a, int b) { return a * b; }, 4, 5), 20);
  EXPECT_EQ(calls, 1);
}

TEST(FunctionRefTest, PassesReferenceArgumentsThrough) {
  std::string seen;
  const std::string* address = nullptr;
  auto remember = [&](const std::string& s) {
    seen = s;
    address = &s;
  };
  FunctionRef<void(const std::string&)> record = remember;  // the lambda outlives the ref
  std::string text = "kept";
  record(text);
  EXPECT_EQ(address, &text);
  EXPECT_EQ(seen, "kept");
  EXPECT_EQ(text, "kept");
}

}  // namespace
}  // namespace p11
