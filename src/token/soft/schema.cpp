#include "token/soft/schema.h"

#include <array>

#include "common/log.h"

namespace p11 {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Version 1. Secrets never appear in plaintext: wrapped master keys are AES-256-GCM blobs;
// attribute values flagged `encrypted` are sealed blobs; private objects are found by keyed
// hashes of CKA_LABEL / CKA_ID (label_hash, id_hash), never by their plaintext.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  slot_id INTEGER NOT NULL UNIQUE,
  uuid BLOB NOT NULL,
  serial TEXT NOT NULL,
  label TEXT NOT NULL,
  model TEXT NOT NULL,
  flags INTEGER NOT NULL DEFAULT 0,
  generation INTEGER NOT NULL DEFAULT 0,
  so_wrapped_key BLOB NOT NULL,
  so_salt BLOB NOT NULL,
  so_iterations INTEGER NOT NULL,
  so_failures INTEGER NOT NULL DEFAULT 0,
  user_wrapped_key BLOB,
  user_salt BLOB,
  user_iterations INTEGER,
  user_failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE objects (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_id INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
  class INTEGER NOT NULL,
  is_private INTEGER NOT NULL,
  label_hash BLOB,
  id_hash BLOB
);
CREATE INDEX objects_by_class ON objects(token_id, class);
CREATE INDEX objects_by_label ON objects(token_id, label_hash);
CREATE INDEX objects_by_id ON objects(token_id, id_hash);
CREATE TABLE attributes (
  object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
  type INTEGER NOT NULL,
  value BLOB NOT NULL,
  encrypted INTEGER NOT NULL,
  PRIMARY KEY (object_id, type)
) WITHOUT ROWID;
)sql";

// Append only: a released version's SQL never changes.
// Searches by label and id are answered by the object cache in memory (ObjectCache), and no
// query reads these two indexes; each cost every object write a page in the WAL (a durable
// C_CreateObject wrote 7 WAL frames with them, 5 without).
constexpr const char* kSchemaV2 = R"sql(
DROP INDEX IF EXISTS objects_by_label;
DROP INDEX IF EXISTS objects_by_id;
)sql";

// Version 3. Nothing reads objects by class, and the index served only as the child-key index
// for token deletion and re-initialisation (rare; they now scan the objects). It cost every
// object write another WAL frame: a durable C_CreateObject wrote 5 frames with it, 4 without.
constexpr const char* kSchemaV3 = R"sql(
DROP INDEX IF EXISTS objects_by_class;
)sql";

constexpr std::array<Migration, 3> kMigrations = {{
    {1, kSchemaV1},
    {2, kSchemaV2},
    {3, kSchemaV3},
}};

static_assert(kMigrations.back().version == kSchemaVersion);

}  // namespace

Result<int> ReadSchemaVersion(Transaction& txn) {
  P11_TRY(txn.Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  P11_ASSIGN_OR_RETURN(Statement stmt, txn.Prepare("SELECT max(version) FROM schema_version"));
  P11_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row || stmt.IsNull(0)) return 0;
  return static_cast<int>(stmt.Int(0));
}

Result<void> MigrateSchema(SqliteDb& db) {
  P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db, Transaction::Mode::kWrite));
  P11_ASSIGN_OR_RETURN(int current, ReadSchemaVersion(txn));
  if (current > kSchemaVersion) {
    P11_LOG(kError, "store: schema version %d is newer than this build's %d", current,
            kSchemaVersion);
    return Fail(CKR_GENERAL_ERROR, "schema version");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= current) continue;
    P11_TRY(txn.Exec(m.sql));
    P11_ASSIGN_OR_RETURN(Statement set,
                         txn.Prepare("INSERT INTO schema_version (version) VALUES (?)"));
    P11_TRY(set.Bind(1, int64_t{m.version}).Run());
    P11_LOG(kInfo, "store: migrated to schema version %d", m.version);
  }
  return txn.Commit();
}

}  // namespace p11
