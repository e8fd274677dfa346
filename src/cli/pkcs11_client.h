// The function list arca-tool drives, behind small RAII owners: Module (C_Initialize /
// C_Finalize around the process) and Session (open, login, find, create, destroy). The tool
// links the module's C ABI in-process and reaches it only through C_GetFunctionList, so it
// sees exactly what any application sees. Failures throw CliError naming the CK_RV.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/secure_buffer.h"
#include "pkcs11/pkcs11.h"

namespace p11::cli {

class Module {
 public:
  // C_GetFunctionList + C_Initialize with OS locking.
  Module();
  ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  CK_FUNCTION_LIST* functions() const { return fn_; }

  std::vector<CK_SLOT_ID> Slots() const;  // slots with a token present
  CK_TOKEN_INFO TokenInfo(CK_SLOT_ID slot) const;
  void InitToken(CK_SLOT_ID slot, const SecureBuffer& so_pin, const std::string& label) const;
  // Ends the library early (delete-token must release the store before touching it).
  void Finalize();

 private:
  CK_FUNCTION_LIST* fn_ = nullptr;
  bool initialized_ = false;
};

class Session {
 public:
  Session(const Module& module, CK_SLOT_ID slot, bool read_write);
  ~Session();  // logs out if logged in, closes
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void Login(CK_USER_TYPE who, const SecureBuffer& pin);
  void Logout();
  void InitPin(const SecureBuffer& new_pin);
  void SetPin(const SecureBuffer& old_pin, const SecureBuffer& new_pin);

  std::vector<CK_OBJECT_HANDLE> Find(std::span<const CK_ATTRIBUTE> match);
  // The attribute's bytes, or nullopt when the object has no such (readable) attribute.
  std::optional<std::vector<uint8_t>> Attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);
  std::optional<CK_ULONG> UlongAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);
  CK_OBJECT_HANDLE Create(std::span<const CK_ATTRIBUTE> attributes);
  void Destroy(CK_OBJECT_HANDLE object);

 private:
  CK_FUNCTION_LIST* fn_;
  CK_SESSION_HANDLE handle_ = CK_INVALID_HANDLE;
  bool logged_in_ = false;
};

// CK_TOKEN_INFO's blank-padded fixed fields as strings with the padding removed.
std::string TrimPadded(const CK_UTF8CHAR* field, size_t size);

}  // namespace p11::cli
