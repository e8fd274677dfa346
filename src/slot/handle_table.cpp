#include "slot/handle_table.h"

#include <mutex>
#include <shared_mutex>

namespace p11 {

CK_OBJECT_HANDLE HandleTable::HandleFor(CK_SLOT_ID slot, ObjectId id) {
  {
    std::shared_lock lock(mu_);
    auto it = by_ref_.find({slot, id});
    if (it != by_ref_.end()) return it->second;
  }
  return HandleForNew(slot, id);
}

CK_OBJECT_HANDLE HandleTable::HandleForNew(CK_SLOT_ID slot, ObjectId id) {
  std::unique_lock lock(mu_);
  auto [it, inserted] = by_ref_.emplace(std::make_pair(slot, id), next_);
  if (inserted) by_handle_.emplace(next_++, ObjectRef{slot, id});
  return it->second;
}

std::optional<ObjectRef> HandleTable::Resolve(CK_OBJECT_HANDLE handle) const {
  std::shared_lock lock(mu_);
  auto it = by_handle_.find(handle);
  if (it == by_handle_.end()) return std::nullopt;
  return it->second;
}

void HandleTable::Forget(CK_SLOT_ID slot, ObjectId id) {
  std::unique_lock lock(mu_);
  auto it = by_ref_.find({slot, id});
  if (it == by_ref_.end()) return;
  by_handle_.erase(it->second);
  by_ref_.erase(it);
}

}  // namespace p11
