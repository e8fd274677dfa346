// hsm::Status: the result of every firmware operation, carried in the response header.
// The host maps it to a CK_RV in exactly one place (src/transport/status_map.cpp).
#pragma once

#include <cstdint>

namespace hsm {

enum class Status : uint16_t {
  kOk = 0,
  kMalformed = 1,  // a request that does not decode against its declaration
  kUnknownOp = 2,
  kTooLarge = 3,  // a field or the whole payload over its limit
  kBadState = 4,  // the operation is not valid in the device's current state
  kNotLoggedIn = 5,
  kPinIncorrect = 6,
  kPinLocked = 7,
  kPinLenRange = 8,
  kPinNotInitialized = 9,
  kTokenNotInitialized = 10,
  kKeyNotFound = 11,
  kKeyTypeInconsistent = 12,      // the key's type does not fit the algorithm
  kKeyFunctionNotPermitted = 13,  // the key's usage flags forbid the operation
  kMechanismInvalid = 14,
  kParamInvalid = 15,
  kDataLenRange = 16,
  kSignatureInvalid = 17,
  kEncryptedDataInvalid = 18,  // an AEAD tag or padding that does not check
  kNoSpace = 19,               // key store full
  kFlashError = 20,
  kCryptoError = 21,
  kNotExtractable = 22,
  kUserAlreadyLoggedIn = 23,
  kAnotherUserLoggedIn = 24,
  kKeySizeRange = 25,
  kInternal = 26,
};

constexpr bool Ok(Status s) { return s == Status::kOk; }

}  // namespace hsm
