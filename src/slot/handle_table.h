// HandleTable: object handles. A handle names (slot, backend object id) for the life of the
// module, the same handle every time the object is found, unique across slots. Every call on a
// key resolves its handle, so the lock is striped (as the session table's): threads working
// with their own sessions do not pass its cache line between their cores.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>

#include "common/striped_shared_mutex.h"
#include "token/token_backend.h"

namespace p11 {

struct ObjectRef {
  CK_SLOT_ID slot;
  ObjectId id;
};

class HandleTable {
 public:
  CK_OBJECT_HANDLE HandleFor(CK_SLOT_ID slot, ObjectId id);
  // The same for an object just stored, which almost never has a handle yet: straight to the
  // write lock, without first looking under the read lock.
  CK_OBJECT_HANDLE HandleForNew(CK_SLOT_ID slot, ObjectId id);
  std::optional<ObjectRef> Resolve(CK_OBJECT_HANDLE handle) const;
  void Forget(CK_SLOT_ID slot, ObjectId id);

 private:
  mutable StripedSharedMutex mu_;
  std::unordered_map<CK_OBJECT_HANDLE, ObjectRef> by_handle_;
  struct RefHash {
    size_t operator()(const std::pair<CK_SLOT_ID, ObjectId>& ref) const {
      return std::hash<uint64_t>()(ref.second) ^ (std::hash<uint64_t>()(ref.first) << 1);
    }
  };
  std::unordered_map<std::pair<CK_SLOT_ID, ObjectId>, CK_OBJECT_HANDLE, RefHash> by_ref_;
  CK_OBJECT_HANDLE next_ = 1;
};

}  // namespace p11
