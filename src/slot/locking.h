// Mutexes for module state. PKCS#11 3.1 §5.4: when C_Initialize supplies the application's
// mutex callbacks without CKF_OS_LOCKING_OK, the library must lock through them; otherwise
// it uses the operating system's. Code takes a Mutex from the LockFactory and never cares
// which kind it got (Mutex is BasicLockable, so std::lock_guard works).
#pragma once

#include <memory>
#include <mutex>

#include "common/result.h"

namespace p11 {

class Mutex {
 public:
  virtual ~Mutex() = default;
  virtual void lock() = 0;
  virtual void unlock() = 0;
};

class LockFactory {
 public:
  // OS mutexes.
  LockFactory() = default;
  // The application's callbacks (all four present: checked by the caller).
  explicit LockFactory(const CK_C_INITIALIZE_ARGS& args);

  std::unique_ptr<Mutex> Create() const;
  bool uses_application_mutexes() const { return app_ != nullptr; }

 private:
  std::shared_ptr<const CK_C_INITIALIZE_ARGS> app_;
};

}  // namespace p11
