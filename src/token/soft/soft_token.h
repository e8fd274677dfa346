// SoftToken: the software token backend. Token objects live in the shared SQLite store
// (sealed by SealedStore), session objects only in memory; both are served from an in-memory
// cache that is reloaded when another process changed this token (the WAL-index header, then
// PRAGMA data_version, then the token row's generation). Keys used once stay in a key cache as
// ready KeyMaterial until the key changes, the cache reloads or the user logs out.
//
// Implementation split by concern: soft_token.cpp (lifecycle, PINs, status),
// soft_token_objects.cpp (object storage, cache, find), soft_token_crypto.cpp (key cache,
// operations, key generation, random).
//
// Locking (order: write_mutex_ → mutex_ → SqliteDb's mutex): mutex_ guards the in-memory
// state and is held only for memory work and the reads that sync the cache, not across a
// disk flush or a PIN's key derivation, so one session's C_CreateObject or C_Login does not
// stall another's C_SignInit (C_InitToken holds it throughout: no session is open then).
// Lookups that find the cache current (an object, a ready key) hold it shared, so sessions
// using the token's keys at once do not queue on it; a lookup that must change the cache (a
// reload after another process's commit, a pending session key completed, a key built)
// drops it and takes it exclusively.
// A token-object write takes what it needs under mutex_, runs its transaction without it,
// and records the result under it again; write_mutex_ keeps this instance's writes, and a
// re-initialisation that changes how they are sealed, one at a time. Crypto (key parsing,
// signing, key generation) runs without either.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "common/config.h"
#include "common/striped_shared_mutex.h"
#include "token/soft/object_cache.h"
#include "token/soft/pin_wrap.h"
#include "token/soft/sealed_store.h"
#include "token/soft/sqlite_db.h"
#include "token/token_backend.h"

namespace p11 {

// A commit of this instance to its token's objects: the generation it gave the token, and
// the store as it stood right after.
struct OwnCommit {
  int64_t generation = 0;
  Transaction::AfterCommit after;
};

class SoftToken : public TokenBackend {
 public:
  // Session objects get ids with this bit set; token objects' ids are their row ids.
  static constexpr ObjectId kSessionObjectBit = ObjectId{1} << 63;
  static constexpr const char* kModel = "SoftToken";

  // `row_id` 0 makes a blank token, whose InitToken creates the row.
  SoftToken(std::shared_ptr<SqliteDb> db, const Config& config, const Registry& mechanisms,
            int64_t row_id, CK_SLOT_ID slot_id);
  ~SoftToken() override;

  CK_SLOT_ID slot_id() const;
  int64_t row_id() const;
  // The store deleted this token: every later call fails with CKR_TOKEN_NOT_PRESENT.
  void Detach();
  // How many times a KeyMaterial was built from a key object (tests check cache reuse).
  size_t key_material_builds() const { return key_material_builds_.load(); }

  const Registry& Mechanisms() const override { return mechanisms_; }
  Result<TokenStatus> Status() override;
  Result<void> InitToken(SecretView so_pin, std::string_view label) override;
  Result<void> Login(CK_USER_TYPE who, SecretView pin) override;
  void Logout() override;
  Result<void> InitPin(SecretView new_pin) override;
  Result<void> SetPin(CK_USER_TYPE who, SecretView old_pin, SecretView new_pin) override;

  Result<ObjectId> CreateObject(Object object) override;
  Result<std::shared_ptr<const Object>> GetObject(ObjectId id) override;
  Result<std::shared_ptr<const Object>> GetObjectForChecks(ObjectId id) override;
  Result<void> CheckObject(ObjectId id, ObjectCheck check) override;
  Result<void> UpdateObject(ObjectId id, Object object) override;
  Result<void> DestroyObject(ObjectId id) override;
  Result<std::vector<ObjectId>> FindObjects(std::span<const TemplateAttr> match) override;

