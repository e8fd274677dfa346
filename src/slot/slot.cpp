#include "slot/slot.h"

namespace p11 {

std::vector<ObjectId> Slot::TakeSessionObjects_inlock(CK_SESSION_HANDLE owner) {
  std::vector<ObjectId> taken;
  for (auto it = owners_.begin(); it != owners_.end();) {
    if (it->second == owner) {
      taken.push_back(it->first);
      it = owners_.erase(it);
    } else {
      ++it;
    }
  }
  return taken;
}

}  // namespace p11
