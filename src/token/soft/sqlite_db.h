// SqliteDb: one SQLite connection to the token store, with a cache of prepared statements and
// RAII transactions. Every access to the connection happens inside a Transaction, which holds
// the connection's mutex for its whole life, so threads never interleave statements and a
// writer's BEGIN IMMEDIATE … COMMIT is atomic for the other processes too.
// SQLite failures become CK_RVs here, logged by result code only (never values).
#pragma once

#include <sqlite3.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/result.h"
#include "common/secure_buffer.h"

namespace p11 {

// Maps an SQLite result code: I/O, corruption, busy → CKR_DEVICE_ERROR; SQLITE_FULL →
// CKR_DEVICE_MEMORY; SQLITE_NOMEM → CKR_HOST_MEMORY; anything else → CKR_GENERAL_ERROR.
Error SqliteError(int rc, const char* where);

// A cached prepared statement, borrowed for one use: reset and unbound when it goes away.
// Column accessors are valid until the next Step().
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Statement(Statement&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQLite.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, ByteView value);
  Statement& BindText(int index, std::string_view value);
  Statement& BindNull(int index);

  // true: a row is ready; false: the statement is done.
  Result<bool> Step();
  // Runs a statement that returns no rows.
  Result<void> Run();
  // One step's own SQLite result code (SQLITE_ROW, SQLITE_DONE or the error), for a caller
  // that must tell SQLITE_BUSY from other failures.
  int StepCode() { return sqlite3_step(stmt_); }

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  ByteView Blob(int column) const;
  std::string_view Text(int column) const;

 private:
  void Note(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;  // the first failed bind, reported by Step()
};

class Transaction;

class SqliteDb {
 public:
  // Opens (creating the file with mode 0600 and missing directories with mode 0700) the
  // database at `path` in WAL mode with foreign keys on and the given busy timeout.
  static Result<std::shared_ptr<SqliteDb>> Open(const std::string& path, int busy_timeout_ms);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  const std::string& path() const { return path_; }

  // The header of the WAL index (the -shm file) as the last committing writer published it,
  // read without a transaction or a file lock. Every commit by any connection changes it (its
  // change counter, frame count, salts and checksum), so an unchanged stamp means no commit
  // became visible since it was taken. Read it *before* the transaction whose snapshot it
  // stands for: a commit that lands in between then only causes one more check. nullopt when
  // it cannot be read (no WAL index mapped yet, a header being written right now): the caller
  // then does the full check.
  // Held as the header's six 8-byte words: read a word at a time, as every call reads it.
  using WalStamp = std::array<uint64_t, 6>;
  std::optional<WalStamp> ReadWalStamp();

 private:
  friend class Transaction;
  SqliteDb(sqlite3* db, std::string path, int busy_timeout_ms)
      : db_(db), path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {}

  // Callers hold mutex_ (through a Transaction).
  Result<Statement> Prepare_inlock(std::string_view sql);
  Result<void> Exec_inlock(const char* sql);
  // Runs one statement that returns no rows (BEGIN, COMMIT, ROLLBACK) from the statement
  // cache and returns SQLite's result code: unlike Exec_inlock, the SQL is not parsed again
  // on every transaction.
  int RunCached_inlock(const char* sql);
  // The WAL-index header this connection maps, mapping it first if need be (null if there
  // is none yet).
  const volatile uint8_t* MapWalIndex_inlock();
  // The stamp a mapped header holds (see ReadWalStamp); nullopt for a null header.
  static std::optional<WalStamp> StampAt(const volatile uint8_t* header);

  sqlite3* db_;
  std::string path_;
  const int busy_timeout_ms_;
  std::mutex mutex_;
  // Looked up by string_view (no std::string built per lookup): the hash and equality are
  // transparent.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> statements_;
  // The mapped WAL-index header, once this connection has mapped it (null before).
  std::atomic<const volatile uint8_t*> wal_index_{nullptr};
};

// Holds the connection for one unit of work. kRead is a deferred BEGIN (a consistent
// snapshot); kWrite is BEGIN IMMEDIATE (takes the write lock up front, waiting up to the busy
// timeout without holding the connection meanwhile). Without Commit() the destructor rolls
// back, so an early error return leaves no partial change.
class Transaction {
 public:
  enum class Mode { kRead, kWrite };

  static Result<Transaction> Begin(SqliteDb& db, Mode mode);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Result<Statement> Prepare(std::string_view sql) { return db_->Prepare_inlock(sql); }
  Result<void> Exec(const char* sql) { return db_->Exec_inlock(sql); }
  Result<void> Commit();
  // What the store looked like right after a commit of ours: the WAL stamp, then PRAGMA
  // data_version, read after the stamp. While data_version is what it was before the
  // commit, no other connection had committed when the stamp was taken: it marks our own
  // commit and nothing else. (stamp is nullopt when either could not be read.)
  struct AfterCommit {
    std::optional<SqliteDb::WalStamp> stamp;
    int64_t data_version = 0;
  };
  Result<AfterCommit> CommitAndMark();

  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_->db_); }
  int Changes() const { return sqlite3_changes(db_->db_); }
  // PRAGMA data_version: changes when another connection (another process) commits.
  Result<int64_t> DataVersion();

 private:
  Transaction(SqliteDb& db, std::unique_lock<std::mutex> lock) : db_(&db), lock_(std::move(lock)) {}
  static Result<Transaction> BeginWrite(SqliteDb& db);

  SqliteDb* db_;
  std::unique_lock<std::mutex> lock_;
  bool open_ = true;
};

}  // namespace p11
