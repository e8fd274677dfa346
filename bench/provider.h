// A PKCS#11 module under test: loaded by path with dlopen, reached only through the function
// list from C_GetFunctionList, with one freshly initialised token whose user is logged in.
// Setup failures throw BenchError: they abort one case or one column, never the process.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "pkcs11/pkcs11.h"

namespace bench {

inline constexpr char kSoPin[] = "12345678";
inline constexpr char kUserPin[] = "87654321";

class BenchError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws BenchError naming `what` and the return value unless rv is CKR_OK.
void CheckRv(CK_RV rv, const char* what);

class Provider {
 public:
  // Loads and initialises the module (CKF_OS_LOCKING_OK), initialises a token labelled
  // `token_label` on the first slot without an initialised token and without CKF_HW_SLOT,
  // sets the user PIN and logs the user in. The module's own configuration must already be
  // in the environment.
  static std::unique_ptr<Provider> Open(const std::string& name, const std::string& path,
                                        const std::string& token_label);
  // The same loaded module seen through its first free slot with CKF_HW_SLOT (a firmware
  // device), set up as Open does. A module is loaded and initialised once per process, so
  // this shares `loaded`'s function list; it never finalises the module, and must not be used
  // after `loaded` is gone.
  static std::unique_ptr<Provider> OpenHardwareSlot(const Provider& loaded, const std::string& name,
                                                    const std::string& token_label);
  ~Provider();
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;

  const std::string& name() const { return name_; }
  CK_FUNCTION_LIST* fn() const { return fn_; }
  CK_SLOT_ID slot() const { return slot_; }
  // The read-write session opened at setup; the user is logged in on the token.
  CK_SESSION_HANDLE session() const { return session_; }

  // A new read-write session on the token (logged in, since login state is per token).
  CK_SESSION_HANDLE OpenSession();
  void CloseSession(CK_SESSION_HANDLE session);
  // Whether C_GetMechanismInfo lists `mechanism` with all of `flags`.
  bool Supports(CK_MECHANISM_TYPE mechanism, CK_FLAGS flags) const;

  // Token data objects already created for the lookup cases (they only ever grow).
  size_t population = 0;

 private:
  // `handle` null: a view of a module owned by another Provider.
  Provider(std::string name, void* handle, CK_FUNCTION_LIST* fn, bool hardware);
  void InitToken(const std::string& label);

  std::string name_;
  void* handle_ = nullptr;
  CK_FUNCTION_LIST* fn_ = nullptr;
  bool hardware_ = false;  // which slots InitToken considers: CKF_HW_SLOT set or clear
  CK_SLOT_ID slot_ = CK_UNAVAILABLE_INFORMATION;
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
};

}  // namespace bench
