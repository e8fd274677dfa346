// SoftToken: object storage, the object cache and its reload, and search (PKCS#11 3.1 §5.7
// object management: C_CreateObject, C_DestroyObject, C_GetAttributeValue,
// C_SetAttributeValue, C_FindObjects).
#include <algorithm>
#include <cassert>

#include "common/call_scope.h"
#include "common/log.h"
#include "mechanisms/keys.h"
#include "token/attribute_policy.h"
#include "token/soft/object_rows.h"
#include "token/soft/soft_crypto.h"
#include "token/soft/soft_token.h"
#include "token/soft/token_rows.h"

namespace p11 {
namespace {

constexpr size_t kUniqueIdBytes = 16;

bool IsKeyClass(CK_OBJECT_CLASS object_class) {
  return object_class == CKO_PUBLIC_KEY || object_class == CKO_PRIVATE_KEY ||
         object_class == CKO_SECRET_KEY;
}

// Bumps the token's generation and commits.
Result<OwnCommit> CommitTokenChange(Transaction& txn, int64_t row_id) {
  P11_ASSIGN_OR_RETURN(std::optional<int64_t> generation, soft::BumpGeneration(txn, row_id));
  if (!generation) return Fail(CKR_TOKEN_NOT_PRESENT, "token deleted elsewhere");
  P11_ASSIGN_OR_RETURN(Transaction::AfterCommit after, txn.CommitAndMark());
  return OwnCommit{*generation, after};
}

Result<OwnCommit> RewriteTokenObject(SqliteDb& db, int64_t row_id, ObjectId id,
                                     const soft::ObjectHeader& header,
                                     const std::vector<soft::AttrRow>& rows) {
  P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db, Transaction::Mode::kWrite));
  P11_ASSIGN_OR_RETURN(bool found, soft::UpdateObjectRow(txn, row_id, id, header));
  if (!found) return Fail(CKR_OBJECT_HANDLE_INVALID, "object deleted elsewhere");
  P11_TRY(soft::ReplaceAttributes(txn, id, rows));
  return CommitTokenChange(txn, row_id);
}

Result<OwnCommit> DeleteTokenObject(SqliteDb& db, int64_t row_id, ObjectId id) {
  P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db, Transaction::Mode::kWrite));
  P11_ASSIGN_OR_RETURN(bool found, soft::DeleteObjectRow(txn, row_id, id));
  if (!found) return Fail(CKR_OBJECT_HANDLE_INVALID, "object");
  return CommitTokenChange(txn, row_id);
}

}  // namespace

// Reloads the token's objects when another process committed a change to this token.
// Three steps, cheapest first. (1) The WAL-index header (SqliteDb::ReadWalStamp): a memory
// read with no transaction and no file lock; unchanged since the last full check means no
// connection committed anything, and the cache is current. (2) Otherwise a read transaction
// with PRAGMA data_version, which tells another connection's commit from our own. (3) Then the
// token row's generation tells whether that change concerned this token. A reload reads every
// object of the token: simple and correct; loading only changed rows is a later optimisation.
Result<void> SoftToken::Sync_inlock() {
  if (!CacheCurrent_inlock()) {
    // Taken before the transaction of the full check, so that check's snapshot is at least as
    // new as the stamp recorded for it: a commit in between only costs one more full check.
    std::optional<SqliteDb::WalStamp> stamp = db_->ReadWalStamp();
    P11_TRY(SyncWithStore_inlock());
    seen_stamp_ = loaded_ ? stamp : std::nullopt;
  }
  // Once per PKCS#11 call: a call sees the store as of its first object access.
  synced_call_ = CurrentCallId();
  return Ok();
}

Result<void> SoftToken::SyncWithStore_inlock() {
  std::vector<soft::ObjectRow> rows;
  int64_t generation = 0;
  {
    P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_, Transaction::Mode::kRead));
    P11_ASSIGN_OR_RETURN(int64_t version, txn.DataVersion());
    if (loaded_ && version == seen_data_version_) return Ok();
    P11_ASSIGN_OR_RETURN(std::optional<int64_t> current, soft::ReadGeneration(txn, row_id_));
    if (!current) {  // deleted by another process
      detached_ = true;
      Forget_inlock();
      ClearSessionObjects_inlock();
      return Ok();
    }
    seen_data_version_ = version;
    if (loaded_ && *current == seen_generation_) return Ok();
    P11_ASSIGN_OR_RETURN(rows, soft::LoadObjects(txn, row_id_, sealed_.unlocked()));
    generation = *current;
  }  // the connection is free again before the decryption work
  Rebuild_inlock(std::move(rows));
  seen_generation_ = generation;
  loaded_ = true;
  return Ok();
}

