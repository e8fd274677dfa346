// SoftStore: the store file and the SoftToken backends of its tokens.
// Lock order: SoftStoreImpl::mutex_ → SoftToken::mutex_ → SqliteDb (Transaction).
#include "token/soft/soft_store.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>

#include "common/log.h"
#include "token/soft/schema.h"
#include "token/soft/soft_token.h"
#include "token/soft/sqlite_db.h"
#include "token/soft/token_rows.h"

namespace p11 {
namespace {

class SoftStoreImpl final : public SoftStore {
 public:
  SoftStoreImpl(std::shared_ptr<SqliteDb> db, const Config& config, const Registry& mechanisms)
      : db_(std::move(db)), config_(config), mechanisms_(mechanisms) {}

  Result<std::vector<SoftSlot>> Tokens() override;
  Result<SoftSlot> BlankToken() override;
  Result<void> DeleteToken(CK_SLOT_ID slot_id) override;

 private:
  // Moves a blank token that has been initialised into tokens_.
  void AdoptBlank_inlock();

  const std::shared_ptr<SqliteDb> db_;
  const Config config_;
  const Registry& mechanisms_;
  std::mutex mutex_;
  std::map<int64_t, std::shared_ptr<SoftToken>> tokens_;  // by token row id
  std::shared_ptr<SoftToken> blank_;
};

void SoftStoreImpl::AdoptBlank_inlock() {
  if (blank_ == nullptr) return;
  int64_t row = blank_->row_id();
  if (row == 0) return;
  tokens_.emplace(row, std::move(blank_));
  blank_.reset();
}

Result<std::vector<SoftSlot>> SoftStoreImpl::Tokens() {
  std::lock_guard<std::mutex> lock(mutex_);
  AdoptBlank_inlock();
  std::vector<soft::TokenRef> refs;
  {
    P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_, Transaction::Mode::kRead));
    P11_ASSIGN_OR_RETURN(refs, soft::ListTokens(txn));
  }
  std::map<int64_t, std::shared_ptr<SoftToken>> present;
  std::vector<SoftSlot> slots;
  for (const soft::TokenRef& ref : refs) {
    auto it = tokens_.find(ref.id);
    std::shared_ptr<SoftToken> token =
        it != tokens_.end()
            ? it->second
            : std::make_shared<SoftToken>(db_, config_, mechanisms_, ref.id, ref.slot_id);
    present.emplace(ref.id, token);
    slots.push_back(SoftSlot{ref.slot_id, token});
  }
  // Tokens another process deleted: their backends fail from now on.
  for (auto& [id, token] : tokens_) {
    if (present.count(id) == 0) token->Detach();
  }
  tokens_ = std::move(present);
  return slots;
}

Result<SoftSlot> SoftStoreImpl::BlankToken() {
  std::lock_guard<std::mutex> lock(mutex_);
  AdoptBlank_inlock();
  // Read the tokens' slot IDs before taking the connection: a token takes its own mutex
  // before the connection's, never after (see soft_token.h).
  CK_SLOT_ID floor = 0;
  for (const auto& [id, token] : tokens_) floor = std::max(floor, token->slot_id() + 1);
  std::optional<CK_SLOT_ID> blank_slot;
  if (blank_ != nullptr) {
    blank_slot = blank_->slot_id();
    floor = std::max(floor, *blank_slot + 1);
  }
  P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_, Transaction::Mode::kRead));
  if (blank_slot) {
    // Still free? Another process may have initialised a token on this slot ID.
    P11_ASSIGN_OR_RETURN(bool taken, soft::SlotIdTaken(txn, *blank_slot));
    if (!taken) return SoftSlot{*blank_slot, blank_};
  }
  P11_ASSIGN_OR_RETURN(CK_SLOT_ID slot_id, soft::NextFreeSlotId(txn, floor));
  blank_ = std::make_shared<SoftToken>(db_, config_, mechanisms_, 0, slot_id);
  return SoftSlot{slot_id, blank_};
}

Result<void> SoftStoreImpl::DeleteToken(CK_SLOT_ID slot_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  AdoptBlank_inlock();
  {
    P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_, Transaction::Mode::kWrite));
    P11_ASSIGN_OR_RETURN(bool deleted, soft::DeleteTokenRow(txn, slot_id));
    if (!deleted) return Fail(CKR_SLOT_ID_INVALID, "no token in slot");
    P11_TRY(txn.Commit());
  }
  for (auto it = tokens_.begin(); it != tokens_.end(); ++it) {
    if (it->second->slot_id() != slot_id) continue;
    it->second->Detach();
    tokens_.erase(it);
    break;
  }
  P11_LOG(kInfo, "token in slot %lu deleted", slot_id);
  return Ok();
}

}  // namespace

Result<std::unique_ptr<SoftStore>> SoftStore::Open(const Config& config,
                                                   const Registry& mechanisms) {
  P11_ASSIGN_OR_RETURN(std::shared_ptr<SqliteDb> db,
                       SqliteDb::Open(config.store_path, config.busy_timeout_ms));
  P11_TRY(MigrateSchema(*db));
  return std::unique_ptr<SoftStore>(std::make_unique<SoftStoreImpl>(db, config, mechanisms));
}

}  // namespace p11
