#include "module/library.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <shared_mutex>

#include "common/call_scope.h"
#include "common/log.h"
#include "common/rv_name.h"
#include "common/striped_shared_mutex.h"
#include "mechanisms/ossl/lib_ctx.h"

namespace p11 {
namespace {

// The lock is a pointer so that a child after fork() can replace one another thread of the
// parent held at the time of the fork (the child has only the forking thread). Every call
// reads through it: striped, so that calls on different threads do not share its cache line.
std::atomic<StripedSharedMutex*> g_lock{new StripedSharedMutex};
std::unique_ptr<Module> g_module;
std::atomic<pid_t> g_owner_pid{0};
std::once_flag g_atfork_once;

// In the child of a fork the module's state (sessions, logins, SQLite handles) belongs to the
// parent: the child must see CKR_CRYPTOKI_NOT_INITIALIZED until it calls C_Initialize. The
// old state is abandoned, not destroyed: closing the parent's handles from the child is
// exactly what SQLite forbids.
void AfterForkInChild() {
  g_lock.store(new StripedSharedMutex);
  (void)g_module.release();  // NOLINT: deliberately abandoned
  g_owner_pid.store(0);
}

// No getpid() per call: it is a system call, a large share of a fast C_Sign. The child of a
// fork() learns that it is not the owner from AfterForkInChild (pthread_atfork), which resets
// the owner; a process created without fork() (posix_spawn, exec) starts with no module state.
bool InitialisedHere() { return g_module != nullptr && g_owner_pid.load() != 0; }

}  // namespace

CK_RV GuardCall(const char* name, CoreCall call, void* context) {
  try {
    CallScope scope;
    std::shared_lock lock(*g_lock.load());
    if (!InitialisedHere()) return CKR_CRYPTOKI_NOT_INITIALIZED;
    ossl::PrivateContextScope crypto_context;
    CK_RV rv = call(*g_module, context).rv();
    P11_LOG(kDebug, "%s -> %s", name, RvName(rv));
    return rv;
  } catch (const std::bad_alloc&) {
    return CKR_HOST_MEMORY;
  } catch (...) {
    return CKR_GENERAL_ERROR;
  }
}

CK_RV InitializeLibrary(CK_VOID_PTR args) {
  try {
    std::call_once(g_atfork_once, [] { pthread_atfork(nullptr, nullptr, AfterForkInChild); });
    std::unique_lock lock(*g_lock.load());
    if (InitialisedHere()) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    Result<std::unique_ptr<Module>> module =
        Module::Create(static_cast<const CK_C_INITIALIZE_ARGS*>(args));
    P11_LOG(kDebug, "C_Initialize -> %s", RvName(module.rv()));
    if (!module.ok()) return module.rv();
    g_module = std::move(module).value();
    g_owner_pid.store(getpid());
    return CKR_OK;
  } catch (const std::bad_alloc&) {
    return CKR_HOST_MEMORY;
  } catch (...) {
    return CKR_GENERAL_ERROR;
  }
}

CK_RV FinalizeLibrary(CK_VOID_PTR reserved) {
  try {
    if (reserved != nullptr) return CKR_ARGUMENTS_BAD;
    {
      // Ends a blocking C_WaitForSlotEvent, which holds the shared lock we wait for below.
      std::shared_lock shared(*g_lock.load());
      if (InitialisedHere()) g_module->RequestFinalize();
    }
    std::unique_lock lock(*g_lock.load());
    if (!InitialisedHere()) return CKR_CRYPTOKI_NOT_INITIALIZED;
    g_module.reset();
    g_owner_pid.store(0);
    P11_LOG(kDebug, "C_Finalize -> CKR_OK");
    return CKR_OK;
  } catch (...) {
    return CKR_GENERAL_ERROR;
  }
}

CK_RV ListInterfaces(const InterfaceTable& table, CK_INTERFACE_PTR out, CK_ULONG_PTR count) {
  if (count == nullptr) return CKR_ARGUMENTS_BAD;
  if (out == nullptr) {
    *count = table.count;
    return CKR_OK;
  }
  if (*count < table.count) {
    *count = table.count;
    return CKR_BUFFER_TOO_SMALL;
  }
  std::copy(table.entries, table.entries + table.count, out);
  *count = table.count;
  return CKR_OK;
}

// A NULL name or version matches any; the first match in table order is the newest. Flags
// the caller requires but an interface lacks (e.g. CKF_INTERFACE_FORK_SAFE, not offered)
// rule it out, so the caller can ask again without them.
CK_RV SelectInterface(const InterfaceTable& table, const CK_UTF8CHAR* name,
                      const CK_VERSION* version, CK_INTERFACE_PTR_PTR out, CK_FLAGS flags) {
  if (out == nullptr) return CKR_ARGUMENTS_BAD;
  for (CK_ULONG i = 0; i < table.count; ++i) {
    CK_INTERFACE& entry = table.entries[i];
    const char* entry_name = reinterpret_cast<const char*>(entry.pInterfaceName);
    if (name != nullptr && std::strcmp(reinterpret_cast<const char*>(name), entry_name) != 0) {
      continue;
    }
    const auto* list_version = static_cast<const CK_VERSION*>(entry.pFunctionList);
    if (version != nullptr &&
        (version->major != list_version->major || version->minor != list_version->minor)) {
      continue;
    }
    if ((entry.flags & flags) != flags) continue;
    *out = &entry;
    return CKR_OK;
  }
  return CKR_ARGUMENTS_BAD;
}

}  // namespace p11
