// SectorLayout: the key store's RAM picture of its sectors — which are erased, live or waiting
// for an erase, where each live sector's directory ends and its values begin, and how much of
// it live records take. Only the head (the live sector of the highest epoch) takes appends;
// the tail (the lowest epoch) is the one compaction empties. RecordStore plays a write on a
// copy of this picture first (the Plan* moves, no flash touched), so a write that cannot fit
// even after compaction fails with kNoSpace before anything is copied or erased.
#pragma once

#include <cstddef>
#include <cstdint>

#include "protocol/limits.h"

namespace hsm {

// Sectors a key store can manage (RAM: one SectorInfo each, twice), chosen per port.
inline constexpr size_t kMaxSectors = wire::kPortCapacities.key_store_sectors;
static_assert(kMaxSectors >= 2 && kMaxSectors <= 255, "2 to 255 sectors (a u8 sector order)");

enum class SectorState : uint8_t {
  kErased,  // all 0xFF, ready for a header
  kDirty,   // holds nothing of value but must be erased before use
  kLive,
};

struct SectorInfo {
  uint32_t epoch = 0;
  uint32_t dir_end = 0;    // first byte after the directory
  uint32_t data_low = 0;   // lowest byte of value data (values grow down from the end)
  uint32_t live_data = 0;  // aligned value bytes of the live records it holds
  uint16_t live_count = 0;
  SectorState state = SectorState::kErased;
  bool sealed = false;  // takes no more appends: a failed write or unexpected bytes
};

class SectorLayout {
 public:
  void Reset(size_t sector_size, size_t sector_count);

  size_t sector_size() const { return sector_size_; }
  size_t sector_count() const { return count_; }
  SectorInfo& at(size_t sector) { return sectors_[sector]; }
  const SectorInfo& at(size_t sector) const { return sectors_[sector]; }
  int head() const { return head_; }
  uint32_t max_epoch() const { return max_epoch_; }

  // Marks `sector` live; the live sector of the highest epoch becomes the head.
  void SetLive(size_t sector, uint32_t epoch, uint32_t dir_end, uint32_t data_low);
  void SetUnused(size_t sector, SectorState state);  // kErased or kDirty
  void AddLive(size_t sector, size_t value_len);
  void RemoveLive(size_t sector, size_t value_len);

  bool HeadFits(size_t record_size) const;
  size_t UnusedCount() const;  // erased or dirty
  int PickUnused() const;      // an erased sector first; -1 when none
  int Tail() const;            // -1 when no sector is live
  // Entry and value bytes of every live record.
  size_t LiveBytes() const;

  // Dry-run moves, mirroring what RecordStore does on flash.
  void PlanOpen(size_t sector);                // an empty head of the next epoch
  void PlanCompact(size_t tail, size_t dest);  // tail's live records into dest
  void PlanAppend(size_t value_len);           // a live value appended to the head
  // The sector holding a record the plan will supersede, followed through PlanCompact so
  // its bytes can be released once the new version is planned (-1: none).
  void Follow(int sector) { followed_ = sector; }
  int followed() const { return followed_; }

 private:
  SectorInfo sectors_[kMaxSectors];
  size_t sector_size_ = 0;
  size_t count_ = 0;
  int head_ = -1;
  uint32_t max_epoch_ = 0;
  int followed_ = -1;
};

}  // namespace hsm
