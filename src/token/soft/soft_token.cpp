// SoftToken: lifecycle, PINs and status (PKCS#11 3.1 §5.6 token and §5.6/5.7 session
// management: C_InitToken, C_InitPIN, C_SetPIN, C_Login, C_Logout, C_GetTokenInfo).
#include "token/soft/soft_token.h"

#include "common/log.h"
#include "token/soft/object_rows.h"
#include "token/soft/soft_crypto.h"
#include "token/soft/token_rows.h"

namespace p11 {
namespace {

constexpr size_t kLabelMax = 32;
constexpr size_t kUuidLen = 16;
constexpr size_t kSerialBytes = 8;  // 16 hex characters

// C_InitToken's label is 32 bytes padded with spaces; the store keeps it unpadded.
std::string TrimLabel(std::string_view label) {
  label = label.substr(0, kLabelMax);
  while (!label.empty() && (label.back() == ' ' || label.back() == '\0')) {
    label.remove_suffix(1);
  }
  return std::string(label);
}

soft::PinRole RoleOf(CK_USER_TYPE who) {
  return who == CKU_SO ? soft::PinRole::kSo : soft::PinRole::kUser;
}

const soft::PinRecord* RecordOf(const soft::TokenRow& row, soft::PinRole role) {
  if (role == soft::PinRole::kSo) return &row.so_pin;
  return row.user_pin ? &*row.user_pin : nullptr;
}

uint32_t FailuresOf(const soft::TokenRow& row, soft::PinRole role) {
  return role == soft::PinRole::kSo ? row.so_failures : row.user_failures;
}

Result<soft::TokenRow> ReadUsableRow(Transaction& txn, int64_t row_id, soft::PinRole role,
                                     uint32_t max_failures) {
  P11_ASSIGN_OR_RETURN(std::optional<soft::TokenRow> row, soft::ReadTokenRow(txn, row_id));
  if (!row) return Fail(CKR_TOKEN_NOT_PRESENT, "token deleted elsewhere");
  if (RecordOf(*row, role) == nullptr) return Fail(CKR_USER_PIN_NOT_INITIALIZED, "user pin");
  if (FailuresOf(*row, role) >= max_failures) return Fail(CKR_PIN_LOCKED, "pin locked");
  return std::move(*row);
}

}  // namespace

SoftToken::SoftToken(std::shared_ptr<SqliteDb> db, const Config& config, const Registry& mechanisms,
                     int64_t row_id, CK_SLOT_ID slot_id)
    : db_(std::move(db)),
      config_(config),
      mechanisms_(mechanisms),
      row_id_(row_id),
      slot_id_(slot_id) {
  AddProfileObjects_inlock();
}

SoftToken::~SoftToken() = default;

CK_SLOT_ID SoftToken::slot_id() const {
  std::lock_guard lock(mutex_);
  return slot_id_;
}

int64_t SoftToken::row_id() const {
  std::lock_guard lock(mutex_);
  return row_id_;
}

void SoftToken::Detach() {
  std::lock_guard lock(mutex_);
  detached_ = true;
  Forget_inlock();
  ClearSessionObjects_inlock();
}

Result<void> SoftToken::RequireRow_inlock() const {
  if (detached_) return Fail(CKR_TOKEN_NOT_PRESENT, "token deleted");
  if (row_id_ == 0) return Fail(CKR_TOKEN_NOT_RECOGNIZED, "token not initialised");
  return Ok();
}

Result<void> SoftToken::CheckNewPin(SecretView pin) const {
  if (pin.size() < config_.pin_min_length || pin.size() > config_.pin_max_length) {
    return Fail(CKR_PIN_LEN_RANGE, "pin length");
  }
  return Ok();
}

// Zeroizes the keys and everything decrypted with them.
void SoftToken::Lock_inlock() {
  sealed_.Lock();
  login_.reset();
  keys_.clear();
}

// Drops every cached token object and key: the next access reloads from the file.
void SoftToken::Forget_inlock() {
  Lock_inlock();
  token_objects_.Clear();
  withheld_.clear();
  corrupt_.clear();
  loaded_ = false;
}

Result<TokenStatus> SoftToken::Status() {
  std::lock_guard lock(mutex_);
  if (detached_) return Fail(CKR_TOKEN_NOT_PRESENT, "token deleted");
  TokenStatus status;
  status.model = kModel;
  status.max_pin_failures = config_.pin_max_failures;
  status.min_pin_len = config_.pin_min_length;
  status.max_pin_len = config_.pin_max_length;
  if (row_id_ == 0) return status;
  // The status comes from the token row only: while no commit (ours included: PIN failures,
  // a new label) has happened since it was read, it still holds (C_OpenSession, C_GetTokenInfo).
  std::optional<SqliteDb::WalStamp> stamp = db_->ReadWalStamp();
  if (stamp && status_cache_ && stamp == status_stamp_) return *status_cache_;
  P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_, Transaction::Mode::kRead));
  P11_ASSIGN_OR_RETURN(std::optional<soft::TokenRow> row, soft::ReadTokenRow(txn, row_id_));
  P11_TRY(txn.Commit());
  if (!row) return Fail(CKR_TOKEN_NOT_PRESENT, "token deleted elsewhere");
  status.label = row->label;
  status.serial = row->serial;
  status.model = row->model;
  status.initialized = true;
  status.user_pin_initialized = row->user_pin.has_value();
  status.so_pin_failures = row->so_failures;
  status.user_pin_failures = row->user_failures;
  status.so_pin_locked = row->so_failures >= config_.pin_max_failures;
  status.user_pin_locked = row->user_failures >= config_.pin_max_failures;
  status_stamp_ = stamp;
  status_cache_ = status;
  return status;
}