void SoftToken::Rebuild_inlock(std::vector<soft::ObjectRow> rows) {
  token_objects_.Clear();
  withheld_.clear();
  corrupt_.clear();
  std::erase_if(keys_, [](const auto& entry) { return !IsSessionId(entry.first); });
  for (soft::ObjectRow& row : rows) {
    Result<soft::Unsealed> unsealed = sealed_.Unseal(row);
    if (!unsealed.ok()) {
      corrupt_.insert(row.id);
      continue;
    }
    if (unsealed->withheld) withheld_.insert(row.id);
    token_objects_.Put(row.id, std::make_shared<const Object>(std::move(unsealed->object)));
  }
}

// A unique ID needs uniqueness, not secrecy, so it costs no DRBG call per object: a random
// prefix drawn once per instance (64 bits: instances in other processes, or before a restart,
// pick different ones) followed by this instance's 64-bit count of objects created.
// Written straight into the object as 32 upper-case hex digits.
Result<void> SoftToken::SetNextUniqueId_inlock(Object& object) {
  if (unique_prefix_.empty()) {
    P11_ASSIGN_OR_RETURN(unique_prefix_, soft::RandomBytes(kUniqueIdBytes / 2));
  }
  uint8_t id[kUniqueIdBytes];
  std::copy(unique_prefix_.begin(), unique_prefix_.end(), id);
  uint64_t count = ++unique_count_;
  for (size_t i = kUniqueIdBytes; i > kUniqueIdBytes / 2; --i, count >>= 8) {
    id[i - 1] = static_cast<uint8_t>(count);
  }
  soft::HexInto(ByteView(id, kUniqueIdBytes),
                object.MutableValue(CKA_UNIQUE_ID, 2 * kUniqueIdBytes));
  return Ok();
}

// Private objects are reachable only while the user is logged in (PKCS#11 3.1 §4.4).
bool SoftToken::Visible_inlock(const Object& object) const {
  return !object.IsPrivate() || login_ == CKU_USER;
}

Result<std::shared_ptr<const Object>> SoftToken::Find_inlock(ObjectId id, Need need) {
  if (!IsSessionId(id)) P11_TRY(Sync_inlock());
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const Object> object, FindCached_inlock(id));
  if (need == Need::kWhole && IsPending_inlock(id)) return CompletePending_inlock(id);
  return object;
}

std::optional<Result<SoftToken::CachedRef>> SoftToken::PeekShared_inlock(ObjectId id,
                                                                         Need need) const {
  if (!IsSessionId(id) && !CacheCurrent_inlock()) return std::nullopt;
  if (need == Need::kWhole && IsPending_inlock(id)) return std::nullopt;
  return PeekCached_inlock(id);
}

template <class Use>
std::invoke_result_t<Use, const std::shared_ptr<const Object>&> SoftToken::WithObject(ObjectId id,
                                                                                      Need need,
                                                                                      Use&& use) {
  {
    std::shared_lock lock(mutex_);
    if (std::optional<Result<CachedRef>> found = PeekShared_inlock(id, need)) {
      P11_ASSIGN_OR_RETURN(CachedRef object, std::move(*found));
      return use(*object);
    }
  }
  std::lock_guard lock(mutex_);
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const Object> object, Find_inlock(id, need));
  return use(object);
}

Result<std::shared_ptr<const Object>> SoftToken::Find(ObjectId id, Need need) {
  return WithObject(id, need, [](const std::shared_ptr<const Object>& object) {
    return Result<std::shared_ptr<const Object>>(object);
  });
}

