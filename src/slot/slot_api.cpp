// §5.4 C_GetInfo and §5.5 slot queries: slot list, slot/token info, mechanisms, events.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string_view>
#include <thread>

#include "slot/api.h"
#include "slot/call_context.h"

namespace p11 {
namespace {

constexpr std::string_view kManufacturer = "Arca";

// PKCS#11 strings are fixed-size, blank-padded, not NUL-terminated.
template <size_t N>
void Pad(CK_UTF8CHAR (&field)[N], std::string_view text) {
  std::memset(field, ' ', N);
  std::memcpy(field, text.data(), std::min(N, text.size()));
}

template <class T>
Result<void> ListOut(const std::vector<T>& items, T* out, CK_ULONG* count) {
  if (count == nullptr) return Fail(CKR_ARGUMENTS_BAD, "count");
  if (out == nullptr) {
    *count = items.size();
    return Ok();
  }
  if (*count < items.size()) {
    *count = items.size();
    return Fail(CKR_BUFFER_TOO_SMALL, "list");
  }
  std::copy(items.begin(), items.end(), out);
  *count = items.size();
  return Ok();
}

CK_FLAGS TokenFlags(const TokenStatus& st) {
  CK_FLAGS flags = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_RESTORE_KEY_NOT_NEEDED;
  if (st.initialized) flags |= CKF_TOKEN_INITIALIZED;
  if (st.user_pin_initialized) flags |= CKF_USER_PIN_INITIALIZED;
  if (st.user_pin_locked) {
    flags |= CKF_USER_PIN_LOCKED;
  } else if (st.user_pin_failures > 0) {
    flags |= CKF_USER_PIN_COUNT_LOW;
    if (st.user_pin_failures + 1 == st.max_pin_failures) flags |= CKF_USER_PIN_FINAL_TRY;
  }
  if (st.so_pin_locked) {
    flags |= CKF_SO_PIN_LOCKED;
  } else if (st.so_pin_failures > 0) {
    flags |= CKF_SO_PIN_COUNT_LOW;
    if (st.so_pin_failures + 1 == st.max_pin_failures) flags |= CKF_SO_PIN_FINAL_TRY;
  }
  return flags;
}

}  // namespace

Result<void> GetInfo(Module&, CK_INFO* info) {
  if (info == nullptr) return Fail(CKR_ARGUMENTS_BAD, "info");
  *info = CK_INFO{};
  info->cryptokiVersion = {CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR};
  Pad(info->manufacturerID, kManufacturer);
  Pad(info->libraryDescription, "Arca PKCS#11 module");
  info->libraryVersion = {0, 1};
  return Ok();
}

Result<void> GetSlotList(Module& m, CK_BBOOL token_present, CK_SLOT_ID* list, CK_ULONG* count) {
  if (count == nullptr) return Fail(CKR_ARGUMENTS_BAD, "count");
  // Only the length query re-reads the store and probes the devices, so the IDs a caller
  // sized its buffer for are the IDs it then receives. Software slots always hold a token
  // (the blank slot an uninitialised one); a device slot only while its device answers.
  if (list == nullptr) P11_TRY(m.slots().Refresh());
  std::vector<CK_SLOT_ID> ids;
  for (const std::shared_ptr<Slot>& slot : m.slots().All()) {
    if (token_present) {
      auto st = slot->token().Status();
      if (!st.ok() || !st->present) continue;
    }
    ids.push_back(slot->id());
  }
  return ListOut(ids, list, count);
}

Result<void> GetSlotInfo(Module& m, CK_SLOT_ID id, CK_SLOT_INFO* info) {
  if (info == nullptr) return Fail(CKR_ARGUMENTS_BAD, "info");
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot, m.slots().Get(id));
  P11_ASSIGN_OR_RETURN(TokenStatus st, slot->token().Status());
  *info = CK_SLOT_INFO{};
  Pad(info->slotDescription, st.hardware ? "Arca firmware token slot" : "Arca software token slot");
  Pad(info->manufacturerID, kManufacturer);
  info->flags = st.present ? CKF_TOKEN_PRESENT : 0;
  if (st.hardware) info->flags |= CKF_HW_SLOT;
  if (st.removable) info->flags |= CKF_REMOVABLE_DEVICE;
  info->hardwareVersion = st.hardware_version;
  info->firmwareVersion = st.firmware_version;
  return Ok();
}

