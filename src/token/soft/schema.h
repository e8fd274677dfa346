// The store's schema and its migrations. Each schema version is one entry of an append-only
// list; opening a store applies, in one write transaction, every migration newer than the
// version recorded in schema_version. A file written by a newer Arca is refused rather than
// guessed at.
#pragma once

#include "common/result.h"
#include "token/soft/sqlite_db.h"

namespace p11 {

// The version this build writes.
inline constexpr int kSchemaVersion = 3;

// Brings the store to kSchemaVersion. CKR_GENERAL_ERROR (logged) for a newer schema.
Result<void> MigrateSchema(SqliteDb& db);

// The version recorded in the file (0 before the first migration).
Result<int> ReadSchemaVersion(Transaction& txn);

}  // namespace p11
