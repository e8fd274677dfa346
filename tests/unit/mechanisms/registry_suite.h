// The fixture most mechanism tests start from: a Registry filled by one family's Register
// function (RegisterAes, RegisterEc, …) and the lookup by mechanism type.
#pragma once

#include <gtest/gtest.h>

#include "mechanisms/registry.h"

namespace p11 {

template <void (*Register)(Registry&)>
class RegistrySuite : public ::testing::Test {
 protected:
  void SetUp() override { Register(registry_); }

  const Mechanism& Mech(CK_MECHANISM_TYPE type) {
    const Mechanism* m = registry_.Find(type);
    EXPECT_NE(m, nullptr) << std::hex << type;
    return *m;
  }

  Registry registry_;
};

}  // namespace p11
