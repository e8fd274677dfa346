#include "slot/session_table.h"

#include <mutex>
#include <shared_mutex>

namespace p11 {

std::shared_ptr<Session> SessionTable::Open(std::shared_ptr<Slot> slot, CK_FLAGS flags,
                                            std::unique_ptr<Mutex> mu) {
  CK_SESSION_HANDLE handle = next_handle_.fetch_add(1);
  auto session = std::make_shared<Session>(handle, std::move(slot), flags, std::move(mu));
  std::unique_lock lock(mu_);
  sessions_.emplace(handle, session);
  return session;
}

Result<std::shared_ptr<Session>> SessionTable::Get(CK_SESSION_HANDLE handle) const {
  std::shared_lock lock(mu_);
  auto it = sessions_.find(handle);
  if (it == sessions_.end()) return Fail(CKR_SESSION_HANDLE_INVALID, "session");
  return it->second;
}

std::shared_ptr<Session> SessionTable::Remove(CK_SESSION_HANDLE handle) {
  std::unique_lock lock(mu_);
  auto it = sessions_.find(handle);
  if (it == sessions_.end()) return nullptr;
  std::shared_ptr<Session> session = std::move(it->second);
  sessions_.erase(it);
  return session;
}

std::vector<std::shared_ptr<Session>> SessionTable::OfSlot(CK_SLOT_ID slot) const {
  std::shared_lock lock(mu_);
  std::vector<std::shared_ptr<Session>> out;
  for (const auto& [handle, session] : sessions_) {
    if (session->slot().id() == slot) out.push_back(session);
  }
  return out;
}

std::vector<std::shared_ptr<Session>> SessionTable::TakeAll() {
  std::unique_lock lock(mu_);
  std::vector<std::shared_ptr<Session>> out;
  for (auto& [handle, session] : sessions_) out.push_back(std::move(session));
  sessions_.clear();
  return out;
}

}  // namespace p11
