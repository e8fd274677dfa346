// RecordStore::Mount: rebuilds the RAM index and sector picture from flash, finishing or
// rolling back whatever a power loss interrupted.
//
// Sectors first. A compaction sector whose complete mark is set retires every sector of its
// `retires` epoch or older; retirements only grow, so the highest one found anywhere decides.
// A live sector is one with a valid header that is not retired and, for a compaction sector,
// is complete. Everything else — a torn header, an incomplete compaction (rolled back), a
// retired sector whose erase was cut (finished), stray bytes — is erased now, before any write
// can land next to it. Then the live sectors are scanned oldest first and each committed
// entry whose value checks is applied by sequence number; a torn or corrupt entry is skipped.
#include "keystore/record_store.h"

namespace hsm {
namespace {

constexpr size_t kChunk = 128;

// Whether a decoded entry's fields describe bytes inside the sector after the entry itself;
// anything else is a corrupt entry, never followed.
bool Plausible(const Entry& e, uint32_t entry_end, size_t sector_size) {
  if (e.seq == UINT64_MAX) return false;
  if (e.kind == EntryKind::kTombstone) return e.len == 0 && e.offset == 0;
  if (e.len > kMaxRecordValue || e.offset % kFlashAlign != 0) return false;
  if (e.offset < entry_end) return false;
  return static_cast<uint64_t>(e.offset) + e.len <= sector_size;
}

}  // namespace

Status RecordStore::Mount() {
  mounted_ = false;
  index_.Clear();
  next_seq_ = 1;
  Status s = CheckGeometry();
  if (!Ok(s)) return s;
  layout_.Reset(flash_.sector_size(), flash_.sector_count());

  uint32_t retired = 0;
  bool any_retired = false;
  s = FindRetiredEpoch(&retired, &any_retired);
  if (!Ok(s)) return s;
  s = ClassifySectors(any_retired ? retired : 0);
  if (!Ok(s)) return s;

  // Oldest first, so that for each id the versions are met in the order they were written.
  uint8_t order[kMaxSectors];
  size_t live = 0;
  for (size_t sector = 0; sector < layout_.sector_count(); ++sector) {
    if (layout_.at(sector).state != SectorState::kLive) continue;
    size_t at = live++;
    while (at > 0 && layout_.at(order[at - 1]).epoch > layout_.at(sector).epoch) {
      order[at] = order[at - 1];
      --at;
    }
    order[at] = static_cast<uint8_t>(sector);
  }
  for (size_t i = 0; i < live; ++i) {
    s = ScanSector(order[i]);
    if (!Ok(s)) return s;
  }
  for (size_t i = 0; i < index_.size(); ++i) layout_.AddLive(index_[i].sector, index_[i].len);
  s = CheckHeadGap();
  if (!Ok(s)) return s;
  mounted_ = true;
  return Status::kOk;
}

Status RecordStore::FindRetiredEpoch(uint32_t* retired, bool* any) {
  uint8_t raw[kSectorHeaderSize];
  for (size_t sector = 0; sector < layout_.sector_count(); ++sector) {
    Status s = flash_.Read(Address(sector, 0), raw);
    if (!Ok(s)) return s;
    SectorHeader header;
    std::span<const uint8_t, kSectorHeaderSize> bytes(raw);
    if (!DecodeSectorHeader(bytes.first<kSectorHeaderBodySize>(), &header)) continue;
    if (header.kind != SectorKind::kCompaction || header.retires >= header.epoch) continue;
    if (!MarkIsSet(bytes.subspan<kSectorHeaderBodySize, kMarkSize>())) continue;
    if (!*any || header.retires > *retired) *retired = header.retires;
    *any = true;
  }
  return Status::kOk;
}

// `retired`: sectors of this epoch or older are garbage (0 when nothing was retired: epochs
// start at 1).
Status RecordStore::ClassifySectors(uint32_t retired) {
  uint8_t raw[kSectorHeaderSize];
  uint8_t chunk[kChunk];
  const size_t size = layout_.sector_size();
  for (size_t sector = 0; sector < layout_.sector_count(); ++sector) {
    Status s = flash_.Read(Address(sector, 0), raw);
    if (!Ok(s)) return s;
    SectorHeader h;
    std::span<const uint8_t, kSectorHeaderSize> bytes(raw);
    bool ours = DecodeSectorHeader(bytes.first<kSectorHeaderBodySize>(), &h) &&
                h.sector_size == size && h.sector_count == layout_.sector_count() &&
                h.epoch > retired && h.epoch != kNoEpoch;
    if (ours && h.kind == SectorKind::kCompaction) {
      ours = h.retires < h.epoch && MarkIsSet(bytes.subspan<kSectorHeaderBodySize, kMarkSize>());
    }
    if (ours) {
      layout_.SetLive(sector, h.epoch, kSectorHeaderSize, static_cast<uint32_t>(size));
      continue;
    }
    bool erased = true;
    for (size_t at = 0; at < size && erased; at += kChunk) {
      size_t n = size - at < kChunk ? size - at : kChunk;
      s = flash_.Read(Address(sector, at), std::span<uint8_t>(chunk, n));
      if (!Ok(s)) return s;
      erased = IsErased(std::span<const uint8_t>(chunk, n));
    }
    if (erased) {
      layout_.SetUnused(sector, SectorState::kErased);
    } else {
      s = EraseSector(sector);
      if (!Ok(s)) return s;
    }
  }
  return Status::kOk;
}

Status RecordStore::ScanSector(size_t sector) {
  const size_t size = layout_.sector_size();
  uint32_t pos = kSectorHeaderSize;
  uint32_t data_low = static_cast<uint32_t>(size);
  uint8_t raw[kEntrySize];
  while (pos + kEntrySize <= data_low) {
    Status s = flash_.Read(Address(sector, pos), raw);
    if (!Ok(s)) return s;
    if (IsErased(raw)) break;
    pos += kEntrySize;
    Entry e;
    std::span<const uint8_t, kEntrySize> bytes(raw);
    if (!DecodeEntry(bytes.first<kEntryBodySize>(), &e) || !Plausible(e, pos, size)) continue;
    if (e.seq >= next_seq_) next_seq_ = e.seq + 1;
    if (e.kind == EntryKind::kValue && e.offset < data_low) data_low = e.offset;
    if (!MarkIsSet(bytes.subspan<kEntryBodySize, kMarkSize>())) continue;
    if (e.kind == EntryKind::kValue) {
      bool intact = false;
      s = VerifyValue(sector, e.offset, e, &intact);
      if (!Ok(s)) return s;
      if (!intact) continue;
    }
    ApplyEntry(sector, e);
  }
  SectorInfo& info = layout_.at(sector);
  info.dir_end = pos;
  info.data_low = data_low;
  return Status::kOk;
}

void RecordStore::ApplyEntry(size_t sector, const Entry& entry) {
  size_t i = index_.LowerBound(entry.id);
  bool present = i < index_.size() && index_[i].id == entry.id;
  if (present && index_[i].seq >= entry.seq) return;
  if (entry.kind == EntryKind::kTombstone) {
    if (present) index_.EraseAt(i);
    return;
  }
  RecordSlot slot;
  slot.seq = entry.seq;
  slot.id = entry.id;
  slot.offset = entry.offset;
  slot.len = entry.len;
  slot.record_crc = entry.record_crc;
  slot.sector = static_cast<uint16_t>(sector);
  // A full index only happens with an image this store did not write: the extra ids are left
  // out rather than refusing the whole flash.
  (void)index_.Upsert(slot);
}

// Appends go only to the head, right after its directory: that gap must be erased. A torn
// entry or stray bytes there seal the head, and the next write opens a new sector.
Status RecordStore::CheckHeadGap() {
  int head = layout_.head();
  if (head < 0) return Status::kOk;
  SectorInfo& info = layout_.at(static_cast<size_t>(head));
  if (info.data_low < info.dir_end) {
    info.sealed = true;
    return Status::kOk;
  }
  uint8_t chunk[kChunk];
  for (uint32_t at = info.dir_end; at < info.data_low;) {
    size_t n = info.data_low - at < kChunk ? info.data_low - at : kChunk;
    Status s = flash_.Read(Address(static_cast<size_t>(head), at), std::span<uint8_t>(chunk, n));
    if (!Ok(s)) return s;
    if (!IsErased(std::span<const uint8_t>(chunk, n))) {
      info.sealed = true;
      break;
    }
    at += static_cast<uint32_t>(n);
  }
  return Status::kOk;
}

}  // namespace hsm