// Checks `pin` against the wrapped master key of `role` and returns the master key. The
// PBKDF2 run holds no lock and no transaction: the token's other sessions, and other
// processes, carry on meanwhile. The verdict is then applied in a write transaction that
// reads the row again, so parallel guesses, from any process, still share one budget: a
// counter exhausted meanwhile voids the verdict (CKR_PIN_LOCKED), and a failure is counted
// on top of the failures counted meanwhile.
Result<SoftToken::VerifiedPin> SoftToken::VerifyPin(int64_t row_id, soft::PinRole role,
                                                    SecretView pin) const {
  // A PIN changed meanwhile voids the verdict too; the check then runs on the new record.
  constexpr int kAttempts = 3;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    P11_ASSIGN_OR_RETURN(std::optional<VerifiedPin> verified, TryVerifyPin(row_id, role, pin));
    if (verified) return std::move(*verified);
  }
  return Fail(CKR_FUNCTION_FAILED, "PIN changing under the check");
}

// One round of VerifyPin: nullopt when the PIN record changed during the check.
Result<std::optional<SoftToken::VerifiedPin>> SoftToken::TryVerifyPin(int64_t row_id,
                                                                      soft::PinRole role,
                                                                      SecretView pin) const {
  soft::TokenRow row;
  {
    P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_, Transaction::Mode::kRead));
    P11_ASSIGN_OR_RETURN(row, ReadUsableRow(txn, row_id, role, config_.pin_max_failures));
    P11_TRY(txn.Commit());
  }
  // A PIN outside the length policy cannot be right; it still costs an attempt.
  Result<SecureBuffer> master = Fail(CKR_PIN_INCORRECT, "pin length");
  if (pin.size() >= config_.pin_min_length && pin.size() <= config_.pin_max_length) {
    master = soft::UnwrapMasterKey(*RecordOf(row, role), pin, row.uuid, role);
  }
  if (!master.ok() && master.rv() != CKR_PIN_INCORRECT) return master.error();

  P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_, Transaction::Mode::kWrite));
  P11_ASSIGN_OR_RETURN(soft::TokenRow now,
                       ReadUsableRow(txn, row_id, role, config_.pin_max_failures));
  if (*RecordOf(now, role) != *RecordOf(row, role)) return std::optional<VerifiedPin>();
  const uint32_t failures = FailuresOf(now, role);
  const uint32_t next = master.ok() ? 0 : failures + 1;
  if (next != failures) P11_TRY(soft::SetPinFailures(txn, row_id, role, next));
  P11_TRY(txn.Commit());
  if (!master.ok()) {
    P11_LOG(kInfo, "token row %lld: wrong %s PIN (%u of %u)", static_cast<long long>(row_id),
            role == soft::PinRole::kSo ? "SO" : "user", next, config_.pin_max_failures);
    return master.error();
  }
  return std::optional<VerifiedPin>(VerifiedPin{std::move(master).value(), std::move(now.uuid)});
}

