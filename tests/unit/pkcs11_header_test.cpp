// Checks include/pkcs11/pkcs11.h against p11-kit's <p11-kit/pkcs11.h>.
//
// The two generated translation units (see pkcs11_header.cmake) each evaluate,
// against one header, every integer CK* macro that p11-kit defines, plus a set
// of sizeof/offsetof facts. Here we require that every shared constant has the
// same value, except where p11-kit departs from the specification (the spec
// wins), and that the structure layouts agree. This file includes only Arca's
// header, so it also checks 3.x facts that p11-kit's 2.40 header cannot.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <type_traits>

#include "pkcs11/pkcs11.h"
#include "pkcs11_header_table.h"

namespace arca_test {
namespace {

// Names p11-kit defines that are not PKCS#11 names, so Arca does not define them.
const std::set<std::string> kP11KitOnlyNames = {
    "CKC_OPENPGP",    // p11-kit's own vendor certificate type
    "CK_OTP_FORMAT",  // p11-kit's spelling of CK_OTP_OUTPUT_FORMAT
};

// Where p11-kit's value differs from the PKCS#11 specification (2.40 errata 01
// and 3.x both assign 0x1B5..0x1B9). Arca follows the specification; p11-kit may
// carry either value.
struct KnownDeviation {
  unsigned long spec;
  unsigned long p11kit;
};
const std::map<std::string, KnownDeviation> kKnownDeviations = {
    {"CKR_EXCEEDED_MAX_ITERATIONS", {0x1B5UL, 0x1C0UL}},
    {"CKR_FIPS_SELF_TEST_FAILED", {0x1B6UL, 0x1C1UL}},
    {"CKR_LIBRARY_LOAD_FAILED", {0x1B7UL, 0x1C2UL}},
    {"CKR_PIN_TOO_WEAK", {0x1B8UL, 0x1C3UL}},
    {"CKR_PUBLIC_KEY_INVALID", {0x1B9UL, 0x1C4UL}},
};

// Names both headers must define.
const char* const kCoreNames[] = {"CKR_OK",
                                  "CKR_ARGUMENTS_BAD",
                                  "CKR_BUFFER_TOO_SMALL",
                                  "CKR_CRYPTOKI_NOT_INITIALIZED",
                                  "CKA_CLASS",
                                  "CKA_KEY_TYPE",
                                  "CKA_VALUE",
                                  "CKA_EC_PARAMS",
                                  "CKA_WRAP_TEMPLATE",
                                  "CKA_ALLOWED_MECHANISMS",
                                  "CKA_VENDOR_DEFINED",
                                  "CKO_PRIVATE_KEY",
                                  "CKK_RSA",
                                  "CKK_EC",
                                  "CKK_EC_EDWARDS",
                                  "CKM_RSA_PKCS",
                                  "CKM_AES_GCM",
                                  "CKM_ECDSA",
                                  "CKM_EDDSA",
                                  "CKM_SHA256",
                                  "CKM_VENDOR_DEFINED",
                                  "CKF_RW_SESSION",
                                  "CKF_SERIAL_SESSION",
                                  "CKF_OS_LOCKING_OK",
                                  "CKU_USER",
                                  "CKS_RW_USER_FUNCTIONS",
                                  "CKG_MGF1_SHA256",
                                  "CKD_NULL",
                                  "CKZ_DATA_SPECIFIED",
                                  "CK_UNAVAILABLE_INFORMATION",
                                  "CK_INVALID_HANDLE"};

// A comparison over fewer shared constants than this has lost its input.
constexpr std::size_t kMinSharedConstants = 500;

TEST(Pkcs11HeaderTest, SharedConstantsMatchP11Kit) {
  const Table<ConstantRow> p11kit = P11KitConstants();
  const Table<ConstantRow> arca = ArcaConstants();
  ASSERT_EQ(p11kit.size, arca.size) << "generated tables list different names";

  std::size_t compared = 0;
  for (std::size_t i = 0; i < p11kit.size; ++i) {
    const ConstantRow& theirs = p11kit.rows[i];
    const ConstantRow& ours = arca.rows[i];
    ASSERT_STREQ(theirs.name, ours.name);
    ASSERT_TRUE(theirs.defined) << theirs.name << " was extracted from p11-kit but is undefined";
    const std::string name = theirs.name;
    if (!ours.defined) {
      EXPECT_TRUE(kP11KitOnlyNames.count(name) != 0)
          << name << " is defined by p11-kit but not by include/pkcs11/pkcs11.h";
      continue;
    }
    ++compared;
    auto deviation = kKnownDeviations.find(name);
    if (deviation != kKnownDeviations.end()) {
      EXPECT_EQ(ours.value, deviation->second.spec) << name << " must have the spec's value";
      EXPECT_TRUE(theirs.value == deviation->second.spec ||
                  theirs.value == deviation->second.p11kit)
          << name << ": p11-kit has an unexpected value 0x" << std::hex << theirs.value;
      continue;
    }
    EXPECT_EQ(ours.value, theirs.value)
        << name << ": ours 0x" << std::hex << ours.value << ", p11-kit 0x" << theirs.value;
  }
  EXPECT_GE(compared, kMinSharedConstants);
  RecordProperty("shared_constants", static_cast<int>(compared));
  std::printf("[ INFO     ] compared %zu constants shared with p11-kit\n", compared);
}

TEST(Pkcs11HeaderTest, CoreConstantsAreShared) {
  std::map<std::string, bool> arca;  // name -> defined by our header
  for (const ConstantRow& row : ArcaConstants()) arca.emplace(row.name, row.defined);
  for (const char* name : kCoreNames) {
    auto it = arca.find(name);
    ASSERT_TRUE(it != arca.end()) << name << " is missing from p11-kit's header";
    EXPECT_TRUE(it->second) << name << " is missing from include/pkcs11/pkcs11.h";
  }
}

// PKCS#11 3.x values p11-kit's 2.40 header does not carry, spot-checked against
// the specification's tables.
TEST(Pkcs11HeaderTest, Version3ConstantsHaveSpecValues) {
  EXPECT_EQ(CRYPTOKI_VERSION_MAJOR, 3);
  EXPECT_EQ(CRYPTOKI_VERSION_MINOR, 1);
  EXPECT_EQ(CKR_AEAD_DECRYPT_FAILED, 0x42UL);
  EXPECT_EQ(CKR_TOKEN_RESOURCE_EXCEEDED, 0x201UL);
  EXPECT_EQ(CKR_OPERATION_CANCEL_FAILED, 0x202UL);
  EXPECT_EQ(CKR_KEY_EXHAUSTED, 0x203UL);
  EXPECT_EQ(CKO_PROFILE, 9UL);
  EXPECT_EQ(CKA_UNIQUE_ID, 4UL);
  EXPECT_EQ(CKA_PROFILE_ID, 0x601UL);
  EXPECT_EQ(CKK_EC_MONTGOMERY, 0x41UL);
  EXPECT_EQ(CKK_CHACHA20, 0x33UL);
  EXPECT_EQ(CKK_HKDF, 0x42UL);
  EXPECT_EQ(CKM_EC_MONTGOMERY_KEY_PAIR_GEN, 0x1056UL);
  EXPECT_EQ(CKM_CHACHA20_POLY1305, 0x4021UL);
  EXPECT_EQ(CKM_HKDF_DERIVE, 0x402AUL);
  EXPECT_EQ(CKM_SHA3_256, 0x2B0UL);
  EXPECT_EQ(CKM_SP800_108_COUNTER_KDF, 0x3ACUL);
  EXPECT_EQ(CKM_AES_KEY_WRAP_KWP, 0x210BUL);
  EXPECT_EQ(CKM_HSS, 0x4033UL);
  EXPECT_EQ(CKF_MESSAGE_ENCRYPT, 0x2UL);
  EXPECT_EQ(CKF_MULTI_MESSAGE, 0x20UL);
  EXPECT_EQ(CKF_ERROR_STATE, 0x01000000UL);
  EXPECT_EQ(CKF_INTERFACE_FORK_SAFE, 1UL);
  EXPECT_EQ(CKF_END_OF_MESSAGE, 1UL);
  EXPECT_EQ(CKG_GENERATE_COUNTER_XOR, 4UL);
  EXPECT_EQ(CKF_HKDF_SALT_KEY, 4UL);
  EXPECT_EQ(CKP_COMPLETE_PROVIDER, 5UL);
  EXPECT_EQ(CKA_WRAP_TEMPLATE, 0x40000211UL);
  EXPECT_EQ(CKA_ALLOWED_MECHANISMS, 0x40000600UL);
}

constexpr std::size_t kPointer = sizeof(CK_C_Initialize);
// Offset of the first function pointer: CK_VERSION padded to pointer alignment.
constexpr std::size_t kFirstSlot = (sizeof(CK_VERSION) + alignof(CK_C_Initialize) - 1) /
                                   alignof(CK_C_Initialize) * alignof(CK_C_Initialize);

TEST(Pkcs11HeaderTest, FunctionListLayout) {
  EXPECT_EQ(offsetof(CK_FUNCTION_LIST, C_Initialize), kFirstSlot);
  EXPECT_EQ(sizeof(CK_FUNCTION_LIST), kFirstSlot + 68 * kPointer);
  EXPECT_EQ(offsetof(CK_FUNCTION_LIST, C_WaitForSlotEvent), kFirstSlot + 67 * kPointer);
  EXPECT_EQ(offsetof(CK_FUNCTION_LIST_3_0, C_Initialize), kFirstSlot);
  EXPECT_EQ(sizeof(CK_FUNCTION_LIST_3_0), kFirstSlot + (68 + 24) * kPointer);
  EXPECT_EQ(offsetof(CK_FUNCTION_LIST_3_0, C_GetInterfaceList), kFirstSlot + 68 * kPointer);
  EXPECT_EQ(offsetof(CK_FUNCTION_LIST_3_0, C_MessageVerifyFinal), kFirstSlot + 91 * kPointer);
}

// functions.def lists every member of CK_FUNCTION_LIST_3_0 in order, the 2.40
// ones first, and its parameter lists are the header's pointer types.
TEST(Pkcs11HeaderTest, FunctionsDefMatchesFunctionLists) {
  std::size_t slot = 0;
  std::size_t count_240 = 0;
  std::size_t count_30 = 0;
#define ARCA_FN_240(name, params, args)                                                   \
  static_assert(std::is_same_v<CK_##name, CK_RV(*) params>, #name);                       \
  EXPECT_EQ(offsetof(CK_FUNCTION_LIST, name), kFirstSlot + slot * kPointer) << #name;     \
  EXPECT_EQ(offsetof(CK_FUNCTION_LIST_3_0, name), kFirstSlot + slot * kPointer) << #name; \
  EXPECT_EQ(count_30, 0u) << #name " follows a 3.0 function";                             \
  ++slot;                                                                                 \
  ++count_240;
#define ARCA_FN_30(name, params, args)                                                    \
  static_assert(std::is_same_v<CK_##name, CK_RV(*) params>, #name);                       \
  EXPECT_EQ(offsetof(CK_FUNCTION_LIST_3_0, name), kFirstSlot + slot * kPointer) << #name; \
  ++slot;                                                                                 \
  ++count_30;
#include "../../src/module/functions.def"
#undef ARCA_FN_240
#undef ARCA_FN_30
  EXPECT_EQ(count_240, 68u);
  EXPECT_EQ(count_30, 24u);
}

TEST(Pkcs11HeaderTest, LayoutMatchesP11Kit) {
  const Table<LayoutRow> p11kit = P11KitLayout();
  const Table<LayoutRow> arca = ArcaLayout();
  ASSERT_EQ(p11kit.size, arca.size);
  // The type facts plus the 68 function-pointer offsets.
  EXPECT_GE(arca.size, 68u + 20u);
  for (std::size_t i = 0; i < arca.size; ++i) {
    ASSERT_STREQ(p11kit.rows[i].what, arca.rows[i].what);
    EXPECT_EQ(arca.rows[i].value, p11kit.rows[i].value) << arca.rows[i].what;
  }
}

}  // namespace
}  // namespace arca_test