// Sync_inlock's question, answered without changing anything (so under the shared lock too).
// Within a call that synced already, the cache stands as that call first saw it.
bool SoftToken::CacheCurrent_inlock() const {
  if (detached_ || row_id_ == 0) return true;
  if (!loaded_) return false;
  const uint64_t call = CurrentCallId();
  if (call != 0 && call == synced_call_) return true;
  std::optional<SqliteDb::WalStamp> stamp = db_->ReadWalStamp();
  return stamp && stamp == seen_stamp_;
}

Result<SoftToken::CachedRef> SoftToken::PeekCached_inlock(ObjectId id) const {
  if (!IsSessionId(id) && corrupt_.count(id) != 0) {
    return Fail(CKR_DEVICE_ERROR, "object fails authentication");
  }
  CachedRef object = Peek_inlock(id);
  if (object == nullptr || !Visible_inlock(**object)) {
    return Fail(CKR_OBJECT_HANDLE_INVALID, "object");
  }
  return object;
}

Result<std::shared_ptr<const Object>> SoftToken::FindCached_inlock(ObjectId id) const {
  P11_ASSIGN_OR_RETURN(CachedRef object, PeekCached_inlock(id));
  return *object;
}

Result<std::shared_ptr<const Object>> SoftToken::CompletePending_inlock(ObjectId id) {
  const PendingValues pending = pending_.at(id);
  Object self(*session_objects_.Get(id));
  std::optional<Object> partner;
  if (IsPending_inlock(pending.partner)) partner.emplace(*session_objects_.Get(pending.partner));
  Object* other = partner ? &*partner : nullptr;
  const bool self_public = self.Class() == CKO_PUBLIC_KEY;
  P11_TRY(pending.mechanism->CompleteGenerated(*pending.key, self_public ? &self : other,
                                               self_public ? other : &self));
  auto completed = std::make_shared<const Object>(std::move(self));
  session_objects_.Put(id, completed);
  if (partner) {
    session_objects_.Put(pending.partner, std::make_shared<const Object>(std::move(*partner)));
  }
  pending_.erase(id);
  pending_.erase(pending.partner);
  return completed;
}

void SoftToken::ClearSessionObjects_inlock() {
  session_objects_.Clear();
  pending_.clear();
}

Result<SoftToken::WriteContext> SoftToken::BeginWrite_inlock() const {
  P11_TRY(RequireRow_inlock());
  return WriteContext{row_id_, sealed_};
}

Result<OwnCommit> SoftToken::InsertTokenObjects(const WriteContext& write,
                                                std::span<const Object> objects,
                                                std::span<ObjectId> ids) const {
  P11_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(*db_, Transaction::Mode::kWrite));
  for (size_t i = 0; i < objects.size(); ++i) {
    if (!objects[i].IsTokenObject()) continue;
    P11_ASSIGN_OR_RETURN(soft::ObjectHeader header, write.sealer.Header(objects[i]));
    P11_ASSIGN_OR_RETURN(ids[i], soft::InsertObjectRow(txn, write.row_id, header));
    P11_ASSIGN_OR_RETURN(std::vector<soft::AttrRow> rows, write.sealer.Seal(ids[i], objects[i]));
    P11_TRY(soft::InsertAttributes(txn, ids[i], rows));
  }
  return CommitTokenChange(txn, write.row_id);
}

// Our commit is the one step after what the cache holds: the cache takes the change. A
// generation further ahead means another process changed the token before our commit, which
// the cache has not seen: it reloads. One behind or at what the cache holds means a reload
// between our commit and this call read the store with our change, and perhaps later ones
// too, which the change must not overwrite.
bool SoftToken::NoteOwnCommit_inlock(const OwnCommit& commit) {
  if (!loaded_) return false;
  if (commit.generation == seen_generation_ + 1) {
    seen_generation_ = commit.generation;
    // Nothing but our commit moved the stamp, so the next call need not ask the store; the
    // connection may be busy with our next write and its flush by then.
    if (commit.after.stamp && commit.after.data_version == seen_data_version_) {
      seen_stamp_ = commit.after.stamp;
    }
    return true;
  }
  if (commit.generation > seen_generation_) loaded_ = false;
  return false;
}

