// RAII owners over the PKCS#11 function list for arca-tool.
#include "cli/pkcs11_client.h"

#include <cstring>

#include "cli/check_rv.h"

namespace p11::cli {

Module::Module() {
  CheckRv(C_GetFunctionList(&fn_), "cannot load the module");
  CK_C_INITIALIZE_ARGS args{};
  args.flags = CKF_OS_LOCKING_OK;
  CheckRv(fn_->C_Initialize(&args), "cannot initialise the module");
  initialized_ = true;
}

Module::~Module() { Finalize(); }

void Module::Finalize() {
  if (initialized_) fn_->C_Finalize(nullptr);
  initialized_ = false;
}

std::vector<CK_SLOT_ID> Module::Slots() const {
  // The count can change between the two calls (another process initialises a token).
  for (;;) {
    CK_ULONG count = 0;
    CheckRv(fn_->C_GetSlotList(CK_TRUE, nullptr, &count), "cannot list slots");
    std::vector<CK_SLOT_ID> slots(count);
    CK_RV rv = fn_->C_GetSlotList(CK_TRUE, slots.data(), &count);
    if (rv == CKR_BUFFER_TOO_SMALL) continue;
    CheckRv(rv, "cannot list slots");
    slots.resize(count);
    return slots;
  }
}

CK_TOKEN_INFO Module::TokenInfo(CK_SLOT_ID slot) const {
  CK_TOKEN_INFO info{};
  CheckRv(fn_->C_GetTokenInfo(slot, &info),
          "cannot read token info of slot " + std::to_string(slot));
  return info;
}

void Module::InitToken(CK_SLOT_ID slot, const SecureBuffer& so_pin,
                       const std::string& label) const {
  CK_UTF8CHAR padded[32];
  if (label.size() > sizeof(padded)) Fail(kExitUsage, "a token label has at most 32 bytes");
  std::memset(padded, ' ', sizeof(padded));
  std::memcpy(padded, label.data(), label.size());
  CheckRv(fn_->C_InitToken(slot, const_cast<CK_UTF8CHAR*>(so_pin.data()), so_pin.size(), padded),
          "token initialisation failed");
}

Session::Session(const Module& module, CK_SLOT_ID slot, bool read_write) : fn_(module.functions()) {
  CK_FLAGS flags = CKF_SERIAL_SESSION | (read_write ? CKF_RW_SESSION : 0);
  CheckRv(fn_->C_OpenSession(slot, flags, nullptr, nullptr, &handle_),
          "cannot open a session on slot " + std::to_string(slot));
}

Session::~Session() {
  Logout();
  fn_->C_CloseSession(handle_);
}

void Session::Login(CK_USER_TYPE who, const SecureBuffer& pin) {
  CheckRv(fn_->C_Login(handle_, who, const_cast<CK_UTF8CHAR*>(pin.data()), pin.size()),
          "login failed");
  logged_in_ = true;
}

void Session::Logout() {
  if (logged_in_) fn_->C_Logout(handle_);
  logged_in_ = false;
}

void Session::InitPin(const SecureBuffer& new_pin) {
  CheckRv(fn_->C_InitPIN(handle_, const_cast<CK_UTF8CHAR*>(new_pin.data()), new_pin.size()),
          "setting the user PIN failed");
}

void Session::SetPin(const SecureBuffer& old_pin, const SecureBuffer& new_pin) {
  CheckRv(fn_->C_SetPIN(handle_, const_cast<CK_UTF8CHAR*>(old_pin.data()), old_pin.size(),
                        const_cast<CK_UTF8CHAR*>(new_pin.data()), new_pin.size()),
          "changing the PIN failed");
}

std::vector<CK_OBJECT_HANDLE> Session::Find(std::span<const CK_ATTRIBUTE> match) {
  CheckRv(fn_->C_FindObjectsInit(handle_, const_cast<CK_ATTRIBUTE*>(match.data()), match.size()),
          "cannot search objects");
  std::vector<CK_OBJECT_HANDLE> found;
  CK_OBJECT_HANDLE batch[64];
  for (;;) {
    CK_ULONG count = 0;
    CK_RV rv = fn_->C_FindObjects(handle_, batch, 64, &count);
    if (rv != CKR_OK) {
      fn_->C_FindObjectsFinal(handle_);
      CheckRv(rv, "cannot search objects");
    }
    if (count == 0) break;
    found.insert(found.end(), batch, batch + count);
  }
  CheckRv(fn_->C_FindObjectsFinal(handle_), "cannot search objects");
  return found;
}

std::optional<std::vector<uint8_t>> Session::Attribute(CK_OBJECT_HANDLE object,
                                                       CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE attr{type, nullptr, 0};
  CK_RV rv = fn_->C_GetAttributeValue(handle_, object, &attr, 1);
  if (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID) return std::nullopt;
  CheckRv(rv, "cannot read an attribute");
  if (attr.ulValueLen == CK_UNAVAILABLE_INFORMATION) return std::nullopt;
  std::vector<uint8_t> value(attr.ulValueLen);
  attr.pValue = value.data();
  CheckRv(fn_->C_GetAttributeValue(handle_, object, &attr, 1), "cannot read an attribute");
  value.resize(attr.ulValueLen);
  return value;
}

std::optional<CK_ULONG> Session::UlongAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
  CK_ULONG value = 0;
  CK_ATTRIBUTE attr{type, &value, sizeof(value)};
  CK_RV rv = fn_->C_GetAttributeValue(handle_, object, &attr, 1);
  if (rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID) return std::nullopt;
  CheckRv(rv, "cannot read an attribute");
  return value;
}

CK_OBJECT_HANDLE Session::Create(std::span<const CK_ATTRIBUTE> attributes) {
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  CheckRv(fn_->C_CreateObject(handle_, const_cast<CK_ATTRIBUTE*>(attributes.data()),
                              attributes.size(), &object),
          "cannot create the object");
  return object;
}

void Session::Destroy(CK_OBJECT_HANDLE object) {
  CheckRv(fn_->C_DestroyObject(handle_, object), "cannot delete the object");
}

std::string TrimPadded(const CK_UTF8CHAR* field, size_t size) {
  std::string s(reinterpret_cast<const char*>(field), size);
  size_t end = s.find_last_not_of(" \0", std::string::npos, 2);
  return end == std::string::npos ? std::string() : s.substr(0, end + 1);
}

}  // namespace p11::cli
