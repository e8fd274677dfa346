#include "slot/locking.h"

namespace p11 {
namespace {

class OsMutex final : public Mutex {
 public:
  void lock() override { mu_.lock(); }
  void unlock() override { mu_.unlock(); }

 private:
  std::mutex mu_;
};

// A mutex created by the application's CreateMutex. Lock failures cannot be reported through
// BasicLockable; the application's callbacks only fail on misuse, which this class avoids.
class AppMutex final : public Mutex {
 public:
  AppMutex(std::shared_ptr<const CK_C_INITIALIZE_ARGS> app, CK_VOID_PTR handle)
      : app_(std::move(app)), handle_(handle) {}
  ~AppMutex() override { app_->DestroyMutex(handle_); }
  void lock() override { app_->LockMutex(handle_); }
  void unlock() override { app_->UnlockMutex(handle_); }

 private:
  std::shared_ptr<const CK_C_INITIALIZE_ARGS> app_;
  CK_VOID_PTR handle_;
};

}  // namespace

LockFactory::LockFactory(const CK_C_INITIALIZE_ARGS& args)
    : app_(std::make_shared<const CK_C_INITIALIZE_ARGS>(args)) {}

std::unique_ptr<Mutex> LockFactory::Create() const {
  if (app_ == nullptr) return std::make_unique<OsMutex>();
  CK_VOID_PTR handle = nullptr;
  if (app_->CreateMutex(&handle) != CKR_OK) throw std::bad_alloc();
  return std::make_unique<AppMutex>(app_, handle);
}

}  // namespace p11