Result<void> SoftToken::StoreAll(std::span<Object> objects, std::span<ObjectId> ids,
                                 const PendingValues* pending) {
  assert(ids.size() == objects.size());
  assert(pending == nullptr || objects.size() == 2);
  for (Object& object : objects) {
    if (!object.Has(CKA_CLASS)) return Fail(CKR_TEMPLATE_INCOMPLETE, "object class");
    object.SetBool(CKA_PRIVATE, object.IsPrivate());
    object.SetBool(CKA_TOKEN, object.IsTokenObject());
  }
  const bool any_token = std::any_of(objects.begin(), objects.end(),
                                     [](const Object& o) { return o.IsTokenObject(); });
  std::unique_lock<std::mutex> write_lock(write_mutex_, std::defer_lock);
  if (any_token) write_lock.lock();
  std::unique_lock lock(mutex_);
  for (Object& object : objects) {
    // CKA_UNIQUE_ID (PKCS#11 3.0) is the token's to assign, once, at creation.
    if (!object.Has(CKA_UNIQUE_ID)) P11_TRY(SetNextUniqueId_inlock(object));
  }
  std::optional<OwnCommit> commit;
  if (any_token) {  // the transaction and its flush run without the lock
    P11_ASSIGN_OR_RETURN(WriteContext write, BeginWrite_inlock());
    lock.unlock();
    P11_ASSIGN_OR_RETURN(commit, InsertTokenObjects(write, objects, ids));
    lock.lock();
  }
  const bool cache_takes_them = commit && NoteOwnCommit_inlock(*commit);
  for (size_t i = 0; i < objects.size(); ++i) {
    auto object = std::make_shared<const Object>(std::move(objects[i]));
    if (object->IsTokenObject()) {
      if (cache_takes_them) token_objects_.Put(ids[i], std::move(object));
    } else {
      ids[i] = kSessionObjectBit | next_session_id_++;
      session_objects_.Put(ids[i], std::move(object));
    }
  }
  // Registered under the same lock as the objects: no lookup sees them incomplete unawares.
  if (pending != nullptr) {
    assert(IsSessionId(ids[0]) && IsSessionId(ids[1]));
    pending_.emplace(ids[0], PendingValues{pending->key, pending->mechanism, ids[1]});
    pending_.emplace(ids[1], PendingValues{pending->key, pending->mechanism, ids[0]});
  }
  return Ok();
}

Result<ObjectId> SoftToken::StoreOne(Object object) {
  ObjectId id = 0;
  P11_TRY(StoreAll(std::span(&object, 1), std::span(&id, 1)));
  return id;
}

Result<ObjectId> SoftToken::CreateObject(Object object) {
  // Imported keys: check the values form a key and add what consumers read (§4.8–4.10).
  if (IsKeyClass(object.Class())) P11_TRY(CompleteKeyObject(object));
  return StoreOne(std::move(object));
}

Result<std::shared_ptr<const Object>> SoftToken::GetObject(ObjectId id) {
  return Find(id, Need::kWhole);
}

Result<std::shared_ptr<const Object>> SoftToken::GetObjectForChecks(ObjectId id) {
  return Find(id, Need::kChecks);
}

Result<void> SoftToken::CheckObject(ObjectId id, ObjectCheck check) {
  return WithObject(id, Need::kChecks,
                    [&](const std::shared_ptr<const Object>& object) { return check(*object); });
}

Result<void> SoftToken::UpdateObject(ObjectId id, Object object) {
  std::unique_lock<std::mutex> write_lock(write_mutex_, std::defer_lock);
  if (!IsSessionId(id)) write_lock.lock();
  std::unique_lock lock(mutex_);
  P11_ASSIGN_OR_RETURN(std::shared_ptr<const Object> current, Find_inlock(id));
  if (object.IsTokenObject() != current->IsTokenObject()) {
    return Fail(CKR_ATTRIBUTE_READ_ONLY, "CKA_TOKEN");
  }
  object.SetBool(CKA_PRIVATE, object.IsPrivate());
  keys_.erase(id);
  if (IsSessionId(id)) {
    session_objects_.Put(id, std::make_shared<const Object>(std::move(object)));
    return Ok();
  }
  // Written back without the sealed values it was loaded without, the key would lose them.
  if (withheld_.count(id) != 0) return Fail(CKR_USER_NOT_LOGGED_IN, "sealed attributes");
  P11_ASSIGN_OR_RETURN(WriteContext write, BeginWrite_inlock());
  P11_ASSIGN_OR_RETURN(soft::ObjectHeader header, write.sealer.Header(object));
  P11_ASSIGN_OR_RETURN(std::vector<soft::AttrRow> rows, write.sealer.Seal(id, object));
  lock.unlock();
  P11_ASSIGN_OR_RETURN(OwnCommit commit, RewriteTokenObject(*db_, write.row_id, id, header, rows));
  lock.lock();
  keys_.erase(id);  // a lookup meanwhile may have cached the old key again
  if (NoteOwnCommit_inlock(commit)) {
    token_objects_.Put(id, std::make_shared<const Object>(std::move(object)));
  }
  return Ok();
}

