// Module: all state of an initialised library, created by C_Initialize and destroyed by
// C_Finalize (no singletons). The C ABI (src/module/) owns the one pointer to it.
//
// Lock order (take left before right, never the reverse):
//   library lock (src/module, shared for every call, exclusive for Initialize/Finalize)
//   → Session::mu → Slot::login_mu → Slot::mu
//   → SlotTable / SessionTable / HandleTable internal locks → the token backend's internal lock.
// Functions that must be called with a Slot's mutex held end in _inlock.
#pragma once

#include <atomic>
#include <memory>

#include "common/config.h"
#include "mechanisms/ossl/lib_ctx.h"
#include "mechanisms/registry.h"
#include "slot/device_slots.h"
#include "slot/handle_table.h"
#include "slot/locking.h"
#include "slot/saved_states.h"
#include "slot/session_table.h"
#include "slot/slot_table.h"
#include "token/soft/soft_store.h"

namespace p11 {

class Module {
 public:
  // C_Initialize's arguments (NULL allowed), checked per PKCS#11 3.1 §5.4: CKR_ARGUMENTS_BAD
  // for pReserved or a partial set of mutex callbacks.
  static Result<std::unique_ptr<Module>> Create(const CK_C_INITIALIZE_ARGS* args);
  ~Module();

  const Config& config() const { return config_; }
  const Registry& registry() const { return *registry_; }
  const LockFactory& locks() const { return locks_; }
  SlotTable& slots() { return *slots_; }
  DeviceSlots& devices() { return *devices_; }
  SessionTable& sessions() { return sessions_; }
  HandleTable& handles() { return handles_; }
  SavedStates& saved_states() { return saved_states_; }
  // C_Finalize has been called: a blocking C_WaitForSlotEvent returns.
  bool finalizing() const { return finalizing_.load(); }
  void RequestFinalize() { finalizing_.store(true); }

 private:
  Module(Config config, LockFactory locks) : config_(std::move(config)), locks_(locks) {}

  // First, so destroyed last: keys and contexts below may live in its OpenSSL contexts.
  ossl::ContextsInUse openssl_contexts_;
  Config config_;
  LockFactory locks_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<SoftStore> store_;
  std::unique_ptr<DeviceSlots> devices_;
  std::unique_ptr<SlotTable> slots_;
  SessionTable sessions_;
  HandleTable handles_;
  SavedStates saved_states_;
  std::atomic<bool> finalizing_{false};
};

}  // namespace p11
