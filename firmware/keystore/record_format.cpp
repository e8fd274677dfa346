// Encoding of the key store's sector headers and directory entries (see record_format.h).
#include "keystore/record_format.h"

#include "protocol/crc32c.h"

namespace hsm {
namespace {

constexpr uint32_t kSectorMagic = 0x534B5241u;  // "ARKS"
constexpr uint16_t kFormatVersion = 1;
constexpr uint16_t kEntryMagic = 0xA7E5u;
// Bytes of an entry the record CRC covers: kind, id, seq and len, not the offset, so a copy
// made by compaction keeps the CRC of the original.
constexpr size_t kEntryCrcPrefix = 20;

void Put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
void Put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
void Put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint16_t Get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t Get32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t Get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

void EncodeSectorHeader(const SectorHeader& header, std::span<uint8_t, kSectorHeaderBodySize> out) {
  uint8_t* p = out.data();
  Put32(p, kSectorMagic);
  Put16(p + 4, kFormatVersion);
  Put16(p + 6, static_cast<uint16_t>(header.kind));
  Put32(p + 8, header.epoch);
  Put32(p + 12, header.retires);
  Put32(p + 16, header.sector_size);
  Put32(p + 20, header.sector_count);
  Put32(p + 24, wire::Crc32c(out.first(24)));
  Put32(p + 28, 0xFFFFFFFFu);  // left erased
}

bool DecodeSectorHeader(std::span<const uint8_t, kSectorHeaderBodySize> in, SectorHeader* out) {
  const uint8_t* p = in.data();
  if (Get32(p) != kSectorMagic || Get16(p + 4) != kFormatVersion) return false;
  if (Get32(p + 24) != wire::Crc32c(in.first(24))) return false;
  uint16_t kind = Get16(p + 6);
  if (kind != static_cast<uint16_t>(SectorKind::kPlain) &&
      kind != static_cast<uint16_t>(SectorKind::kCompaction)) {
    return false;
  }
  out->kind = static_cast<SectorKind>(kind);
  out->epoch = Get32(p + 8);
  out->retires = Get32(p + 12);
  out->sector_size = Get32(p + 16);
  out->sector_count = Get32(p + 20);
  return true;
}

void EncodeEntry(const Entry& entry, std::span<uint8_t, kEntryBodySize> out) {
  uint8_t* p = out.data();
  Put16(p, kEntryMagic);
  Put16(p + 2, static_cast<uint16_t>(entry.kind));
  Put32(p + 4, entry.id);
  Put64(p + 8, entry.seq);
  Put32(p + 16, entry.len);
  Put32(p + 20, entry.offset);
  Put32(p + 24, entry.record_crc);
  Put32(p + 28, wire::Crc32c(out.first(28)));
}

bool DecodeEntry(std::span<const uint8_t, kEntryBodySize> in, Entry* out) {
  const uint8_t* p = in.data();
  if (Get16(p) != kEntryMagic || Get32(p + 28) != wire::Crc32c(in.first(28))) return false;
  uint16_t kind = Get16(p + 2);
  if (kind != static_cast<uint16_t>(EntryKind::kValue) &&
      kind != static_cast<uint16_t>(EntryKind::kTombstone)) {
    return false;
  }
  out->kind = static_cast<EntryKind>(kind);
  out->id = Get32(p + 4);
  out->seq = Get64(p + 8);
  out->len = Get32(p + 16);
  out->offset = Get32(p + 20);
  out->record_crc = Get32(p + 24);
  return true;
}

uint32_t RecordCrcSeed(const Entry& entry) {
  uint8_t prefix[kEntryCrcPrefix];
  Put16(prefix, kEntryMagic);
  Put16(prefix + 2, static_cast<uint16_t>(entry.kind));
  Put32(prefix + 4, entry.id);
  Put64(prefix + 8, entry.seq);
  Put32(prefix + 16, entry.len);
  return wire::Crc32c(prefix);
}

bool MarkIsSet(std::span<const uint8_t> mark) {
  for (uint8_t b : mark) {
    if (b != 0) return false;
  }
  return true;
}

bool IsErased(std::span<const uint8_t> bytes) {
  for (uint8_t b : bytes) {
    if (b != 0xFF) return false;
  }
  return true;
}

}  // namespace hsm
