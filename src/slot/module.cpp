#include "slot/module.h"

#include <mutex>

#include "common/log.h"
#include "mechanisms/ossl/lib_ctx.h"

namespace p11 {
namespace {

Result<LockFactory> ChooseLocking(const CK_C_INITIALIZE_ARGS* args) {
  if (args == nullptr) return LockFactory();
  if (args->pReserved != nullptr) return Fail(CKR_ARGUMENTS_BAD, "pReserved");
  int callbacks = (args->CreateMutex != nullptr) + (args->DestroyMutex != nullptr) +
                  (args->LockMutex != nullptr) + (args->UnlockMutex != nullptr);
  if (callbacks != 0 && callbacks != 4) return Fail(CKR_ARGUMENTS_BAD, "mutex callbacks");
  // With CKF_OS_LOCKING_OK the library may use either; OS locks are faster. Without it but
  // with callbacks, the application's mutexes must be used.
  if (callbacks == 4 && (args->flags & CKF_OS_LOCKING_OK) == 0) return LockFactory(*args);
  return LockFactory();
}

}  // namespace

Result<std::unique_ptr<Module>> Module::Create(const CK_C_INITIALIZE_ARGS* args) {
  P11_ASSIGN_OR_RETURN(LockFactory locks, ChooseLocking(args));
  P11_ASSIGN_OR_RETURN(Config config, Config::Load());
  ossl::ChoosePrivateContexts(config.openssl_private_contexts);
  ossl::PrivateContextScope crypto_context;
  std::unique_ptr<Module> module(new Module(std::move(config), locks));
  module->registry_ = BuildDefaultRegistry();
  P11_ASSIGN_OR_RETURN(module->store_, SoftStore::Open(module->config_, *module->registry_));
  module->devices_ = std::make_unique<DeviceSlots>(module->config_);
  module->slots_ =
      std::make_unique<SlotTable>(*module->store_, module->devices_.get(), module->locks_);
  P11_TRY(module->slots_->Refresh());
  P11_LOG(kInfo, "initialised with store %s", module->config_.store_path.c_str());
  return module;
}

Module::~Module() {
  // Sessions first (they hold operations with key material), then every login, so each
  // backend zeroizes what Login made reachable before the store closes.
  for (auto& session : sessions_.TakeAll()) session->ResetOperations();
  if (slots_) {
    for (auto& slot : slots_->All()) {
      std::lock_guard lock(slot->mu());
      if (slot->login_inlock() != kNobody) slot->token().Logout();
      slot->set_login_inlock(kNobody);
    }
  }
}

}  // namespace p11
