// Slot: one token as this application sees it — its backend, who is logged in (PKCS#11 login
// state is per application and token, not per session), and which session created each
// session object. Guarded by its own mutex; see module.h for the lock order.
#pragma once

#include <atomic>
#include <memory>
#include <unordered_map>

#include "slot/locking.h"
#include "token/token_backend.h"

namespace p11 {

// No one logged in (not a CKU_* value).
inline constexpr CK_USER_TYPE kNobody = ~static_cast<CK_USER_TYPE>(0);

class Slot {
 public:
  Slot(CK_SLOT_ID id, std::shared_ptr<TokenBackend> token, const LockFactory& locks)
      : id_(id), token_(std::move(token)), mu_(locks.Create()), login_mu_(locks.Create()) {}

  CK_SLOT_ID id() const { return id_; }
  TokenBackend& token() const { return *token_; }
  const std::shared_ptr<TokenBackend>& token_ptr() const { return token_; }
  Mutex& mu() { return *mu_; }
  // Held by C_Login (SO or user) from its state check to its state change, across the PIN's
  // key derivation, which runs without mu(): one login at a time, while other calls go on.
  // Taken before mu(), never while holding it.
  Mutex& login_mu() { return *login_mu_; }

  CK_USER_TYPE login_inlock() const { return login_.load(std::memory_order_relaxed); }
  void set_login_inlock(CK_USER_TYPE who) { login_.store(who, std::memory_order_release); }
  bool user_logged_in_inlock() const { return login_inlock() == CKU_USER; }
  // The same as a snapshot without the mutex, for a check that would release the mutex right
  // after anyway (may a session see a private object?). Taking the mutex would make every
  // thread's key use write its cache line.
  bool user_logged_in() const { return login_.load(std::memory_order_acquire) == CKU_USER; }

  void AddSessionObject_inlock(ObjectId id, CK_SESSION_HANDLE owner) { owners_[id] = owner; }
  void ForgetSessionObject_inlock(ObjectId id) { owners_.erase(id); }
  // Removes and returns the session objects `owner` created.
  std::vector<ObjectId> TakeSessionObjects_inlock(CK_SESSION_HANDLE owner);

 private:
  const CK_SLOT_ID id_;
  const std::shared_ptr<TokenBackend> token_;
  std::unique_ptr<Mutex> mu_;
  std::unique_ptr<Mutex> login_mu_;
  // Written with mu_ held; read under it or, by user_logged_in, without.
  std::atomic<CK_USER_TYPE> login_{kNobody};
  std::unordered_map<ObjectId, CK_SESSION_HANDLE> owners_;
};

}  // namespace p11
