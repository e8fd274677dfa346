// The store file, its schema and the slots of its tokens.
#include <sys/stat.h>

#include "soft/soft_fixture.h"
#include "token/soft/schema.h"
#include "token/soft/sqlite_db.h"

namespace p11::testing {
namespace {

using StoreTest = SoftStoreTest;

TEST_F(StoreTest, CreatedOnFirstUseWithOwnerOnlyModes) {
  ASSERT_FALSE(std::filesystem::exists(dir_ + "/nested"));
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  struct stat st {};
  ASSERT_EQ(stat((dir_ + "/nested").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat((dir_ + "/nested/arca").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(stat(config_.store_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(RawInt("SELECT max(version) FROM schema_version"), kSchemaVersion);
}

TEST_F(StoreTest, WalModeIsPersistent) {
  auto store = OpenStore();
  InitToken(*store);
  // The journal mode is persistent in the file: a fresh connection reports it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(config_.store_path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(StoreTest, ReopenDoesNotMigrateTwice) {
  { auto store = OpenStore(); }
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(RawInt("SELECT count(*) FROM schema_version"), kSchemaVersion);  // one per migration
}

class MigrationTest : public SoftStoreTest {
 protected:
  // Reopens the store after `rewind` made its file what schema `version` left (the version
  // rows above it gone too): the store must come up to date and keep its objects.
  void ExpectMigratedFrom(int version, const std::string& rewind) {
    {
      auto store = OpenStore();
      auto token = InitToken(*store);
      ASSERT_EQ(token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
      AddTokenData(*token, "kept");
    }
    ASSERT_EQ(RawSql(rewind), SQLITE_OK);
    ASSERT_EQ(RawSql("DELETE FROM schema_version WHERE version > " + std::to_string(version)),
              SQLITE_OK);
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(RawInt("SELECT max(version) FROM schema_version"), kSchemaVersion);
    auto token = FirstToken(*store);
    ASSERT_NE(token, nullptr);
    AttrBuilder match;
    match.Str(CKA_LABEL, "kept");
    auto found = token->FindObjects(match.attrs);
    ASSERT_TRUE(found.ok()) << found.rv();
    EXPECT_EQ(found->size(), 1u);
  }
};

// Schema 2 drops the indexes on the label and id hashes, which no query reads.
TEST_F(MigrationTest, SchemaOneStoreIsMigratedWithItsObjects) {
  ExpectMigratedFrom(1,
                     "CREATE INDEX objects_by_label ON objects(token_id, label_hash);"
                     "CREATE INDEX objects_by_id ON objects(token_id, id_hash);"
                     "CREATE INDEX objects_by_class ON objects(token_id, class);");
  EXPECT_EQ(RawInt("SELECT count(*) FROM sqlite_master WHERE name IN "
                   "('objects_by_label', 'objects_by_id', 'objects_by_class')"),
            0);
}

// Schema 3 drops the index on the objects' class, which no query reads either.
TEST_F(MigrationTest, SchemaTwoStoreIsMigratedWithItsObjects) {
  ExpectMigratedFrom(2, "CREATE INDEX objects_by_class ON objects(token_id, class);");
  EXPECT_EQ(RawInt("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                   "tbl_name = 'objects'"),
            0);
}

TEST_F(StoreTest, NewerSchemaIsRefused) {
  { auto store = OpenStore(); }
  ASSERT_EQ(RawSql("INSERT INTO schema_version (version) VALUES (99)"), SQLITE_OK);
  auto store = SoftStore::Open(config_, *registry_);
  EXPECT_EQ(store.rv(), CKR_GENERAL_ERROR);
}

TEST_F(StoreTest, UnwritableLocationIsDeviceError) {
  config_.store_path = "/proc/arca-cannot-exist/tokens.sqlite";
  auto store = SoftStore::Open(config_, *registry_);
  EXPECT_EQ(store.rv(), CKR_DEVICE_ERROR);
}

TEST_F(StoreTest, TransactionRollsBackWithoutCommit) {
  auto db = SqliteDb::Open(config_.store_path, 1000);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(MigrateSchema(**db).ok());
  {
    auto txn = Transaction::Begin(**db, Transaction::Mode::kWrite);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Exec("INSERT INTO schema_version (version) VALUES (7)").ok());
  }  // no Commit
  EXPECT_EQ(RawInt("SELECT count(*) FROM schema_version WHERE version = 7"), 0);
}

// The WAL-index header is the cheap "did anyone commit?" check (SoftToken::Sync_inlock):
// it must stay put across reads and move with every commit, another connection's or our own.
TEST_F(StoreTest, WalStampMovesWithEveryCommitOnly) {
  auto db = SqliteDb::Open(config_.store_path, 1000);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(MigrateSchema(**db).ok());
  auto before = (*db)->ReadWalStamp();
  ASSERT_TRUE(before.has_value());
  {
    auto txn = Transaction::Begin(**db, Transaction::Mode::kRead);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->DataVersion().ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  EXPECT_EQ((*db)->ReadWalStamp(), before);

  ASSERT_EQ(RawSql("INSERT INTO schema_version (version) VALUES (7)"), SQLITE_OK);
  auto after_other = (*db)->ReadWalStamp();
  ASSERT_TRUE(after_other.has_value());
  EXPECT_NE(after_other, before);
  {
    auto txn = Transaction::Begin(**db, Transaction::Mode::kWrite);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Exec("DELETE FROM schema_version WHERE version = 7").ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  auto after_own = (*db)->ReadWalStamp();
  ASSERT_TRUE(after_own.has_value());
  EXPECT_NE(after_own, after_other);
  EXPECT_EQ((*db)->ReadWalStamp(), after_own);
}

TEST_F(StoreTest, NoTokensUntilInitialised) {
  auto store = OpenStore();
  auto tokens = store->Tokens();
  ASSERT_TRUE(tokens.ok());
  EXPECT_TRUE(tokens->empty());
  auto blank = store->BlankToken();
  ASSERT_TRUE(blank.ok());
  auto status = blank->token->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_FALSE(status->initialized);
  EXPECT_EQ(status->model, "SoftToken");
  // Asking again before InitToken gives the same blank token.
  auto again = store->BlankToken();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->slot_id, blank->slot_id);
  EXPECT_EQ(again->token, blank->token);
}

TEST_F(StoreTest, BlankTokenGetsNewIdAfterInitToken) {
  auto store = OpenStore();
  auto blank = store->BlankToken();
  ASSERT_TRUE(blank.ok());
  ASSERT_EQ(blank->token->InitToken(Pin(kSoPin), "first").rv(), CKR_OK);
  auto next = store->BlankToken();
  ASSERT_TRUE(next.ok());
  EXPECT_NE(next->slot_id, blank->slot_id);
  EXPECT_NE(next->token, blank->token);
  auto tokens = store->Tokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ(tokens->front().slot_id, blank->slot_id);
  EXPECT_EQ(tokens->front().token, blank->token);  // the same backend object is kept
}

TEST_F(StoreTest, SlotIdsAreStableAcrossReopen) {
  std::vector<CK_SLOT_ID> before;
  {
    auto store = OpenStore();
    for (const char* label : {"a", "b", "c"}) {
      auto blank = store->BlankToken();
      ASSERT_TRUE(blank.ok());
      ASSERT_EQ(blank->token->InitToken(Pin(kSoPin), label).rv(), CKR_OK);
      before.push_back(blank->slot_id);
    }
    ASSERT_EQ(store->DeleteToken(before[1]).rv(), CKR_OK);
  }
  auto store = OpenStore();
  auto tokens = store->Tokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[0].slot_id, before[0]);
  EXPECT_EQ((*tokens)[1].slot_id, before[2]);
  EXPECT_EQ((*tokens)[1].token->Status()->label, "c");
  auto blank = store->BlankToken();
  ASSERT_TRUE(blank.ok());
  EXPECT_GT(blank->slot_id, before[2]);
}

TEST_F(StoreTest, BlankTakenByAnotherProcessMovesToNextFreeSlot) {
  auto first = OpenStore();
  auto second = OpenStore();
  auto blank1 = first->BlankToken();
  auto blank2 = second->BlankToken();
  ASSERT_TRUE(blank1.ok() && blank2.ok());
  ASSERT_EQ(blank1->slot_id, blank2->slot_id);
  ASSERT_EQ(blank1->token->InitToken(Pin(kSoPin), "one").rv(), CKR_OK);
  ASSERT_EQ(blank2->token->InitToken(Pin(kSoPin), "two").rv(), CKR_OK);
  auto tokens = first->Tokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_NE((*tokens)[0].slot_id, (*tokens)[1].slot_id);
  EXPECT_EQ(std::static_pointer_cast<SoftToken>(blank2->token)->slot_id(), (*tokens)[1].slot_id);
}

TEST_F(StoreTest, DeleteTokenRemovesRowsAndDetachesBackend) {
  auto store = OpenStore();
  auto token = InitToken(*store);
  ASSERT_EQ(token->Login(CKU_USER, Pin(kUserPin)).rv(), CKR_OK);
  AddTokenData(*token, "d");
  ASSERT_GT(RawInt("SELECT count(*) FROM attributes"), 0);
  CK_SLOT_ID slot = token->slot_id();
  ASSERT_EQ(store->DeleteToken(slot).rv(), CKR_OK);
  EXPECT_EQ(RawInt("SELECT count(*) FROM tokens"), 0);
  EXPECT_EQ(RawInt("SELECT count(*) FROM objects"), 0);
  EXPECT_EQ(RawInt("SELECT count(*) FROM attributes"), 0);
  EXPECT_EQ(token->Status().rv(), CKR_TOKEN_NOT_PRESENT);
  EXPECT_EQ(store->DeleteToken(slot).rv(), CKR_SLOT_ID_INVALID);
  EXPECT_TRUE(store->Tokens()->empty());
}

TEST_F(StoreTest, TokenDeletedByAnotherInstanceDisappears) {
  auto first = OpenStore();
  auto token = InitToken(*first);
  auto second = OpenStore();
  ASSERT_EQ(second->DeleteToken(token->slot_id()).rv(), CKR_OK);
  auto tokens = first->Tokens();
  ASSERT_TRUE(tokens.ok());
  EXPECT_TRUE(tokens->empty());
  EXPECT_EQ(token->Status().rv(), CKR_TOKEN_NOT_PRESENT);
}

}  // namespace
}  // namespace p11::testing
