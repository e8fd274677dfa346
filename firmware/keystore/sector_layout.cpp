// The key store's RAM picture of its sectors (see sector_layout.h).
#include "keystore/sector_layout.h"

#include "keystore/record_format.h"

namespace hsm {

void SectorLayout::Reset(size_t sector_size, size_t sector_count) {
  sector_size_ = sector_size;
  count_ = sector_count < kMaxSectors ? sector_count : kMaxSectors;
  for (SectorInfo& info : sectors_) info = SectorInfo{};
  head_ = -1;
  max_epoch_ = 0;
  followed_ = -1;
}

void SectorLayout::SetLive(size_t sector, uint32_t epoch, uint32_t dir_end, uint32_t data_low) {
  SectorInfo& info = sectors_[sector];
  info = SectorInfo{};
  info.epoch = epoch;
  info.dir_end = dir_end;
  info.data_low = data_low;
  info.state = SectorState::kLive;
  if (head_ < 0 || epoch >= max_epoch_) head_ = static_cast<int>(sector);
  if (epoch > max_epoch_) max_epoch_ = epoch;
}

void SectorLayout::SetUnused(size_t sector, SectorState state) {
  sectors_[sector] = SectorInfo{};
  sectors_[sector].state = state;
  if (head_ == static_cast<int>(sector)) head_ = -1;  // max_epoch_ stays: epochs never repeat
}

void SectorLayout::AddLive(size_t sector, size_t value_len) {
  sectors_[sector].live_count++;
  sectors_[sector].live_data += static_cast<uint32_t>(AlignUp(value_len));
}

void SectorLayout::RemoveLive(size_t sector, size_t value_len) {
  SectorInfo& info = sectors_[sector];
  if (info.live_count > 0) info.live_count--;
  uint32_t data = static_cast<uint32_t>(AlignUp(value_len));
  info.live_data = info.live_data > data ? info.live_data - data : 0;
}

bool SectorLayout::HeadFits(size_t record_size) const {
  if (head_ < 0) return false;
  const SectorInfo& info = sectors_[head_];
  if (info.sealed || info.data_low < info.dir_end) return false;
  return info.data_low - info.dir_end >= record_size;
}

size_t SectorLayout::UnusedCount() const {
  size_t n = 0;
  for (size_t s = 0; s < count_; ++s) n += sectors_[s].state != SectorState::kLive;
  return n;
}

int SectorLayout::PickUnused() const {
  int dirty = -1;
  for (size_t s = 0; s < count_; ++s) {
    if (sectors_[s].state == SectorState::kErased) return static_cast<int>(s);
    if (sectors_[s].state == SectorState::kDirty && dirty < 0) dirty = static_cast<int>(s);
  }
  return dirty;
}

int SectorLayout::Tail() const {
  int tail = -1;
  for (size_t s = 0; s < count_; ++s) {
    if (sectors_[s].state != SectorState::kLive) continue;
    if (tail < 0 || sectors_[s].epoch < sectors_[tail].epoch) tail = static_cast<int>(s);
  }
  return tail;
}

size_t SectorLayout::LiveBytes() const {
  size_t bytes = 0;
  for (size_t s = 0; s < count_; ++s) {
    bytes += static_cast<size_t>(sectors_[s].live_count) * kEntrySize + sectors_[s].live_data;
  }
  return bytes;
}

void SectorLayout::PlanOpen(size_t sector) {
  SetLive(sector, max_epoch_ + 1, kSectorHeaderSize, static_cast<uint32_t>(sector_size_));
}

void SectorLayout::PlanCompact(size_t tail, size_t dest) {
  SectorInfo from = sectors_[tail];
  SetUnused(tail, SectorState::kErased);
  SetLive(dest, max_epoch_ + 1,
          static_cast<uint32_t>(kSectorHeaderSize + from.live_count * kEntrySize),
          static_cast<uint32_t>(sector_size_ - from.live_data));
  sectors_[dest].live_count = from.live_count;
  sectors_[dest].live_data = from.live_data;
  if (followed_ == static_cast<int>(tail)) followed_ = static_cast<int>(dest);
}

void SectorLayout::PlanAppend(size_t value_len) {
  SectorInfo& info = sectors_[head_];
  info.dir_end += kEntrySize;
  info.data_low -= static_cast<uint32_t>(AlignUp(value_len));
  AddLive(static_cast<size_t>(head_), value_len);
}

}  // namespace hsm
