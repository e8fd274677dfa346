// RecordStore's writes: appending a record, opening sectors and compaction.
//
// A record is written entry first, then its value, then the value is read back and checked,
// and only then its commit mark is programmed: a power loss before the mark leaves a version
// Mount ignores, so the id keeps its previous value. Compaction copies the tail's live records
// (same id, sequence number and CRC) into an erased sector whose header names the tail's
// epoch, sets that sector's complete mark, and only then erases the tail: cut before the mark,
// Mount erases the copy (rollback); cut after it, Mount erases the tail (roll forward).
#include "keystore/record_store.h"
#include "protocol/crc32c.h"

namespace hsm {
namespace {

// Values move through RAM in pieces this size, so a 5 KiB record needs no 5 KiB buffer.
constexpr size_t kChunk = 128;

}  // namespace

// Makes the head of `layout` able to take `record_size` bytes: opens an erased sector while
// one besides the compaction spare exists, else compacts the oldest sector into the spare.
// Each sector is compacted at most about once before the loop gives up: a second pass over
// the same sectors would free nothing more.
Status RecordStore::MakeRoom(SectorLayout& layout, size_t record_size, bool dry_run) {
  const size_t rounds = 2 * layout.sector_count() + 2;
  for (size_t round = 0; round < rounds; ++round) {
    if (layout.HeadFits(record_size)) return Status::kOk;
    Status s = layout.UnusedCount() >= 2 ? OpenSector(layout, dry_run) : Compact(layout, dry_run);
    if (!Ok(s)) return s;
  }
  return Status::kNoSpace;
}

Status RecordStore::OpenSector(SectorLayout& layout, bool dry_run) {
  int sector = layout.PickUnused();
  if (sector < 0 || layout.max_epoch() >= kNoEpoch - 1) return Status::kNoSpace;
  if (dry_run) {
    layout.PlanOpen(static_cast<size_t>(sector));
    return Status::kOk;
  }
  const size_t s = static_cast<size_t>(sector);
  if (layout_.at(s).state == SectorState::kDirty) {
    Status st = EraseSector(s);
    if (!Ok(st)) return st;
  }
  Status st = ProgramHeader(s, SectorKind::kPlain, layout_.max_epoch() + 1, kNoEpoch);
  if (!Ok(st)) {
    layout_.SetUnused(s, SectorState::kDirty);
    return st;
  }
  layout_.PlanOpen(s);
  return Status::kOk;
}

Status RecordStore::Compact(SectorLayout& layout, bool dry_run) {
  int tail = layout.Tail();
  int dest = layout.PickUnused();
  // Epochs never wrap (a real store opens a sector far fewer than 2^32 times; a crafted image
  // near the limit simply takes no more writes).
  if (tail < 0 || dest < 0 || layout.max_epoch() >= kNoEpoch - 1) return Status::kNoSpace;
  if (dry_run) {
    layout.PlanCompact(static_cast<size_t>(tail), static_cast<size_t>(dest));
    return Status::kOk;
  }
  return CompactInto(static_cast<size_t>(tail), static_cast<size_t>(dest));
}

Status RecordStore::CompactInto(size_t tail, size_t dest) {
  if (layout_.at(dest).state == SectorState::kDirty) {
    Status s = EraseSector(dest);
    if (!Ok(s)) return s;
  }
  const uint32_t epoch = layout_.max_epoch() + 1;
  Status s = ProgramHeader(dest, SectorKind::kCompaction, epoch, layout_.at(tail).epoch);
  // Until its complete mark is set the copy counts for nothing and must be erased before use.
  layout_.SetUnused(dest, SectorState::kDirty);
  if (!Ok(s)) return s;
  uint32_t dir = kSectorHeaderSize;
  uint32_t data = static_cast<uint32_t>(layout_.sector_size());
  for (size_t i = 0; i < index_.size();) {
    const RecordSlot& slot = index_[i];
    if (slot.sector != tail) {
      ++i;
      continue;
    }
    bool intact = false;
    s = VerifyValue(tail, slot.offset, EntryFor(slot), &intact);
    if (!Ok(s)) return s;
    if (!intact) {  // rotted since it was written: that version is gone, as Mount would find
      index_.EraseAt(i);
      continue;
    }
    data -= static_cast<uint32_t>(AlignUp(slot.len));
    s = CopyRecord(slot, dest, dir, data);
    if (!Ok(s)) return s;
    dir += kEntrySize;
    ++i;
  }
  s = ProgramMark(dest, kSectorHeaderBodySize);
  if (!Ok(s)) return s;
  // The copy is authoritative from here: point the index at it (same order, same offsets as
  // the loop above), then erase the tail.
  layout_.SetUnused(tail, SectorState::kDirty);
  layout_.SetLive(dest, epoch, dir, data);
  uint32_t cursor = static_cast<uint32_t>(layout_.sector_size());
  for (size_t i = 0; i < index_.size(); ++i) {
    RecordSlot& slot = index_[i];
    if (slot.sector != tail) continue;
    cursor -= static_cast<uint32_t>(AlignUp(slot.len));
    slot.sector = static_cast<uint16_t>(dest);
    slot.offset = cursor;
    layout_.AddLive(dest, slot.len);
  }
  return EraseSector(tail);
}

Status RecordStore::CopyRecord(const RecordSlot& slot, size_t dest, uint32_t dir_pos,
                               uint32_t data_pos) {
  Entry entry = EntryFor(slot);
  entry.offset = data_pos;
  Status s = ProgramEntry(dest, dir_pos, entry);
  uint8_t chunk[kChunk];
  for (size_t done = 0; Ok(s) && done < slot.len;) {
    size_t n = slot.len - done < kChunk ? slot.len - done : kChunk;
    std::span<uint8_t> piece(chunk, n);
    s = flash_.Read(Address(slot.sector, slot.offset + done), piece);
    if (Ok(s)) s = flash_.Program(Address(dest, data_pos + done), piece);
    done += n;
  }
  bool intact = false;
  if (Ok(s)) s = VerifyValue(dest, data_pos, entry, &intact);
  if (Ok(s) && !intact) s = Status::kFlashError;
  if (Ok(s)) s = ProgramMark(dest, dir_pos + kEntryBodySize);
  return s;
}

Status RecordStore::Append(EntryKind kind, uint32_t id, std::span<const uint8_t> value) {
  const size_t head = static_cast<size_t>(layout_.head());
  SectorInfo& info = layout_.at(head);
  Entry entry;
  entry.kind = kind;
  entry.id = id;
  entry.seq = next_seq_++;
  entry.len = static_cast<uint32_t>(value.size());
  entry.offset =
      kind == EntryKind::kValue ? info.data_low - static_cast<uint32_t>(AlignUp(value.size())) : 0;
  entry.record_crc = wire::Crc32c(value, RecordCrcSeed(entry));
  // The space is spent whatever happens next; a failure seals the sector against appends.
  const uint32_t dir_pos = info.dir_end;
  info.dir_end += kEntrySize;
  if (kind == EntryKind::kValue) info.data_low = entry.offset;
  Status s = ProgramEntry(head, dir_pos, entry);
  if (Ok(s) && kind == EntryKind::kValue) {
    if (!value.empty()) s = flash_.Program(Address(head, entry.offset), value);
    bool intact = false;
    if (Ok(s)) s = VerifyValue(head, entry.offset, entry, &intact);
    if (Ok(s) && !intact) s = Status::kFlashError;
  }
  if (Ok(s)) s = ProgramMark(head, dir_pos + kEntryBodySize);
  if (!Ok(s)) {
    info.sealed = true;
    return s;
  }
  size_t i = index_.LowerBound(id);
  if (i < index_.size() && index_[i].id == id) {
    layout_.RemoveLive(index_[i].sector, index_[i].len);
    if (kind == EntryKind::kTombstone) index_.EraseAt(i);
  }
  if (kind == EntryKind::kValue) {
    RecordSlot slot;
    slot.seq = entry.seq;
    slot.id = id;
    slot.offset = entry.offset;
    slot.len = entry.len;
    slot.record_crc = entry.record_crc;
    slot.sector = static_cast<uint16_t>(head);
    (void)index_.Upsert(slot);  // Put checked there is room for a new id
    layout_.AddLive(head, value.size());
  }
  return Status::kOk;
}

Status RecordStore::ProgramHeader(size_t sector, SectorKind kind, uint32_t epoch,
                                  uint32_t retires) {
  SectorHeader header;
  header.kind = kind;
  header.epoch = epoch;
  header.retires = retires;
  header.sector_size = static_cast<uint32_t>(layout_.sector_size());
  header.sector_count = static_cast<uint32_t>(layout_.sector_count());
  uint8_t raw[kSectorHeaderBodySize];
  EncodeSectorHeader(header, raw);
  return flash_.Program(Address(sector, 0), raw);
}

Status RecordStore::ProgramEntry(size_t sector, uint32_t dir_pos, const Entry& entry) {
  uint8_t raw[kEntryBodySize];
  EncodeEntry(entry, raw);
  return flash_.Program(Address(sector, dir_pos), raw);
}

Status RecordStore::ProgramMark(size_t sector, uint32_t pos) {
  const uint8_t zeros[kMarkSize] = {};
  return flash_.Program(Address(sector, pos), zeros);
}

Status RecordStore::EraseSector(size_t sector) {
  Status s = flash_.Erase(sector);
  layout_.SetUnused(sector, Ok(s) ? SectorState::kErased : SectorState::kDirty);
  return s;
}

Status RecordStore::VerifyValue(size_t sector, uint32_t offset, const Entry& entry, bool* intact) {
  uint32_t crc = RecordCrcSeed(entry);
  uint8_t chunk[kChunk];
  for (size_t done = 0; done < entry.len;) {
    size_t n = entry.len - done < kChunk ? entry.len - done : kChunk;
    std::span<uint8_t> piece(chunk, n);
    Status s = flash_.Read(Address(sector, offset + done), piece);
    if (!Ok(s)) return s;
    crc = wire::Crc32c(piece, crc);
    done += n;
  }
  *intact = crc == entry.record_crc;
  return Status::kOk;
}

}  // namespace hsm
