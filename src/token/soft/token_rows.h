// The tokens table, as raw rows: one row per initialised software token, holding its slot
// ID, identity, the master key wrapped under each PIN, the PIN retry counters and a
// generation number bumped by every change to the token or its objects (how a process
// notices that another one changed this token). Callers provide the transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "pkcs11/pkcs11.h"
#include "token/soft/pin_wrap.h"
#include "token/soft/sqlite_db.h"

namespace p11::soft {

struct TokenRow {
  int64_t id = 0;
  CK_SLOT_ID slot_id = 0;
  std::vector<uint8_t> uuid;
  std::string serial;
  std::string label;
  std::string model;
  int64_t generation = 0;
  PinRecord so_pin;
  std::optional<PinRecord> user_pin;
  uint32_t so_failures = 0;
  uint32_t user_failures = 0;
};

struct TokenRef {
  int64_t id;
  CK_SLOT_ID slot_id;
};

Result<std::optional<TokenRow>> ReadTokenRow(Transaction& txn, int64_t id);
// Every token, by ascending slot ID.
Result<std::vector<TokenRef>> ListTokens(Transaction& txn);
// Inserts `row` (its id is ignored) and returns the new row id.
Result<int64_t> InsertTokenRow(Transaction& txn, const TokenRow& row);
Result<bool> SlotIdTaken(Transaction& txn, CK_SLOT_ID slot_id);
// The smallest slot ID ≥ `at_least` above every stored one.
Result<CK_SLOT_ID> NextFreeSlotId(Transaction& txn, CK_SLOT_ID at_least);

Result<void> SetPinFailures(Transaction& txn, int64_t id, PinRole role, uint32_t failures);
// Replaces the wrapped key for `role` (nullopt: the PIN is uninitialised) and resets its
// retry counter.
Result<void> SetPinRecord(Transaction& txn, int64_t id, PinRole role,
                          const std::optional<PinRecord>& record);
Result<void> SetTokenLabel(Transaction& txn, int64_t id, const std::string& label);
// Increments and returns the token's generation; nullopt when the row is gone.
Result<std::optional<int64_t>> BumpGeneration(Transaction& txn, int64_t id);
Result<std::optional<int64_t>> ReadGeneration(Transaction& txn, int64_t id);
// Deletes the token and, through the foreign keys, its objects. false: no such slot.
Result<bool> DeleteTokenRow(Transaction& txn, CK_SLOT_ID slot_id);

}  // namespace p11::soft
