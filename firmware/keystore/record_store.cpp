// RecordStore's public operations: Format, Get, Put, Remove and the index queries. Mount is in
// record_store_mount.cpp, the flash writes and compaction in record_store_write.cpp.
#include "keystore/record_store.h"

#include "protocol/crc32c.h"
#include "support/secret_array.h"

namespace hsm {

RecordStore::RecordStore(Flash& flash) : flash_(flash) {}

Status RecordStore::CheckGeometry() const {
  const size_t size = flash_.sector_size();
  const size_t count = flash_.sector_count();
  if (size % kFlashAlign != 0 || size < kMinSectorSize || size > 0x7FFFFFF8u) {
    return Status::kFlashError;
  }
  if (count < 2 || count > kMaxSectors || size > SIZE_MAX / count) return Status::kFlashError;
  return Status::kOk;
}

Status RecordStore::Format() {
  mounted_ = false;
  index_.Clear();
  next_seq_ = 1;
  Status s = CheckGeometry();
  if (!Ok(s)) return s;
  layout_.Reset(flash_.sector_size(), flash_.sector_count());
  for (size_t sector = 0; sector < layout_.sector_count(); ++sector) {
    s = EraseSector(sector);
    if (!Ok(s)) return s;
  }
  mounted_ = true;
  return Status::kOk;
}

Status RecordStore::Put(uint32_t id, std::span<const uint8_t> value) {
  if (!mounted_) return Status::kBadState;
  if (value.size() > kMaxRecordValue) return Status::kTooLarge;
  if (next_seq_ == UINT64_MAX) return Status::kNoSpace;  // only a crafted image gets here
  const RecordSlot* old = index_.Find(id);
  if (old == nullptr && index_.full()) return Status::kNoSpace;
  const size_t need = RecordSize(value.size());
  // Play it on a copy first: the record, then room left for one tombstone so that a Remove
  // can always be written. Nothing is copied or erased for a write that cannot succeed.
  plan_ = layout_;
  plan_.Follow(old != nullptr ? old->sector : -1);
  if (!Ok(MakeRoom(plan_, need, /*dry_run=*/true))) return Status::kNoSpace;
  plan_.PlanAppend(value.size());
  if (old != nullptr) plan_.RemoveLive(static_cast<size_t>(plan_.followed()), old->len);
  if (!Ok(MakeRoom(plan_, kEntrySize, /*dry_run=*/true))) return Status::kNoSpace;
  Status s = MakeRoom(layout_, need, /*dry_run=*/false);
  if (!Ok(s)) return s;
  return Append(EntryKind::kValue, id, value);
}

Status RecordStore::Get(uint32_t id, std::span<uint8_t> out, size_t* len) {
  if (!mounted_) return Status::kBadState;
  if (len == nullptr) return Status::kParamInvalid;
  const RecordSlot* slot = index_.Find(id);
  if (slot == nullptr) {
    *len = 0;
    return Status::kKeyNotFound;
  }
  *len = slot->len;
  if (out.size() < slot->len) return Status::kTooLarge;
  std::span<uint8_t> dst = out.first(slot->len);
  Status s = flash_.Read(Address(slot->sector, slot->offset), dst);
  // A value that rotted since it was checked is not returned, not even in part.
  if (Ok(s) && wire::Crc32c(dst, RecordCrcSeed(EntryFor(*slot))) != slot->record_crc) {
    s = Status::kFlashError;
  }
  if (!Ok(s)) SecureZero(dst.data(), dst.size());
  return s;
}

Status RecordStore::Remove(uint32_t id) {
  if (!mounted_) return Status::kBadState;
  if (index_.Find(id) == nullptr) return Status::kKeyNotFound;
  if (next_seq_ == UINT64_MAX) return Status::kNoSpace;
  plan_ = layout_;
  if (!Ok(MakeRoom(plan_, kEntrySize, /*dry_run=*/true))) return Status::kNoSpace;
  Status s = MakeRoom(layout_, kEntrySize, /*dry_run=*/false);
  if (!Ok(s)) return s;
  return Append(EntryKind::kTombstone, id, {});
}

bool RecordStore::Contains(uint32_t id) const { return mounted_ && index_.Find(id) != nullptr; }

size_t RecordStore::List(uint32_t after, std::span<uint32_t> out, bool* more) const {
  size_t n = 0;
  size_t i = (after == UINT32_MAX) ? index_.size() : index_.LowerBound(after + 1);
  if (!mounted_) i = index_.size();
  for (; i < index_.size() && n < out.size(); ++i) out[n++] = index_[i].id;
  if (more != nullptr) *more = i < index_.size();
  return n;
}

size_t RecordStore::count() const { return mounted_ ? index_.size() : 0; }

size_t RecordStore::free_bytes() const {
  if (!mounted_) return 0;
  // One sector stays erased for compaction; what remains holds the live records, the entry
  // of the new record and the tombstone room Put keeps.
  const size_t usable = (layout_.sector_count() - 1) * (layout_.sector_size() - kSectorHeaderSize);
  const size_t taken = layout_.LiveBytes() + 2 * kEntrySize;
  return usable > taken ? usable - taken : 0;
}

size_t RecordStore::Address(size_t sector, size_t offset) const {
  return sector * layout_.sector_size() + offset;
}

Entry RecordStore::EntryFor(const RecordSlot& slot) {
  Entry entry;
  entry.kind = EntryKind::kValue;
  entry.id = slot.id;
  entry.seq = slot.seq;
  entry.len = slot.len;
  entry.offset = slot.offset;
  entry.record_crc = slot.record_crc;
  return entry;
}

}  // namespace hsm