Result<void> SoftToken::DestroyObject(ObjectId id) {
  if (IsSessionId(id)) return DestroySessionObject(id);
  std::lock_guard<std::mutex> write_lock(write_mutex_);
  int64_t row_id = 0;
  {
    std::lock_guard lock(mutex_);
    P11_TRY(RequireRow_inlock());
    row_id = row_id_;
  }
  P11_ASSIGN_OR_RETURN(OwnCommit commit, DeleteTokenObject(*db_, row_id, id));
  std::lock_guard lock(mutex_);
  keys_.erase(id);
  if (NoteOwnCommit_inlock(commit)) {
    token_objects_.Erase(id);
    withheld_.erase(id);
    corrupt_.erase(id);
  }
  return Ok();
}

Result<void> SoftToken::DestroySessionObject(ObjectId id) {
  std::lock_guard lock(mutex_);
  std::shared_ptr<const Object> object = session_objects_.Get(id);
  if (object == nullptr) return Fail(CKR_OBJECT_HANDLE_INVALID, "object");
  keys_.erase(id);
  if (auto pending = pending_.find(id); pending != pending_.end()) {
    const ObjectId partner = pending->second.partner;
    pending_.erase(pending);
    // The private key must not live on in its public half's pending entry: that half gets
    // its values now, and the key material goes with the entry. (Should that fail, out of
    // memory, the half stays pending; the destruction asked for goes ahead regardless.)
    if (object->Class() == CKO_PRIVATE_KEY && IsPending_inlock(partner)) {
      (void)CompletePending_inlock(partner);
    }
  }
  session_objects_.Erase(id);
  return Ok();
}

Result<std::vector<ObjectId>> SoftToken::FindObjects(std::span<const TemplateAttr> match) {
  {
    std::shared_lock lock(mutex_);
    if (CacheCurrent_inlock() && !NeedsCompletion_inlock(match)) return Match_inlock(match);
  }
  std::lock_guard lock(mutex_);
  P11_TRY(Sync_inlock());
  for (ObjectId id : session_objects_.Candidates(match)) {
    if (NeedsCompletion_inlock(id, match)) P11_TRY(CompletePending_inlock(id));
  }
  return Match_inlock(match);
}

// A template naming a value a generated session key still lacks may name one still pending.
bool SoftToken::NeedsCompletion_inlock(ObjectId id, std::span<const TemplateAttr> match) const {
  if (!IsPending_inlock(id)) return false;
  const Object* object = session_objects_.Peek(id)->get();
  return Visible_inlock(*object) &&
         std::ranges::any_of(match, [&](const TemplateAttr& a) { return !object->Has(a.type); });
}

bool SoftToken::NeedsCompletion_inlock(std::span<const TemplateAttr> match) const {
  if (pending_.empty()) return false;
  const std::vector<ObjectId> candidates = session_objects_.Candidates(match);
  return std::ranges::any_of(candidates,
                             [&](ObjectId id) { return NeedsCompletion_inlock(id, match); });
}

Result<std::vector<ObjectId>> SoftToken::Match_inlock(std::span<const TemplateAttr> match) const {
  // A damaged object might be one the caller is looking for: report, never skip silently.
  if (!corrupt_.empty()) return Fail(CKR_DEVICE_ERROR, "objects fail authentication");
  std::vector<ObjectId> found;
  for (const soft::ObjectCache* cache : {&token_objects_, &session_objects_}) {
    for (ObjectId id : cache->Candidates(match)) {
      const Object& object = **cache->Peek(id);  // read in place, no reference taken
      if (Visible_inlock(object) && policy::Matches(object, match)) found.push_back(id);
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace p11
