#include "transport/status_map.h"

#include <array>
#include <cstddef>

namespace p11::transport {
namespace {

struct StatusRow {
  hsm::Status status;
  CK_RV rv;
  const char* name;
};

// One row per hsm::Status, in enum order (checked below). The comment says why a PKCS#11
// caller expects that code.
constexpr std::array kStatusRows = {
    StatusRow{hsm::Status::kOk, CKR_OK, "kOk"},
    // The host encoded it, so a device that cannot read it means the two disagree: the
    // device's fault from the caller's point of view, not a bad argument of theirs.
    StatusRow{hsm::Status::kMalformed, CKR_DEVICE_ERROR, "kMalformed"},
    StatusRow{hsm::Status::kUnknownOp, CKR_DEVICE_ERROR, "kUnknownOp"},
    // A field over the device's limit: for the data-carrying ops the caller can fix it by
    // sending less, which is what CKR_DATA_LEN_RANGE tells them.
    StatusRow{hsm::Status::kTooLarge, CKR_DATA_LEN_RANGE, "kTooLarge"},
    // The device refused in its current state (the token layer checks states before
    // sending, so this is a disagreement with the device): a plain failure of the function,
    // not CKR_OPERATION_NOT_INITIALIZED, which is about *Init/*Final pairs the device lacks.
    StatusRow{hsm::Status::kBadState, CKR_FUNCTION_FAILED, "kBadState"},
    StatusRow{hsm::Status::kNotLoggedIn, CKR_USER_NOT_LOGGED_IN, "kNotLoggedIn"},
    StatusRow{hsm::Status::kPinIncorrect, CKR_PIN_INCORRECT, "kPinIncorrect"},
    StatusRow{hsm::Status::kPinLocked, CKR_PIN_LOCKED, "kPinLocked"},
    StatusRow{hsm::Status::kPinLenRange, CKR_PIN_LEN_RANGE, "kPinLenRange"},
    StatusRow{hsm::Status::kPinNotInitialized, CKR_USER_PIN_NOT_INITIALIZED, "kPinNotInitialized"},
    // C_Login on a token that was never C_InitToken'ed: the token is there but unusable.
    StatusRow{hsm::Status::kTokenNotInitialized, CKR_TOKEN_NOT_RECOGNIZED, "kTokenNotInitialized"},
    // A device key id that no longer exists: the handle the caller holds is stale.
    StatusRow{hsm::Status::kKeyNotFound, CKR_OBJECT_HANDLE_INVALID, "kKeyNotFound"},
    StatusRow{hsm::Status::kKeyTypeInconsistent, CKR_KEY_TYPE_INCONSISTENT, "kKeyTypeInconsistent"},
    StatusRow{hsm::Status::kKeyFunctionNotPermitted, CKR_KEY_FUNCTION_NOT_PERMITTED,
              "kKeyFunctionNotPermitted"},
    StatusRow{hsm::Status::kMechanismInvalid, CKR_MECHANISM_INVALID, "kMechanismInvalid"},
    StatusRow{hsm::Status::kParamInvalid, CKR_MECHANISM_PARAM_INVALID, "kParamInvalid"},
    StatusRow{hsm::Status::kDataLenRange, CKR_DATA_LEN_RANGE, "kDataLenRange"},
    StatusRow{hsm::Status::kSignatureInvalid, CKR_SIGNATURE_INVALID, "kSignatureInvalid"},
    StatusRow{hsm::Status::kEncryptedDataInvalid, CKR_ENCRYPTED_DATA_INVALID,
              "kEncryptedDataInvalid"},
    // The key store is full: the device's memory, not the host's.
    StatusRow{hsm::Status::kNoSpace, CKR_DEVICE_MEMORY, "kNoSpace"},
    StatusRow{hsm::Status::kFlashError, CKR_DEVICE_ERROR, "kFlashError"},
    StatusRow{hsm::Status::kCryptoError, CKR_DEVICE_ERROR, "kCryptoError"},
    StatusRow{hsm::Status::kNotExtractable, CKR_KEY_UNEXTRACTABLE, "kNotExtractable"},
    StatusRow{hsm::Status::kUserAlreadyLoggedIn, CKR_USER_ALREADY_LOGGED_IN,
              "kUserAlreadyLoggedIn"},
    StatusRow{hsm::Status::kAnotherUserLoggedIn, CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
              "kAnotherUserLoggedIn"},
    StatusRow{hsm::Status::kKeySizeRange, CKR_KEY_SIZE_RANGE, "kKeySizeRange"},
    StatusRow{hsm::Status::kInternal, CKR_DEVICE_ERROR, "kInternal"},
};

constexpr bool RowsInEnumOrder() {
  for (size_t i = 0; i < kStatusRows.size(); ++i) {
    if (static_cast<size_t>(kStatusRows[i].status) != i) return false;
  }
  return true;
}
static_assert(RowsInEnumOrder(), "kStatusRows must list hsm::Status in enum order, no gaps");
static_assert(static_cast<size_t>(hsm::Status::kInternal) + 1 == kStatusRows.size(),
              "a new hsm::Status needs its row here");

const StatusRow* FindRow(hsm::Status status) {
  auto index = static_cast<size_t>(status);
  return index < kStatusRows.size() ? &kStatusRows[index] : nullptr;
}

}  // namespace

CK_RV StatusToRv(hsm::Status status) {
  const StatusRow* row = FindRow(status);
  return row != nullptr ? row->rv : CKR_DEVICE_ERROR;
}

const char* StatusName(hsm::Status status) {
  const StatusRow* row = FindRow(status);
  return row != nullptr ? row->name : "?";
}

}  // namespace p11::transport
