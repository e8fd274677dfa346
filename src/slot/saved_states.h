// SavedStates: what C_GetOperationState hands out. OpenSSL cannot serialise a running digest
// or MAC, so the saved state stays in this process: the caller's bytes are a random
// reference to a copy of the operation kept here, which C_SetOperationState clones back
// into a session. References are unguessable, bounded in number (the oldest go first) and
// die with C_Finalize, so a state is usable in any session of this application only.
#pragma once

#include <array>
#include <deque>
#include <memory>
#include <mutex>

#include "common/result.h"
#include "mechanisms/operation.h"

namespace p11 {

struct SavedOperation {
  std::unique_ptr<DigestOperation> digest;
  std::unique_ptr<SignOperation> sign;  // MACs
};

class SavedStates {
 public:
  static constexpr size_t kStateBlobSize = 8 + 32;
  static constexpr size_t kMaxSaved = 256;

  // Stores `saved` and writes its reference into `blob` (kStateBlobSize bytes).
  Result<void> Save(SavedOperation saved, std::span<uint8_t> blob);
  // A fresh clone of the saved operation `blob` refers to; CKR_SAVED_STATE_INVALID if none.
  Result<SavedOperation> Restore(ByteView blob) const;

 private:
  struct Entry {
    std::array<uint8_t, 32> id;
    SavedOperation op;
  };
  mutable std::mutex mu_;
  std::deque<Entry> entries_;
};

}  // namespace p11
