// The key store's on-flash format: the sector header and the directory entry, their sizes and
// their little-endian encoding (field by field, never a struct copied to flash).
//
// A sector holds a 40-byte header, then a directory of 40-byte entries growing up from the
// header, and value bytes growing down from the sector's end:
//
//   [header 32 | complete mark 8][entry 0][entry 1]...   free (0xFF)   ...[value 1][value 0]
//
// An entry is 32 bytes (kind, id, seq, len, offset, record CRC, entry CRC) and an 8-byte commit
// mark programmed to zero only after the value has been written and read back. A compaction
// sector's header carries the epoch of the sector it replaces and an 8-byte complete mark,
// programmed to zero once every live record has been copied. Everything is laid out in 8-byte
// units and no unit is programmed twice, so the format also suits MCU flash that forbids
// reprogramming a word (with ECC, for example).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace hsm {

inline constexpr size_t kFlashAlign = 8;
inline constexpr size_t kSectorHeaderSize = 40;
inline constexpr size_t kSectorHeaderBodySize = 32;  // then the complete mark
inline constexpr size_t kEntrySize = 40;
inline constexpr size_t kEntryBodySize = 32;  // then the commit mark
inline constexpr size_t kMarkSize = 8;
// A sector header's `retires` when it replaces no sector.
inline constexpr uint32_t kNoEpoch = 0xFFFFFFFFu;

constexpr size_t AlignUp(size_t n) { return (n + kFlashAlign - 1) & ~(kFlashAlign - 1); }
// Flash taken by a record whose value is `value_len` bytes: its entry and its aligned value.
constexpr size_t RecordSize(size_t value_len) { return kEntrySize + AlignUp(value_len); }

enum class SectorKind : uint16_t { kPlain = 1, kCompaction = 2 };
enum class EntryKind : uint16_t { kValue = 1, kTombstone = 2 };

struct SectorHeader {
  SectorKind kind = SectorKind::kPlain;
  uint32_t epoch = 0;           // order of the sectors: a new sector takes the highest + 1
  uint32_t retires = kNoEpoch;  // compaction: every sector of this epoch or older is garbage
  uint32_t sector_size = 0;     // the geometry it was written for; another one is not ours
  uint32_t sector_count = 0;
};

struct Entry {
  EntryKind kind = EntryKind::kValue;
  uint32_t id = 0;
  uint64_t seq = 0;  // a higher sequence number supersedes a lower one for the same id
  uint32_t len = 0;
  uint32_t offset = 0;      // of the value inside the sector; 0 for a tombstone
  uint32_t record_crc = 0;  // CRC-32C of the encoded kind, id, seq and len, then the value
};

void EncodeSectorHeader(const SectorHeader& header, std::span<uint8_t, kSectorHeaderBodySize> out);
// False unless the magic, the version and the CRC check; says nothing of the complete mark.
bool DecodeSectorHeader(std::span<const uint8_t, kSectorHeaderBodySize> in, SectorHeader* out);

void EncodeEntry(const Entry& entry, std::span<uint8_t, kEntryBodySize> out);
// False unless the magic and the entry CRC check (a torn or corrupt entry).
bool DecodeEntry(std::span<const uint8_t, kEntryBodySize> in, Entry* out);
// The CRC state after the encoded kind, id, seq and len: chain the value onto it.
uint32_t RecordCrcSeed(const Entry& entry);

// A mark reads as set only when fully programmed; a torn mark counts as unset.
bool MarkIsSet(std::span<const uint8_t> mark);
bool IsErased(std::span<const uint8_t> bytes);

}  // namespace hsm
