// SlotTable: the slots this process shows — one per initialised software token, with the ID
// stored in the token, the blank slot that C_InitToken turns into a new token, and one per
// firmware device (DeviceSlots). Refreshed from the store and by probing the devices at
// C_GetSlotList, so tokens made by another process and devices plugged in appear there.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "slot/device_slots.h"
#include "slot/locking.h"
#include "slot/slot.h"
#include "token/soft/soft_store.h"

namespace p11 {

class SlotTable {
 public:
  // `devices` may be null (no firmware slots).
  SlotTable(SoftStore& store, DeviceSlots* devices, const LockFactory& locks);

  // Re-reads the store. Slots whose token still exists keep their Slot object (and login
  // state); a vanished token's slot disappears from the table.
  Result<void> Refresh();
  // Every slot ID, ascending (the blank slot included).
  std::vector<CK_SLOT_ID> Ids();
  // CKR_SLOT_ID_INVALID for an unknown ID.
  Result<std::shared_ptr<Slot>> Get(CK_SLOT_ID id);
  std::vector<std::shared_ptr<Slot>> All();

 private:
  Result<void> Refresh_inlock();

  SoftStore& store_;
  DeviceSlots* devices_;
  const LockFactory& locks_;
  std::unique_ptr<Mutex> mu_;
  std::map<CK_SLOT_ID, std::shared_ptr<Slot>> slots_;
  bool loaded_ = false;
};

}  // namespace p11
