// ObjectStore: the device's objects. Token objects (kFlagToken) are records in the
// RecordStore; session objects live in a fixed RAM table and vanish at a USB reset. Both hold
// the same record layout (core/records.h) with the secret part sealed under the storage key,
// so neither flash nor RAM ever holds a plaintext key outside the moment of use. Ids come
// from one counter persisted in blocks and are never reused in the device's lifetime.
// Visibility is decided here once: a private object is absent (kKeyNotFound) unless the user
// is logged in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/device_keys.h"
#include "core/records.h"
#include "keystore/record_store.h"
#include "protocol/status.h"
#include "protocol/types.h"
#include "support/secret_array.h"
#include "workers/crypto_port.h"

namespace hsm {

inline constexpr size_t kMaxSessionObjects = wire::kPortCapacities.session_objects;
static_assert(kMaxSessionObjects >= 1, "a port holds at least one session object");

// A decoded object record; the spans point into the ObjectSlot that loaded it.
struct ObjectView {
  wire::KeyId id = wire::kNoKey;
  wire::ObjectKind kind = wire::ObjectKind::kData;
  wire::KeyType type = wire::KeyType::kNone;
  uint32_t flags = 0;
  uint16_t secret_length = 0;
  std::span<const uint8_t> public_value;
  std::span<const uint8_t> attrs;
  std::span<const uint8_t> sealed;
  bool has(uint32_t flag) const { return (flags & flag) == flag; }
};

// Holds one loaded record (a few KiB: a member of a long-lived object, never a local).
class ObjectSlot {
 public:
  const ObjectView& view() const { return view_; }

 private:
  friend class ObjectStore;
  ByteArray<kMaxRecordValue> bytes_;
  ObjectView view_;
};

// What a new object is made of; `secret` is sealed on the way in (nullptr: none).
struct NewObject {
  wire::ObjectKind kind = wire::ObjectKind::kData;
  wire::KeyType type = wire::KeyType::kNone;
  uint32_t flags = 0;
  uint16_t secret_length = 0;
  std::span<const uint8_t> public_value;
  std::span<const uint8_t> attrs;
  const KeyBlob* secret = nullptr;
};

class ObjectStore {
 public:
  ObjectStore(RecordStore& records, DeviceKeys& keys) : records_(records), keys_(keys) {}
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // Reads the id counter (never below an id already in flash); drops session objects.
  Status Mount();

  // kKeyNotFound for an id that is not an object or is private while the user is out.
  Status Load(wire::KeyId id, bool user_in, ObjectSlot& slot);
  // The object's secret, unsealed (kCryptoError when the seal does not check).
  Status OpenSecret(const ObjectView& object, KeyBlob& secret);
  // kNoSpace when the key store or the session table is full.
  Status Create(const NewObject& object, wire::KeyId* id);
  // New flags and attributes for a loaded object; the sealed secret is kept as it is.
  Status Update(const ObjectSlot& slot, uint32_t flags, std::span<const uint8_t> attrs);
  Status Destroy(wire::KeyId id);
  // Visible object ids greater than `after`, ascending, up to out.size(); *more if others.
  Status List(wire::KeyId after, bool user_in, std::span<wire::KeyId> out, size_t* count,
              bool* more);
  // Every object, token and session (InitToken).
  Status DestroyAll();
  void DropSessionObjects();

  size_t token_objects() const;
  size_t free_token_objects() const;

 private:
  struct SessionObject {
    wire::KeyId id = wire::kNoKey;
    ByteArray<kMaxRecordValue> record;
  };
  static bool IsObjectId(wire::KeyId id) { return id != wire::kNoKey && id < kFirstReservedId; }
  SessionObject* FindSession(wire::KeyId id);
  Status ReadRecord(wire::KeyId id, ObjectSlot& slot);
  Status Decode(wire::KeyId id, ObjectSlot& slot);
  Status AllocateId(wire::KeyId* id);
  Status Write(wire::KeyId id, bool token, bool is_new, std::span<const uint8_t> record);
  wire::KeyId NextId(wire::KeyId after) const;
  wire::KeyId HighestTokenId() const;

  RecordStore& records_;
  DeviceKeys& keys_;
  SessionObject session_[kMaxSessionObjects];
  ObjectSlot scan_;                      // List reads each candidate's flags through it
  ByteArray<kMaxRecordValue> building_;  // the record being written
  ByteArray<kMaxSealed> sealed_;         // a secret just sealed
  wire::KeyId next_id_ = 1;
  wire::KeyId id_limit_ = 1;  // ids below this are reserved in flash
};

}  // namespace hsm
