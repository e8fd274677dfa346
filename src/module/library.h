// The library's global state — the one Module pointer and the lock around it — and Guard,
// through which every C_* thunk reaches the core (STYLE.md §1). Guard checks that the
// library is initialised in this process, traces the call by name and return value (never
// argument contents), turns the core's Result into a CK_RV, and catches everything: nothing
// escapes into the application and the module never exits or aborts.
#pragma once

#include "common/result.h"
#include "slot/module.h"

namespace p11 {

using CoreCall = Result<void> (*)(Module& module, void* context);

CK_RV GuardCall(const char* name, CoreCall call, void* context);

template <class F>
CK_RV Guard(const char* name, F&& body) {
  return GuardCall(
      name, [](Module& module, void* context) { return (*static_cast<F*>(context))(module); },
      &body);
}

CK_RV InitializeLibrary(CK_VOID_PTR args);
CK_RV FinalizeLibrary(CK_VOID_PTR reserved);

// The interfaces offered (§5.4 C_GetInterfaceList): "PKCS 11" 3.0 first, then 2.40.
struct InterfaceTable {
  CK_INTERFACE* entries;
  CK_ULONG count;
};
CK_RV ListInterfaces(const InterfaceTable& table, CK_INTERFACE_PTR out, CK_ULONG_PTR count);
CK_RV SelectInterface(const InterfaceTable& table, const CK_UTF8CHAR* name,
                      const CK_VERSION* version, CK_INTERFACE_PTR_PTR out, CK_FLAGS flags);

}  // namespace p11
