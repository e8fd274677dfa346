#include "slot/slot_table.h"

#include <mutex>

namespace p11 {

SlotTable::SlotTable(SoftStore& store, DeviceSlots* devices, const LockFactory& locks)
    : store_(store), devices_(devices), locks_(locks), mu_(locks.Create()) {}

Result<void> SlotTable::Refresh_inlock() {
  P11_ASSIGN_OR_RETURN(std::vector<SoftSlot> tokens, store_.Tokens());
  P11_ASSIGN_OR_RETURN(SoftSlot blank, store_.BlankToken());
  tokens.push_back(std::move(blank));
  if (devices_ != nullptr) {
    for (DeviceSlots::Entry& d : devices_->Refresh()) tokens.push_back(SoftSlot{d.id, d.token});
  }
  std::map<CK_SLOT_ID, std::shared_ptr<Slot>> next;
  for (SoftSlot& t : tokens) {
    auto it = slots_.find(t.slot_id);
    if (it != slots_.end() && it->second->token_ptr() == t.token) {
      next.emplace(t.slot_id, it->second);
    } else {
      next.emplace(t.slot_id, std::make_shared<Slot>(t.slot_id, t.token, locks_));
    }
  }
  slots_ = std::move(next);
  loaded_ = true;
  return Ok();
}

Result<void> SlotTable::Refresh() {
  std::lock_guard lock(*mu_);
  return Refresh_inlock();
}

std::vector<CK_SLOT_ID> SlotTable::Ids() {
  std::lock_guard lock(*mu_);
  std::vector<CK_SLOT_ID> ids;
  for (const auto& [id, slot] : slots_) ids.push_back(id);
  return ids;
}

Result<std::shared_ptr<Slot>> SlotTable::Get(CK_SLOT_ID id) {
  std::lock_guard lock(*mu_);
  if (!loaded_) P11_TRY(Refresh_inlock());
  auto it = slots_.find(id);
  if (it == slots_.end()) {
    // A token created by another process since the last refresh.
    P11_TRY(Refresh_inlock());
    it = slots_.find(id);
    if (it == slots_.end()) return Fail(CKR_SLOT_ID_INVALID, "slot");
  }
  return it->second;
}

std::vector<std::shared_ptr<Slot>> SlotTable::All() {
  std::lock_guard lock(*mu_);
  std::vector<std::shared_ptr<Slot>> all;
  for (const auto& [id, slot] : slots_) all.push_back(slot);
  return all;
}

}  // namespace p11
