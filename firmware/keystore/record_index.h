// RecordIndex<N>: the key store's RAM index — for each live id, where its newest value sits on
// flash. A fixed array kept sorted by id, so lookups are a binary search and listing ids in
// ascending order is a walk; N entries at most, no heap.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hsm {

struct RecordSlot {
  uint64_t seq = 0;
  uint32_t id = 0;
  uint32_t offset = 0;  // of the value inside its sector
  uint32_t len = 0;
  uint32_t record_crc = 0;  // checked again on every read and copy
  uint16_t sector = 0;
};

template <size_t N>
class RecordIndex {
 public:
  size_t size() const { return size_; }
  bool full() const { return size_ == N; }
  void Clear() { size_ = 0; }
  RecordSlot& operator[](size_t i) { return slots_[i]; }
  const RecordSlot& operator[](size_t i) const { return slots_[i]; }

  // Position of the first slot whose id is ≥ `id` (size() when none).
  size_t LowerBound(uint32_t id) const {
    size_t lo = 0;
    size_t hi = size_;
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (slots_[mid].id < id) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  RecordSlot* Find(uint32_t id) {
    size_t i = LowerBound(id);
    return (i < size_ && slots_[i].id == id) ? &slots_[i] : nullptr;
  }
  const RecordSlot* Find(uint32_t id) const {
    size_t i = LowerBound(id);
    return (i < size_ && slots_[i].id == id) ? &slots_[i] : nullptr;
  }

  // Replaces the slot of the same id, or inserts; false (no change) when a new id finds the
  // index full.
  bool Upsert(const RecordSlot& slot) {
    size_t i = LowerBound(slot.id);
    if (i < size_ && slots_[i].id == slot.id) {
      slots_[i] = slot;
      return true;
    }
    if (size_ == N) return false;
    for (size_t j = size_; j > i; --j) slots_[j] = slots_[j - 1];
    slots_[i] = slot;
    ++size_;
    return true;
  }

  void EraseAt(size_t i) {
    for (size_t j = i; j + 1 < size_; ++j) slots_[j] = slots_[j + 1];
    --size_;
  }

 private:
  RecordSlot slots_[N];
  size_t size_ = 0;
};

}  // namespace hsm
