// StatusToRv: each firmware status against the CK_RV a PKCS#11 caller expects, written out
// here independently of the table in status_map.cpp.
#include "transport/status_map.h"

#include <gtest/gtest.h>

#include <string>

namespace p11::transport {
namespace {

struct Expected {
  hsm::Status status;
  CK_RV rv;
};

constexpr Expected kExpected[] = {
    {hsm::Status::kOk, CKR_OK},
    {hsm::Status::kMalformed, CKR_DEVICE_ERROR},
    {hsm::Status::kUnknownOp, CKR_DEVICE_ERROR},
    {hsm::Status::kTooLarge, CKR_DATA_LEN_RANGE},
    {hsm::Status::kBadState, CKR_FUNCTION_FAILED},
    {hsm::Status::kNotLoggedIn, CKR_USER_NOT_LOGGED_IN},
    {hsm::Status::kPinIncorrect, CKR_PIN_INCORRECT},
    {hsm::Status::kPinLocked, CKR_PIN_LOCKED},
    {hsm::Status::kPinLenRange, CKR_PIN_LEN_RANGE},
    {hsm::Status::kPinNotInitialized, CKR_USER_PIN_NOT_INITIALIZED},
    {hsm::Status::kTokenNotInitialized, CKR_TOKEN_NOT_RECOGNIZED},
    {hsm::Status::kKeyNotFound, CKR_OBJECT_HANDLE_INVALID},
    {hsm::Status::kKeyTypeInconsistent, CKR_KEY_TYPE_INCONSISTENT},
    {hsm::Status::kKeyFunctionNotPermitted, CKR_KEY_FUNCTION_NOT_PERMITTED},
    {hsm::Status::kMechanismInvalid, CKR_MECHANISM_INVALID},
    {hsm::Status::kParamInvalid, CKR_MECHANISM_PARAM_INVALID},
    {hsm::Status::kDataLenRange, CKR_DATA_LEN_RANGE},
    {hsm::Status::kSignatureInvalid, CKR_SIGNATURE_INVALID},
    {hsm::Status::kEncryptedDataInvalid, CKR_ENCRYPTED_DATA_INVALID},
    {hsm::Status::kNoSpace, CKR_DEVICE_MEMORY},
    {hsm::Status::kFlashError, CKR_DEVICE_ERROR},
    {hsm::Status::kCryptoError, CKR_DEVICE_ERROR},
    {hsm::Status::kNotExtractable, CKR_KEY_UNEXTRACTABLE},
    {hsm::Status::kUserAlreadyLoggedIn, CKR_USER_ALREADY_LOGGED_IN},
    {hsm::Status::kAnotherUserLoggedIn, CKR_USER_ANOTHER_ALREADY_LOGGED_IN},
    {hsm::Status::kKeySizeRange, CKR_KEY_SIZE_RANGE},
    {hsm::Status::kInternal, CKR_DEVICE_ERROR},
};

TEST(StatusToRv, EveryStatusHasTheCodeCallersExpect) {
  EXPECT_EQ(std::size(kExpected), static_cast<size_t>(hsm::Status::kInternal) + 1);
  for (const Expected& e : kExpected) {
    EXPECT_EQ(StatusToRv(e.status), e.rv) << StatusName(e.status);
  }
}

TEST(StatusToRv, OnlyOkIsOk) {
  for (uint16_t s = 1; s < 1000; ++s) EXPECT_NE(StatusToRv(static_cast<hsm::Status>(s)), CKR_OK);
}

TEST(StatusToRv, ValuesOutsideTheEnumAreDeviceError) {
  for (uint16_t s : {27, 100, 0x7FFF, 0xFFFF}) {
    EXPECT_EQ(StatusToRv(static_cast<hsm::Status>(s)), CKR_DEVICE_ERROR) << s;
    EXPECT_STREQ(StatusName(static_cast<hsm::Status>(s)), "?");
  }
}

TEST(StatusName, NamesTheEnumerator) {
  EXPECT_STREQ(StatusName(hsm::Status::kOk), "kOk");
  EXPECT_STREQ(StatusName(hsm::Status::kPinLocked), "kPinLocked");
  EXPECT_STREQ(StatusName(hsm::Status::kInternal), "kInternal");
}

}  // namespace
}  // namespace p11::transport