Result<void> GetTokenInfo(Module& m, CK_SLOT_ID id, CK_TOKEN_INFO* info) {
  if (info == nullptr) return Fail(CKR_ARGUMENTS_BAD, "info");
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot, m.slots().Get(id));
  P11_ASSIGN_OR_RETURN(TokenStatus st, slot->token().Status());
  if (!st.present) return Fail(CKR_TOKEN_NOT_PRESENT, "device not answering");
  *info = CK_TOKEN_INFO{};
  Pad(info->label, st.label);
  Pad(info->manufacturerID, kManufacturer);
  Pad(info->model, st.model);
  Pad(info->serialNumber, st.serial);
  info->flags = TokenFlags(st);
  CK_ULONG sessions = 0, rw_sessions = 0;
  for (const auto& s : m.sessions().OfSlot(id)) {
    ++sessions;
    if (s->read_write()) ++rw_sessions;
  }
  info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
  info->ulSessionCount = sessions;
  info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
  info->ulRwSessionCount = rw_sessions;
  info->ulMaxPinLen = st.max_pin_len;
  info->ulMinPinLen = st.min_pin_len;
  info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
  info->hardwareVersion = st.hardware_version;
  info->firmwareVersion = st.firmware_version;
  std::memset(info->utcTime, ' ', sizeof info->utcTime);  // no CKF_CLOCK_ON_TOKEN
  return Ok();
}

Result<void> GetMechanismList(Module& m, CK_SLOT_ID id, CK_MECHANISM_TYPE* list, CK_ULONG* count) {
  if (count == nullptr) return Fail(CKR_ARGUMENTS_BAD, "count");
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot, m.slots().Get(id));
  return ListOut(slot->token().Mechanisms().Types(), list, count);
}

Result<void> GetMechanismInfo(Module& m, CK_SLOT_ID id, CK_MECHANISM_TYPE type,
                              CK_MECHANISM_INFO* info) {
  if (info == nullptr) return Fail(CKR_ARGUMENTS_BAD, "info");
  P11_ASSIGN_OR_RETURN(std::shared_ptr<Slot> slot, m.slots().Get(id));
  const Mechanism* mechanism = slot->token().Mechanisms().Find(type);
  if (mechanism == nullptr) return Fail(CKR_MECHANISM_INVALID, "mechanism");
  *info = mechanism->info();
  return Ok();
}

// §5.5 C_WaitForSlotEvent: software tokens never come or go; firmware devices do. Each
// poll probes the devices (DeviceSlots::Refresh) and reports the oldest unreported change.
Result<void> WaitForSlotEvent(Module& m, CK_FLAGS flags, CK_SLOT_ID* slot) {
  if (slot == nullptr) return Fail(CKR_ARGUMENTS_BAD, "slot");
  constexpr auto kPollInterval = std::chrono::milliseconds(200);
  for (;;) {
    P11_TRY(m.slots().Refresh());
    if (std::optional<CK_SLOT_ID> id = m.devices().TakeEvent()) {
      *slot = *id;
      return Ok();
    }
    if (flags & CKF_DONT_BLOCK) return Fail(CKR_NO_EVENT, "no event");
    // C_Finalize ends a blocking wait: it waits for this call's shared library lock, so the
    // wait returns CKR_CRYPTOKI_NOT_INITIALIZED as soon as finalisation is asked for.
    if (m.finalizing()) return Fail(CKR_CRYPTOKI_NOT_INITIALIZED, "finalized during wait");
    std::this_thread::sleep_for(kPollInterval);
  }
}

Result<void> GetFunctionStatus(Module& m, CK_SESSION_HANDLE h) {
  P11_TRY(m.sessions().Get(h));
  return Fail(CKR_FUNCTION_NOT_PARALLEL, "legacy");
}

Result<void> CancelFunction(Module& m, CK_SESSION_HANDLE h) {
  P11_TRY(m.sessions().Get(h));
  return Fail(CKR_FUNCTION_NOT_PARALLEL, "legacy");
}

}  // namespace p11