  Result<std::unique_ptr<SignOperation>> BeginSign(const Mechanism& mechanism, ByteView param,
                                                   ObjectId key) override;
  Result<std::unique_ptr<VerifyOperation>> BeginVerify(const Mechanism& mechanism, ByteView param,
                                                       ObjectId key) override;
  Result<std::unique_ptr<CipherOperation>> BeginEncrypt(const Mechanism& mechanism, ByteView param,
                                                        ObjectId key) override;
  Result<std::unique_ptr<CipherOperation>> BeginDecrypt(const Mechanism& mechanism, ByteView param,
                                                        ObjectId key) override;
  Result<ObjectId> GenerateKey(const Mechanism& mechanism, ByteView param, Object key) override;
  Result<std::pair<ObjectId, ObjectId>> GenerateKeyPair(const Mechanism& mechanism, ByteView param,
                                                        Object pub, Object priv) override;
  Result<std::unique_ptr<SignOperation>> BeginSignRecover(const Mechanism& mechanism,
                                                          ByteView param, ObjectId key) override;
  Result<std::unique_ptr<RecoverOperation>> BeginVerifyRecover(const Mechanism& mechanism,
                                                               ByteView param,
                                                               ObjectId key) override;
  Result<std::unique_ptr<MessageCipherOperation>> BeginMessageEncrypt(const Mechanism& mechanism,
                                                                      ByteView param,
                                                                      ObjectId key) override;
  Result<std::unique_ptr<MessageCipherOperation>> BeginMessageDecrypt(const Mechanism& mechanism,
                                                                      ByteView param,
                                                                      ObjectId key) override;
  Result<ObjectId> DeriveKey(const Mechanism& mechanism, ByteView param, ObjectId base,
                             std::optional<ObjectId> other, Object derived) override;
  Result<std::vector<ObjectId>> DeriveKeys(const Mechanism& mechanism, ByteView param,
                                           ObjectId base, std::vector<Object> keys) override;
  Result<void> WrapKey(const Mechanism& mechanism, ByteView param, ObjectId wrapping, ObjectId key,
                       OutBuffer& out) override;
  Result<ObjectId> UnwrapKey(const Mechanism& mechanism, ByteView param, ObjectId unwrapping,
                             ByteView wrapped, Object key) override;
  Result<void> GenerateRandom(std::span<uint8_t> out) override;
  Result<void> SeedRandom(ByteView seed) override;

 private:
  static bool IsSessionId(ObjectId id) { return (id & kSessionObjectBit) != 0; }
  Result<void> CheckNewPin(SecretView pin) const;

  // soft_token.cpp
  Result<void> RequireRow_inlock() const;
  // A PIN that opened the master key of token row `row_id`, and that token's uuid.
  struct VerifiedPin {
    SecureBuffer master_key;
    std::vector<uint8_t> uuid;
  };
  Result<VerifiedPin> VerifyPin(int64_t row_id, soft::PinRole role, SecretView pin) const;
  Result<std::optional<VerifiedPin>> TryVerifyPin(int64_t row_id, soft::PinRole role,
                                                  SecretView pin) const;
  Result<void> CreateRow_inlock(SecretView so_pin, const std::string& label);
  Result<void> ResetRow_inlock(SecretView so_pin, const std::string& label);
  void Lock_inlock();
  void Forget_inlock();

  // soft_token_objects.cpp
  Result<void> Sync_inlock();
  Result<void> SyncWithStore_inlock();
  void Rebuild_inlock(std::vector<soft::ObjectRow> rows);
  bool Visible_inlock(const Object& object) const;
  // What a lookup needs of the object: kWhole completes a generated session key whose derived
  // values are still pending (GenerateKeyPair); kChecks takes it as it stands, its class, key
  // type and flags being there from the start.
  enum class Need { kWhole, kChecks };
  Result<std::shared_ptr<const Object>> Find_inlock(ObjectId id, Need need = Need::kWhole);
  // The cache's pointer to an object, for a lookup under the token lock that reads the object
  // there: no reference is taken, so an object several threads use at once does not have its
  // reference count written by each of them on every call.
  using CachedRef = const std::shared_ptr<const Object>*;
  // Find_inlock for a holder of the shared lock, without the reference: the answer the cache
  // gives as it stands, or nullopt when the lookup must change the cache first (a reload, a
  // pending completion).
  std::optional<Result<CachedRef>> PeekShared_inlock(ObjectId id, Need need) const;
  // `use` (returning a Result) applied to the object, under the shared lock when
  // PeekShared_inlock answers, else after Find_inlock under the exclusive one; its result, or
  // the lookup's error.
  template <class Use>
  std::invoke_result_t<Use, const std::shared_ptr<const Object>&> WithObject(ObjectId id, Need need,
                                                                             Use&& use);
  // WithObject handing out the object.
  Result<std::shared_ptr<const Object>> Find(ObjectId id, Need need);
  // Whether the token objects in memory are the store's as it stands: nothing to reload.
  bool CacheCurrent_inlock() const;
  // The visible object under `id` in memory (no store check, no completion); without the
  // reference.
  Result<std::shared_ptr<const Object>> FindCached_inlock(ObjectId id) const;
  Result<CachedRef> PeekCached_inlock(ObjectId id) const;
  // FindObjects' parts. Whether session object `id`, or any candidate for `match`, is a
  // generated key whose pending values the template may name (a search then completes it);
  // and the visible objects matching `match` as the cache stands.
  bool NeedsCompletion_inlock(ObjectId id, std::span<const TemplateAttr> match) const;
  bool NeedsCompletion_inlock(std::span<const TemplateAttr> match) const;
  Result<std::vector<ObjectId>> Match_inlock(std::span<const TemplateAttr> match) const;
  // The object in memory under `id` as it stands, without a store check or visibility rule.
  std::shared_ptr<const Object> Cached_inlock(ObjectId id) const {
    return IsSessionId(id) ? session_objects_.Get(id) : token_objects_.Get(id);
  }
  CachedRef Peek_inlock(ObjectId id) const {
    return IsSessionId(id) ? session_objects_.Peek(id) : token_objects_.Peek(id);
  }
  // What a token-object write takes from the locked state before its transaction runs
  // without the lock: the token row, and the sealing keys for objects whose ids (which the
  // sealing binds) the insert assigns.
  struct WriteContext {
    int64_t row_id = 0;
    soft::SealedStore sealer;
  };
  Result<WriteContext> BeginWrite_inlock() const;
  // Inserts the token objects among `objects` in one transaction, setting their `ids`.
  Result<OwnCommit> InsertTokenObjects(const WriteContext& write, std::span<const Object> objects,
                                       std::span<ObjectId> ids) const;
  // Records this instance's own commit; returns whether the cache is to take the change
  // itself (otherwise it has it already, or reloads).
  bool NoteOwnCommit_inlock(const OwnCommit& commit);
  // The two halves of a generated session key pair stored before the values that derive from
  // the key; `partner` is the other half's id.
  struct PendingValues {
    std::shared_ptr<const KeyMaterial> key;
    const Mechanism* mechanism = nullptr;
    ObjectId partner = 0;
  };
  // Adds the pending values to session object `id` and to its partner if that still exists,
  // replacing both in the cache; returns `id` completed.
  Result<std::shared_ptr<const Object>> CompletePending_inlock(ObjectId id);
  // Whether session object `id` still waits for its derived values (cheap when none does).
  bool IsPending_inlock(ObjectId id) const { return !pending_.empty() && pending_.count(id) != 0; }
  // Drops every session object, and with them what was pending.
  void ClearSessionObjects_inlock();
  // Stores each object (token objects in one transaction) and caches it, taking the objects
  // over; `ids[i]` is then the id of `objects[i]`. On failure nothing is stored. With `pending`,
  // the objects are a generated pair of session objects (public, private) still to complete.
  Result<void> StoreAll(std::span<Object> objects, std::span<ObjectId> ids,
                        const PendingValues* pending = nullptr);
  Result<ObjectId> StoreOne(Object object);
  Result<void> DestroySessionObject(ObjectId id);
  Result<void> SetNextUniqueId_inlock(Object& object);

