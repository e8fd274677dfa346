#include "token/soft/sqlite_db.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

#include "common/log.h"

namespace p11 {
namespace {

// mkdir -p for the parent directories of `path`: new ones get mode 0700, existing ones are
// left as the user made them.
Result<void> MakeParentDirs(const std::string& path) {
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    std::string dir = path.substr(0, pos);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      P11_LOG(kError, "store: cannot create directory %s (errno %d)", dir.c_str(), errno);
      return Fail(CKR_DEVICE_ERROR, "store directory");
    }
  }
  return Ok();
}

// SQLite would create the file with the umask's mode; a key store must be owner-only, and the
// -wal/-shm files SQLite creates later copy the database file's mode.
Result<void> CreateFileOwnerOnly(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    P11_LOG(kError, "store: cannot open %s (errno %d)", path.c_str(), errno);
    return Fail(CKR_DEVICE_ERROR, "store file");
  }
  close(fd);
  return Ok();
}

}  // namespace

Error SqliteError(int rc, const char* where) {
  P11_LOG(kError, "sqlite %s: %s (%d)", where, sqlite3_errstr(rc), rc);
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return Fail(CKR_DEVICE_MEMORY, where);
    case SQLITE_NOMEM:
      return Fail(CKR_HOST_MEMORY, where);
    case SQLITE_IOERR:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
      return Fail(CKR_DEVICE_ERROR, where);
    default:
      return Fail(CKR_GENERAL_ERROR, where);
  }
}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::Bind(int index, int64_t value) {
  Note(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::Bind(int index, ByteView value) {
  // A zero-length blob must stay a blob: binding a NULL pointer would store SQL NULL.
  if (value.empty()) {
    Note(sqlite3_bind_zeroblob(stmt_, index, 0));
  } else {
    Note(sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT));
  }
  return *this;
}

Statement& Statement::BindText(int index, std::string_view value) {
  Note(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

Statement& Statement::BindNull(int index) {
  Note(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Statement::Step() {
  if (bind_rc_ != SQLITE_OK) return SqliteError(bind_rc_, "bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(rc, "step");
}

Result<void> Statement::Run() {
  P11_ASSIGN_OR_RETURN(bool row, Step());
  (void)row;
  return Ok();
}

ByteView Statement::Blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return ByteView(static_cast<const uint8_t*>(p), p ? static_cast<size_t>(n) : 0);
}

std::string_view Statement::Text(int column) const {
  const unsigned char* p = sqlite3_column_text(stmt_, column);
  int n = sqlite3_column_bytes(stmt_, column);
  return p ? std::string_view(reinterpret_cast<const char*>(p), n) : std::string_view();
}

Result<std::shared_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, int busy_timeout_ms) {
  if (path.empty()) return Fail(CKR_GENERAL_ERROR, "store path");
  P11_TRY(MakeParentDirs(path));
  P11_TRY(CreateFileOwnerOnly(path));
  sqlite3* raw = nullptr;
  int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::shared_ptr<SqliteDb> db(new SqliteDb(raw, path, busy_timeout_ms));  // owns raw on failure
  if (rc != SQLITE_OK) return SqliteError(rc, "open");
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  std::unique_lock<std::mutex> lock(db->mutex_);
  // WAL lets readers in other processes proceed during a write; FULL sync makes a committed
  // PIN failure count durable before the caller hears CKR_PIN_INCORRECT.
  P11_TRY(db->Exec_inlock("PRAGMA journal_mode=WAL"));
  P11_TRY(db->Exec_inlock("PRAGMA synchronous=FULL"));
  P11_TRY(db->Exec_inlock("PRAGMA foreign_keys=ON"));
  return db;
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<Statement> SqliteDb::Prepare_inlock(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return Statement(it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, "prepare");
  statements_.emplace(std::string(sql), stmt);
  return Statement(stmt);
}

Result<void> SqliteDb::Exec_inlock(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, "exec");
  return Ok();
}

int SqliteDb::RunCached_inlock(const char* sql) {
  Result<Statement> stmt = Prepare_inlock(sql);
  if (!stmt.ok()) return sqlite3_errcode(db_) != SQLITE_OK ? sqlite3_errcode(db_) : SQLITE_ERROR;
  const int rc = stmt->StepCode();
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

Result<Transaction> Transaction::Begin(SqliteDb& db, Mode mode) {
  if (mode == Mode::kWrite) return BeginWrite(db);
  std::unique_lock<std::mutex> lock(db.mutex_);
  if (int rc = db.RunCached_inlock("BEGIN"); rc != SQLITE_OK) return SqliteError(rc, "begin");
  return Transaction(db, std::move(lock));
}

// BEGIN IMMEDIATE waits while another process writes. SQLite's busy handler would wait with
// this connection held, and with it every reader in this process (a token status, a cache
// check); so the wait happens here, between tries that each hold the connection for an
// instant, up to the same busy timeout.
Result<Transaction> Transaction::BeginWrite(SqliteDb& db) {
  using Clock = std::chrono::steady_clock;
  constexpr auto kLongestPause = std::chrono::milliseconds(20);
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(db.busy_timeout_ms_);
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    std::unique_lock<std::mutex> lock(db.mutex_);
    sqlite3_busy_timeout(db.db_, 0);
    const int rc = db.RunCached_inlock("BEGIN IMMEDIATE");
    sqlite3_busy_timeout(db.db_, db.busy_timeout_ms_);
    if (rc == SQLITE_OK) return Transaction(db, std::move(lock));
    const Clock::time_point now = Clock::now();
    if ((rc & 0xff) != SQLITE_BUSY || now >= deadline) return SqliteError(rc, "begin write");
    lock.unlock();
    std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, kLongestPause);
  }
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(other.db_), lock_(std::move(other.lock_)), open_(std::exchange(other.open_, false)) {}

Transaction::~Transaction() {
  if (open_ && lock_.owns_lock()) {
    if (db_->RunCached_inlock("ROLLBACK") != SQLITE_OK) P11_LOG(kWarn, "sqlite: rollback failed");
  }
}

Result<void> Transaction::Commit() {
  if (int rc = db_->RunCached_inlock("COMMIT"); rc != SQLITE_OK) {
    return SqliteError(rc, "commit");  // the destructor rolls back
  }
  open_ = false;
  return Ok();
}

Result<Transaction::AfterCommit> Transaction::CommitAndMark() {
  P11_TRY(Commit());
  AfterCommit after;
  after.stamp = SqliteDb::StampAt(db_->MapWalIndex_inlock());
  // The connection is still this transaction's, so no statement of ours runs in between.
  Result<int64_t> version = DataVersion();
  if (version.ok()) {
    after.data_version = *version;
  } else {
    after.stamp.reset();
  }
  return after;
}

// The WAL index (https://sqlite.org/walformat.html, "The WAL-Index Format") starts with two
// copies of a 48-byte header. A writer stores the second copy, then the first, with a memory
// barrier between; a reader that finds both equal has a header that is not half-written —
// the same test SQLite's own readers make (walIndexTryHdr).
std::optional<SqliteDb::WalStamp> SqliteDb::ReadWalStamp() {
  const volatile uint8_t* header = wal_index_.load(std::memory_order_acquire);
  if (header == nullptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    header = MapWalIndex_inlock();
  }
  return StampAt(header);
}

std::optional<SqliteDb::WalStamp> SqliteDb::StampAt(const volatile uint8_t* header) {
  if (header == nullptr) return std::nullopt;
  constexpr size_t kIsInitOffset = 12;
  // The mapping starts on a page boundary: its words are aligned.
  const volatile uint64_t* words = reinterpret_cast<const volatile uint64_t*>(header);
  WalStamp first;
  WalStamp second;
  for (size_t i = 0; i < first.size(); ++i) first[i] = words[i];
  std::atomic_thread_fence(std::memory_order_acquire);
  for (size_t i = 0; i < second.size(); ++i) second[i] = words[second.size() + i];
  const uint8_t is_init = reinterpret_cast<const uint8_t*>(first.data())[kIsInitOffset];
  if (first != second || is_init == 0) return std::nullopt;
  return first;
}

// The first page of the WAL index as this connection maps it for its own reads. Mapped once:
// SQLite keeps a connection's WAL-index pages mapped, at the same address, until the
// connection closes (it caches the same pointers itself), so later reads need neither the
// connection's mutex nor SQLite's.
const volatile uint8_t* SqliteDb::MapWalIndex_inlock() {
  if (const volatile uint8_t* mapped = wal_index_.load(std::memory_order_acquire)) return mapped;
  constexpr int kWalIndexPageSize = 32768;
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK ||
      file == nullptr || file->pMethods == nullptr || file->pMethods->iVersion < 2 ||
      file->pMethods->xShmMap == nullptr) {
    return nullptr;
  }
  // bExtend = 0 never grows the -shm file; no region yet means no WAL index yet.
  volatile void* region = nullptr;
  if (file->pMethods->xShmMap(file, 0, kWalIndexPageSize, 0, &region) != SQLITE_OK ||
      region == nullptr) {
    return nullptr;
  }
  const volatile uint8_t* mapped = static_cast<const volatile uint8_t*>(region);
  wal_index_.store(mapped, std::memory_order_release);
  return mapped;
}

Result<int64_t> Transaction::DataVersion() {
  P11_ASSIGN_OR_RETURN(Statement stmt, Prepare("PRAGMA data_version"));
  P11_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return Fail(CKR_GENERAL_ERROR, "data_version");
  return stmt.Int(0);
}

}  // namespace p11
