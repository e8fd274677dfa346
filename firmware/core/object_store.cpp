#include "core/object_store.h"

#include "core/key_types.h"
#include "protocol/message.h"

namespace hsm {
namespace {

// Ids are reserved in flash this many at a time: one counter write per block instead of one
// per object, and after a restart the next block starts above anything handed out before.
constexpr wire::KeyId kIdBlock = 16;
constexpr size_t kScanBatch = 16;

bool IsReserved(uint32_t id) { return id >= kFirstReservedId; }

}  // namespace

Status ObjectStore::Mount() {
  DropSessionObjects();
  uint8_t buf[wire::MaxEncodedSize<IdCounterRecord>()];
  size_t len = 0;
  wire::KeyId limit = 1;
  Status s = records_.Get(kIdCounterRecordId, buf, &len);
  if (Ok(s)) {
    IdCounterRecord record;
    if (!Ok(wire::DecodeMessage(std::span<const uint8_t>(buf, len), record)) ||
        record.format != kRecordFormat || !IsObjectId(record.limit)) {
      return Status::kFlashError;
    }
    limit = record.limit;
  } else if (s != Status::kKeyNotFound) {
    return s;
  }
  // Never below an object already stored, whatever the counter says.
  wire::KeyId highest = HighestTokenId();
  if (highest >= limit) limit = highest + 1;
  next_id_ = id_limit_ = limit;
  return Status::kOk;
}

wire::KeyId ObjectStore::HighestTokenId() const {
  wire::KeyId highest = wire::kNoKey;
  uint32_t ids[kScanBatch];
  uint32_t after = 0;
  bool more = true;
  while (more) {
    size_t n = records_.List(after, ids, &more);
    if (n == 0) break;
    for (size_t i = 0; i < n; ++i) {
      if (IsObjectId(ids[i])) highest = ids[i];
    }
    after = ids[n - 1];
    if (IsReserved(after)) break;
  }
  return highest;
}

void ObjectStore::DropSessionObjects() {
  for (SessionObject& object : session_) {
    object.id = wire::kNoKey;
    object.record.clear();
  }
}

ObjectStore::SessionObject* ObjectStore::FindSession(wire::KeyId id) {
  for (SessionObject& object : session_) {
    if (object.id == id) return &object;
  }
  return nullptr;
}

Status ObjectStore::ReadRecord(wire::KeyId id, ObjectSlot& slot) {
  if (!IsObjectId(id)) return Status::kKeyNotFound;
  if (SessionObject* object = FindSession(id)) {
    slot.bytes_.assign(object->record.span());
    return Status::kOk;
  }
  size_t len = 0;
  Status s = records_.Get(id, slot.bytes_.capacity_span(), &len);
  if (!Ok(s)) return s;
  slot.bytes_.resize(len);
  return Status::kOk;
}

Status ObjectStore::Decode(wire::KeyId id, ObjectSlot& slot) {
  ObjectRecord record;
  if (!Ok(wire::DecodeMessage(slot.bytes_.span(), record)) || record.format != kRecordFormat ||
      !ValidKind(record.kind) || !KindFitsType(record.kind, record.type) ||
      !KnownFlags(record.flags)) {
    return Status::kFlashError;
  }
  ObjectView& view = slot.view_;
  view.id = id;
  view.kind = record.kind;
  view.type = record.type;
  view.flags = record.flags;
  view.secret_length = record.secret_length;
  view.public_value = record.public_value.span();
  view.attrs = record.attrs.span();
  view.sealed = record.sealed.span();
  return Status::kOk;
}

Status ObjectStore::Load(wire::KeyId id, bool user_in, ObjectSlot& slot) {
  slot.view_ = ObjectView{};
  Status s = ReadRecord(id, slot);
  if (Ok(s)) s = Decode(id, slot);
  if (Ok(s) && slot.view_.has(wire::kFlagPrivate) && !user_in) s = Status::kKeyNotFound;
  if (!Ok(s)) slot.view_ = ObjectView{};
  return s;
}

Status ObjectStore::OpenSecret(const ObjectView& object, KeyBlob& secret) {
  if (object.sealed.empty()) return Status::kKeyTypeInconsistent;  // no secret part
  return keys_.OpenObject(object.id, object.kind, object.type, object.sealed, secret);
}

Status ObjectStore::AllocateId(wire::KeyId* id) {
  if (next_id_ == id_limit_) {
    wire::KeyId room = kFirstReservedId - id_limit_;
    if (room == 0) return Status::kNoSpace;  // 4 billion ids used: the device is spent
    IdCounterRecord record;
    record.limit = id_limit_ + (room < kIdBlock ? room : kIdBlock);
    uint8_t buf[wire::MaxEncodedSize<IdCounterRecord>()];
    Status s;
    size_t len = wire::EncodeMessage(record, buf, &s);
    if (!Ok(s)) return Status::kInternal;
    s = records_.Put(kIdCounterRecordId, std::span<const uint8_t>(buf, len));
    if (!Ok(s)) return s;
    id_limit_ = record.limit;
  }
  *id = next_id_++;
  return Status::kOk;
}

Status ObjectStore::Create(const NewObject& object, wire::KeyId* id) {
  bool token = (object.flags & wire::kFlagToken) != 0;
  if (token ? free_token_objects() == 0 : FindSession(wire::kNoKey) == nullptr) {
    return Status::kNoSpace;
  }
  wire::KeyId new_id = wire::kNoKey;
  Status s = AllocateId(&new_id);
  if (!Ok(s)) return s;
  sealed_.clear();
  if (object.secret != nullptr) {
    size_t n = 0;
    s = keys_.SealObject(new_id, object.kind, object.type, *object.secret, sealed_.capacity_span(),
                         &n);
    if (!Ok(s)) return s;
    sealed_.resize(n);
  }
  ObjectRecord record;
  record.kind = object.kind;
  record.type = object.type;
  record.flags = object.flags;
  record.secret_length = object.secret_length;
  record.public_value = object.public_value;
  record.attrs = object.attrs;
  record.sealed = sealed_.span();
  size_t len = wire::EncodeMessage(record, building_.capacity_span(), &s);
  if (!Ok(s)) return Status::kTooLarge;
  building_.resize(len);
  s = Write(new_id, token, true, building_.span());
  if (Ok(s)) *id = new_id;
  return s;
}

Status ObjectStore::Update(const ObjectSlot& slot, uint32_t flags, std::span<const uint8_t> attrs) {
  const ObjectView& view = slot.view_;
  ObjectRecord record;
  record.kind = view.kind;
  record.type = view.type;
  record.flags = flags;
  record.secret_length = view.secret_length;
  record.public_value = view.public_value;
  record.attrs = attrs;
  record.sealed = view.sealed;
  Status s;
  size_t len = wire::EncodeMessage(record, building_.capacity_span(), &s);
  if (!Ok(s)) return Status::kTooLarge;
  building_.resize(len);
  return Write(view.id, view.has(wire::kFlagToken), false, building_.span());
}

Status ObjectStore::Write(wire::KeyId id, bool token, bool is_new,
                          std::span<const uint8_t> record) {
  if (token) return records_.Put(id, record);
  SessionObject* object = FindSession(is_new ? wire::kNoKey : id);
  if (object == nullptr) return is_new ? Status::kNoSpace : Status::kKeyNotFound;
  object->id = id;
  object->record.assign(record);
  return Status::kOk;
}

Status ObjectStore::Destroy(wire::KeyId id) {
  if (!IsObjectId(id)) return Status::kKeyNotFound;
  if (SessionObject* object = FindSession(id)) {
    object->id = wire::kNoKey;
    object->record.clear();
    return Status::kOk;
  }
  return records_.Remove(id);
}

wire::KeyId ObjectStore::NextId(wire::KeyId after) const {
  uint32_t token_id = 0;
  bool more = false;
  size_t n = records_.List(after, std::span<uint32_t>(&token_id, 1), &more);
  wire::KeyId best = n == 1 && IsObjectId(token_id) ? token_id : wire::kNoKey;
  for (const SessionObject& object : session_) {
    if (object.id > after && (best == wire::kNoKey || object.id < best)) best = object.id;
  }
  return best;
}

Status ObjectStore::List(wire::KeyId after, bool user_in, std::span<wire::KeyId> out, size_t* count,
                         bool* more) {
  *count = 0;
  *more = false;
  for (wire::KeyId id = NextId(after); id != wire::kNoKey; id = NextId(id)) {
    Status s = Load(id, user_in, scan_);
    // Invisible (private) or unreadable records are simply not listed.
    if (s == Status::kKeyNotFound || s == Status::kFlashError) continue;
    if (!Ok(s)) return s;
    if (*count == out.size()) {
      *more = true;
      break;
    }
    out[(*count)++] = id;
  }
  return Status::kOk;
}

Status ObjectStore::DestroyAll() {
  DropSessionObjects();
  uint32_t ids[kScanBatch];
  for (;;) {
    bool more = false;
    size_t n = records_.List(0, ids, &more);
    size_t removed = 0;
    for (size_t i = 0; i < n && IsObjectId(ids[i]); ++i, ++removed) {
      Status s = records_.Remove(ids[i]);
      if (!Ok(s)) return s;
    }
    if (removed == 0) return Status::kOk;
  }
}

size_t ObjectStore::token_objects() const {
  size_t reserved = 0;
  for (uint32_t id : kReservedRecordIds) reserved += records_.Contains(id) ? 1 : 0;
  size_t total = records_.count();
  return total > reserved ? total - reserved : 0;
}

size_t ObjectStore::free_token_objects() const {
  size_t used = token_objects();
  return used < wire::kMaxObjects ? wire::kMaxObjects - used : 0;
}

}  // namespace hsm
