#include "slot/saved_states.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

namespace p11 {
namespace {

constexpr uint8_t kMagic[8] = {'A', 'R', 'C', 'A', 'O', 'P', 'S', '1'};

Result<SavedOperation> CloneOf(const SavedOperation& op) {
  SavedOperation copy;
  if (op.digest) {
    P11_ASSIGN_OR_RETURN(copy.digest, op.digest->Clone());
  }
  if (op.sign) {
    P11_ASSIGN_OR_RETURN(copy.sign, op.sign->Clone());
  }
  return copy;
}

}  // namespace

Result<void> SavedStates::Save(SavedOperation saved, std::span<uint8_t> blob) {
  Entry entry;
  if (RAND_bytes(entry.id.data(), static_cast<int>(entry.id.size())) != 1) {
    return Fail(CKR_FUNCTION_FAILED, "random state id");
  }
  entry.op = std::move(saved);
  std::memcpy(blob.data(), kMagic, sizeof kMagic);
  std::memcpy(blob.data() + sizeof kMagic, entry.id.data(), entry.id.size());
  std::lock_guard lock(mu_);
  if (entries_.size() == kMaxSaved) entries_.pop_front();
  entries_.push_back(std::move(entry));
  return Ok();
}

Result<SavedOperation> SavedStates::Restore(ByteView blob) const {
  if (blob.size() != kStateBlobSize || std::memcmp(blob.data(), kMagic, sizeof kMagic) != 0) {
    return Fail(CKR_SAVED_STATE_INVALID, "state");
  }
  const uint8_t* id = blob.data() + sizeof kMagic;
  std::lock_guard lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) {
    return CRYPTO_memcmp(e.id.data(), id, e.id.size()) == 0;
  });
  if (it == entries_.end()) return Fail(CKR_SAVED_STATE_INVALID, "unknown state");
  return CloneOf(it->op);
}

}  // namespace p11
