#include "provider.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace bench {
namespace {

CK_UTF8CHAR_PTR Utf8(const char* s) {
  return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(s));
}

CK_ULONG Len(const char* s) { return static_cast<CK_ULONG>(std::strlen(s)); }

std::vector<CK_SLOT_ID> SlotList(CK_FUNCTION_LIST* fn) {
  CK_ULONG count = 0;
  CheckRv(fn->C_GetSlotList(CK_TRUE, nullptr, &count), "C_GetSlotList");
  std::vector<CK_SLOT_ID> slots(count);
  CheckRv(fn->C_GetSlotList(CK_TRUE, slots.data(), &count), "C_GetSlotList");
  slots.resize(count);
  return slots;
}

bool IsHardwareSlot(CK_FUNCTION_LIST* fn, CK_SLOT_ID slot) {
  CK_SLOT_INFO info{};
  return fn->C_GetSlotInfo(slot, &info) == CKR_OK && (info.flags & CKF_HW_SLOT) != 0;
}

// The blank-padded 32-byte label field of CK_TOKEN_INFO.
std::string PaddedLabel(const std::string& label) {
  std::string padded = label.substr(0, 32);
  padded.resize(32, ' ');
  return padded;
}

}  // namespace

void CheckRv(CK_RV rv, const char* what) {
  if (rv == CKR_OK) return;
  char text[160];
  std::snprintf(text, sizeof text, "%s failed: CK_RV 0x%lx", what, static_cast<unsigned long>(rv));
  throw BenchError(text);
}

Provider::Provider(std::string name, void* handle, CK_FUNCTION_LIST* fn, bool hardware)
    : name_(std::move(name)), handle_(handle), fn_(fn), hardware_(hardware) {}

std::unique_ptr<Provider> Provider::Open(const std::string& name, const std::string& path,
                                         const std::string& token_label) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) throw BenchError(name + ": dlopen: " + dlerror());
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
  CK_FUNCTION_LIST* fn = nullptr;
  if (get_list == nullptr || get_list(&fn) != CKR_OK || fn == nullptr) {
    dlclose(handle);
    throw BenchError(name + ": C_GetFunctionList missing or failed");
  }
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  if (CK_RV rv = fn->C_Initialize(&args); rv != CKR_OK) {
    dlclose(handle);
    CheckRv(rv, "C_Initialize");
  }
  std::unique_ptr<Provider> provider(new Provider(name, handle, fn, false));
  provider->InitToken(token_label);
  return provider;
}

std::unique_ptr<Provider> Provider::OpenHardwareSlot(const Provider& loaded,
                                                     const std::string& name,
                                                     const std::string& token_label) {
  std::unique_ptr<Provider> provider(new Provider(name, nullptr, loaded.fn_, true));
  provider->InitToken(token_label);
  return provider;
}

Provider::~Provider() {
  // A view leaves its sessions to the owner's C_Finalize, so it is safe to destroy in any
  // order, even after the owner has unloaded the module.
  if (handle_ == nullptr) return;
  fn_->C_Finalize(nullptr);
  dlclose(handle_);
}

void Provider::InitToken(const std::string& label) {
  CK_SLOT_ID free_slot = CK_UNAVAILABLE_INFORMATION;
  for (CK_SLOT_ID slot : SlotList(fn_)) {
    CK_TOKEN_INFO info{};
    if (IsHardwareSlot(fn_, slot) != hardware_) continue;
    if (fn_->C_GetTokenInfo(slot, &info) == CKR_OK && !(info.flags & CKF_TOKEN_INITIALIZED)) {
      free_slot = slot;
      break;
    }
  }
  if (free_slot == CK_UNAVAILABLE_INFORMATION) {
    throw BenchError(name_ + (hardware_ ? ": no free hardware slot" : ": no free slot"));
  }
  std::string padded = PaddedLabel(label);
  CheckRv(fn_->C_InitToken(free_slot, Utf8(kSoPin), Len(kSoPin), Utf8(padded.c_str())),
          "C_InitToken");
  // SoftHSMv2 moves an initialised token to a new slot ID: find it again by label.
  slot_ = CK_UNAVAILABLE_INFORMATION;
  for (CK_SLOT_ID slot : SlotList(fn_)) {
    CK_TOKEN_INFO info{};
    if (IsHardwareSlot(fn_, slot) != hardware_) continue;
    if (fn_->C_GetTokenInfo(slot, &info) == CKR_OK &&
        std::memcmp(info.label, padded.data(), 32) == 0) {
      slot_ = slot;
    }
  }
  if (slot_ == CK_UNAVAILABLE_INFORMATION) throw BenchError(name_ + ": token lost after init");
  session_ = OpenSession();
  CheckRv(fn_->C_Login(session_, CKU_SO, Utf8(kSoPin), Len(kSoPin)), "C_Login(SO)");
  CheckRv(fn_->C_InitPIN(session_, Utf8(kUserPin), Len(kUserPin)), "C_InitPIN");
  CheckRv(fn_->C_Logout(session_), "C_Logout");
  CheckRv(fn_->C_Login(session_, CKU_USER, Utf8(kUserPin), Len(kUserPin)), "C_Login(USER)");
}

CK_SESSION_HANDLE Provider::OpenSession() {
  CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
  CheckRv(
      fn_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &session),
      "C_OpenSession");
  return session;
}

void Provider::CloseSession(CK_SESSION_HANDLE session) { fn_->C_CloseSession(session); }

bool Provider::Supports(CK_MECHANISM_TYPE mechanism, CK_FLAGS flags) const {
  CK_MECHANISM_INFO info{};
  return fn_->C_GetMechanismInfo(slot_, mechanism, &info) == CKR_OK &&
         (info.flags & flags) == flags;
}

}  // namespace bench
