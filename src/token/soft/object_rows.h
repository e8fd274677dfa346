// The objects and attributes tables, as raw rows (kryoptic's StorageRaw): what SealedStore
// produced goes in, what it must open comes out. Nothing here sees a plaintext secret.
// Callers provide the transaction.
#pragma once

#include <cstdint>
#include <vector>

#include "common/result.h"
#include "token/soft/sealed_store.h"
#include "token/soft/sqlite_db.h"

namespace p11::soft {

// A new objects row; its id is the object's id (AUTOINCREMENT: never reused, so a handle to
// a destroyed object cannot come to name another one).
Result<ObjectId> InsertObjectRow(Transaction& txn, int64_t token_id, const ObjectHeader& header);
// false: no such object in this token.
Result<bool> UpdateObjectRow(Transaction& txn, int64_t token_id, ObjectId id,
                             const ObjectHeader& header);
// Replaces every attribute row of object `id`.
Result<void> ReplaceAttributes(Transaction& txn, ObjectId id, const std::vector<AttrRow>& rows);
// The attribute rows of object `id`, which has none yet (a row just inserted).
Result<void> InsertAttributes(Transaction& txn, ObjectId id, const std::vector<AttrRow>& rows);
// false: no such object in this token.
Result<bool> DeleteObjectRow(Transaction& txn, int64_t token_id, ObjectId id);
Result<void> DeleteAllObjects(Transaction& txn, int64_t token_id);
// Every object of the token with its attributes; private objects only if `with_private`.
Result<std::vector<ObjectRow>> LoadObjects(Transaction& txn, int64_t token_id, bool with_private);

}  // namespace p11::soft
