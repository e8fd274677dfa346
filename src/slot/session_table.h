// SessionTable: session handles → sessions. Lookups take a shared lock only long enough to
// copy a shared_ptr, so they never make independent sessions wait on each other; the lock is
// striped, so they do not pass one cache line between their cores either.
#pragma once

#include <atomic>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/striped_shared_mutex.h"
#include "slot/session.h"

namespace p11 {

class SessionTable {
 public:
  std::shared_ptr<Session> Open(std::shared_ptr<Slot> slot, CK_FLAGS flags,
                                std::unique_ptr<Mutex> mu);
  // CKR_SESSION_HANDLE_INVALID for an unknown handle.
  Result<std::shared_ptr<Session>> Get(CK_SESSION_HANDLE handle) const;
  // Removes and returns the session (nullptr if unknown).
  std::shared_ptr<Session> Remove(CK_SESSION_HANDLE handle);
  std::vector<std::shared_ptr<Session>> OfSlot(CK_SLOT_ID slot) const;
  std::vector<std::shared_ptr<Session>> TakeAll();

 private:
  mutable StripedSharedMutex mu_;
  std::unordered_map<CK_SESSION_HANDLE, std::shared_ptr<Session>> sessions_;
  std::atomic<CK_SESSION_HANDLE> next_handle_{1};
};

}  // namespace p11