Result<void> SoftToken::Login(CK_USER_TYPE who, SecretView pin) {
  if (who != CKU_SO && who != CKU_USER && who != CKU_CONTEXT_SPECIFIC) {
    return Fail(CKR_USER_TYPE_INVALID, "user type");
  }
  int64_t row_id = 0;
  {
    std::lock_guard lock(mutex_);
    if (row_id_ == 0 && !detached_ && who != CKU_SO) {
      return Fail(CKR_USER_PIN_NOT_INITIALIZED, "blank token");
    }
    P11_TRY(RequireRow_inlock());
    row_id = row_id_;
  }
  P11_ASSIGN_OR_RETURN(VerifiedPin verified, VerifyPin(row_id, RoleOf(who), pin));
  if (who == CKU_CONTEXT_SPECIFIC) return Ok();  // a re-check: the login state is unchanged
  std::lock_guard lock(mutex_);
  Forget_inlock();
  uuid_ = verified.uuid;
  P11_TRY(sealed_.Unlock(std::move(verified.master_key), uuid_));
  login_ = who;
  return Ok();
}

void SoftToken::Logout() {
  std::lock_guard lock(mutex_);
  Forget_inlock();
}

Result<void> SoftToken::InitToken(SecretView so_pin, std::string_view label) {
  P11_TRY(CheckNewPin(so_pin));
  std::string trimmed = TrimLabel(label);
  // Holds off token-object writes: those in flight were sealed for the token as it was.
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  std::lock_guard lock(mutex_);
  if (detached_) return Fail(CKR_TOKEN_NOT_PRESENT, "token deleted");
  P11_TRY(row_id_ == 0 ? CreateRow_inlock(so_pin, trimmed) : ResetRow_inlock(so_pin, trimmed));
  Forget_inlock();
  ClearSessionObjects_inlock();
  AddProfileObjects_inlock();
  return Ok();
}

// First initialisation: the row is created with a new master key wrapped under the SO PIN.
// The slot ID is the blank's, unless another process initialised a token on it meanwhile.
Result<void> SoftToken::CreateRow_inlock(SecretView so_pin, const std::string& label) {
  soft::TokenRow row;
  row.label = label;
  row.model = kModel;
  P11_ASSIGN_OR_RETURN(row.uuid, soft::RandomBytes(kUuidLen));
  P11_ASSIGN_OR_RETURN(std::vector<uint8_t> serial, soft::RandomBytes(kSerialBytes));
  row.serial = soft::Hex(serial);
  P11_ASSIGN_OR_RETURN(SecureBuffer master, soft::RandomSecret(soft::kKeyLen));
  P11_ASSIGN_OR_RETURN(row.so_pin, soft::WrapMasterKey(master, so_pin, config_.pin_kdf_iterations,
                                                       row.uuid, soft::PinRole::kSo));
  P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_, Transaction::Mode::kWrite));
  P11_ASSIGN_OR_RETURN(bool taken, soft::SlotIdTaken(txn, slot_id_));
  row.slot_id = slot_id_;
  if (taken) {
    P11_ASSIGN_OR_RETURN(row.slot_id, soft::NextFreeSlotId(txn, slot_id_));
  }
  P11_ASSIGN_OR_RETURN(int64_t id, soft::InsertTokenRow(txn, row));
  P11_TRY(txn.Commit());
  row_id_ = id;
  slot_id_ = row.slot_id;
  uuid_ = row.uuid;
  P11_LOG(kInfo, "token initialised in slot %lu", slot_id_);
  return Ok();
}

