// RecordStore: a power-loss-safe map from 32-bit ids to byte strings on a Flash. Every
// change is appended as a new record version with a sequence number and a CRC; Mount()
// rebuilds the index from flash and ignores a torn (incomplete or corrupt) record, so after a
// power loss at any point each id holds either its old or its new value, never a mix.
// Space is reclaimed by copying live records into a spare sector before erasing old ones.
// Fixed capacity, no heap: an index of kMaxRecords entries in RAM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "keystore/flash.h"
#include "keystore/record_format.h"
#include "keystore/record_index.h"
#include "keystore/sector_layout.h"
#include "protocol/limits.h"
#include "protocol/status.h"

namespace hsm {

// Ids at or above this are the device's own (PIN state, token info, storage key salt).
inline constexpr uint32_t kFirstReservedId = 0xFFFF0000u;
inline constexpr size_t kMaxRecords = wire::kMaxObjects + 8;
// Largest value: an object record (attributes, public value, sealed key blob, header).
inline constexpr size_t kMaxRecordValue =
    wire::kMaxAttrBlob + wire::kMaxPublic + wire::kMaxKeyBlob + 64;
// Smallest sector the store accepts: a header and two records of the largest value, so an
// overwrite of the largest record always fits after compaction. Sector sizes are multiples
// of 8; at least 2 and at most kMaxSectors sectors (one is kept erased for compaction).
inline constexpr size_t kMinSectorSize = kSectorHeaderSize + 2 * RecordSize(kMaxRecordValue);

class RecordStore {
 public:
  explicit RecordStore(Flash& flash);
  RecordStore(const RecordStore&) = delete;
  RecordStore& operator=(const RecordStore&) = delete;

  // Reads the flash and rebuilds the index; a blank or unrecognised flash is formatted.
  // Finishes or rolls back a compaction a power loss interrupted. kFlashError for a geometry
  // the store does not support (see kMinSectorSize) or a flash that fails. Every other call
  // answers kBadState (or nothing) until a Mount or Format has succeeded.
  Status Mount();
  // Erases everything.
  Status Format();

  // Writes a new value for `id` (value size ≤ kMaxRecordValue: kTooLarge; no room even after
  // compaction: kNoSpace; more than kMaxRecords ids: kNoSpace). kOk only once the value is
  // written, read back and committed. A Put leaves room for one removal, and a refused Put
  // has copied or erased nothing. After kFlashError (or a power loss) the id holds its old or
  // its new value, as the next Mount will tell.
  Status Put(uint32_t id, std::span<const uint8_t> value);
  // kKeyNotFound when absent; kTooLarge when `out` is smaller than the value (*len says how
  // large it is); kFlashError when the stored value no longer matches its CRC (then `out`
  // holds nothing of it).
  Status Get(uint32_t id, std::span<uint8_t> out, size_t* len);
  Status Remove(uint32_t id);  // kKeyNotFound when absent; power-loss-safe like Put
  bool Contains(uint32_t id) const;
  // Up to out.size() ids greater than `after`, ascending; *more when others follow. Reserved
  // ids (≥ kFirstReservedId) are listed and counted like any other.
  size_t List(uint32_t after, std::span<uint32_t> out, bool* more) const;
  size_t count() const;
  // Bytes a new record could still take (after compaction), for DeviceInfo. An estimate:
  // records never span sectors, so a value near this size may still find no room.
  size_t free_bytes() const;

 private:
  // Mount (record_store_mount.cpp).
  Status CheckGeometry() const;
  Status ClassifySectors(uint32_t retired);
  Status FindRetiredEpoch(uint32_t* retired, bool* any);
  Status ScanSector(size_t sector);
  void ApplyEntry(size_t sector, const Entry& entry);
  Status CheckHeadGap();

  // Writing (record_store_write.cpp).
  Status MakeRoom(SectorLayout& layout, size_t record_size, bool dry_run);
  Status OpenSector(SectorLayout& layout, bool dry_run);
  Status Compact(SectorLayout& layout, bool dry_run);
  Status CompactInto(size_t tail, size_t dest);
  Status CopyRecord(const RecordSlot& slot, size_t dest, uint32_t dir_pos, uint32_t data_pos);
  Status Append(EntryKind kind, uint32_t id, std::span<const uint8_t> value);
  Status ProgramHeader(size_t sector, SectorKind kind, uint32_t epoch, uint32_t retires);
  Status ProgramEntry(size_t sector, uint32_t dir_pos, const Entry& entry);
  Status ProgramMark(size_t sector, uint32_t pos);
  Status EraseSector(size_t sector);
  // Streams a stored value through its record CRC; *intact says whether it matches.
  Status VerifyValue(size_t sector, uint32_t offset, const Entry& entry, bool* intact);

  size_t Address(size_t sector, size_t offset) const;
  static Entry EntryFor(const RecordSlot& slot);

  Flash& flash_;
  bool mounted_ = false;
  uint64_t next_seq_ = 1;
  SectorLayout layout_;
  SectorLayout plan_;  // scratch for dry runs, a member to keep the stack small
  RecordIndex<kMaxRecords> index_;
};

}  // namespace hsm