  // soft_token_crypto.cpp
  Result<std::shared_ptr<const KeyMaterial>> KeyFor(const Mechanism& mechanism, ObjectId id);
  // KeyFor's answer from the key cache once the key's object was looked up (null
  // `lookup_failure`: found): the lookup's error as a key function reports it, or the ready
  // key; nullopt when none is ready.
  std::optional<Result<std::shared_ptr<const KeyMaterial>>> CachedKey_inlock(
      ObjectId id, const Error* lookup_failure) const;
  // soft_token_profiles.cpp
  void AddProfileObjects_inlock();

  const std::shared_ptr<SqliteDb> db_;
  const Config config_;
  const Registry& mechanisms_;
  std::atomic<size_t> key_material_builds_{0};

  std::mutex write_mutex_;
  // Its lines are its own, with the state it guards after them: every key lookup takes it,
  // and the read-only members above must not move between cores with it.
  alignas(64) mutable StripedSharedMutex mutex_;
  int64_t row_id_;
  CK_SLOT_ID slot_id_;
  std::vector<uint8_t> uuid_;
  bool detached_ = false;
  std::optional<CK_USER_TYPE> login_;
  soft::SealedStore sealed_;

  soft::ObjectCache token_objects_;
  soft::ObjectCache session_objects_;
  // Public objects loaded without their sealed attributes (logged out), and objects whose
  // sealed attributes failed to authenticate.
  std::unordered_set<ObjectId> withheld_;
  std::unordered_set<ObjectId> corrupt_;
  bool loaded_ = false;
  uint64_t synced_call_ = 0;  // the call (CurrentCallId) that last synced with the store
  std::optional<SqliteDb::WalStamp> status_stamp_;  // WAL-index header when status_cache_ was read
  std::optional<TokenStatus> status_cache_;
  std::optional<SqliteDb::WalStamp> seen_stamp_;  // WAL-index header at the last full check
  int64_t seen_data_version_ = -1;
  int64_t seen_generation_ = -1;
  ObjectId next_session_id_ = 1;
  std::vector<uint8_t> unique_prefix_;  // CKA_UNIQUE_ID: random per instance, then a count
  uint64_t unique_count_ = 0;

  std::unordered_map<ObjectId, std::shared_ptr<const KeyMaterial>> keys_;
  std::unordered_map<ObjectId, PendingValues> pending_;  // session objects not yet complete
};

}  // namespace p11