// Re-initialisation: the SO PIN must be right (counted); then every object goes, a new
// master key replaces the old one, and the user PIN is uninitialised.
Result<void> SoftToken::ResetRow_inlock(SecretView so_pin, const std::string& label) {
  P11_ASSIGN_OR_RETURN(VerifiedPin verified, VerifyPin(row_id_, soft::PinRole::kSo, so_pin));
  uuid_ = std::move(verified.uuid);
  P11_ASSIGN_OR_RETURN(SecureBuffer master, soft::RandomSecret(soft::kKeyLen));
  P11_ASSIGN_OR_RETURN(
      soft::PinRecord so,
      soft::WrapMasterKey(master, so_pin, config_.pin_kdf_iterations, uuid_, soft::PinRole::kSo));
  P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_, Transaction::Mode::kWrite));
  P11_TRY(soft::DeleteAllObjects(txn, row_id_));
  P11_TRY(soft::SetPinRecord(txn, row_id_, soft::PinRole::kSo, so));
  P11_TRY(soft::SetPinRecord(txn, row_id_, soft::PinRole::kUser, std::nullopt));
  P11_TRY(soft::SetTokenLabel(txn, row_id_, label));
  P11_ASSIGN_OR_RETURN(std::optional<int64_t> generation, soft::BumpGeneration(txn, row_id_));
  if (!generation) return Fail(CKR_TOKEN_NOT_PRESENT, "token deleted elsewhere");
  return txn.Commit();
}

Result<void> SoftToken::InitPin(SecretView new_pin) {
  P11_TRY(CheckNewPin(new_pin));
  int64_t row_id = 0;
  std::vector<uint8_t> uuid;
  soft::SealedStore keys;  // shares the master key, so the wrap below runs without the lock
  {
    std::lock_guard lock(mutex_);
    P11_TRY(RequireRow_inlock());
    if (login_ != CKU_SO || !sealed_.unlocked()) {
      return Fail(CKR_USER_NOT_LOGGED_IN, "init pin");
    }
    row_id = row_id_;
    uuid = uuid_;
    keys = sealed_;
  }
  P11_ASSIGN_OR_RETURN(soft::PinRecord record,
                       soft::WrapMasterKey(keys.master_key(), new_pin, config_.pin_kdf_iterations,
                                           uuid, soft::PinRole::kUser));
  P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_, Transaction::Mode::kWrite));
  P11_TRY(soft::SetPinRecord(txn, row_id, soft::PinRole::kUser, record));
  return txn.Commit();
}

Result<void> SoftToken::SetPin(CK_USER_TYPE who, SecretView old_pin, SecretView new_pin) {
  if (who != CKU_SO && who != CKU_USER) return Fail(CKR_USER_TYPE_INVALID, "user type");
  P11_TRY(CheckNewPin(new_pin));
  int64_t row_id = 0;
  {
    std::lock_guard lock(mutex_);
    P11_TRY(RequireRow_inlock());
    row_id = row_id_;
  }
  soft::PinRole role = RoleOf(who);
  P11_ASSIGN_OR_RETURN(VerifiedPin verified, VerifyPin(row_id, role, old_pin));
  P11_ASSIGN_OR_RETURN(soft::PinRecord record,
                       soft::WrapMasterKey(verified.master_key, new_pin, config_.pin_kdf_iterations,
                                           verified.uuid, role));
  P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_, Transaction::Mode::kWrite));
  P11_TRY(soft::SetPinRecord(txn, row_id, role, record));
  return txn.Commit();
}

}  // namespace p11
