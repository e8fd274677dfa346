// RamFlash<kSectorSize, kSectorCount>: an hsm::Flash held in RAM with the NOR semantics of
// keystore/flash.h — starts erased (0xFF), Program clears bits only (stored &= data), Erase
// sets a whole sector back to 0xFF, and any access outside the device is kFlashError. Used by
// the key store tests and fuzz target, and by a Cortex-M test image that has no flash to spare.
// The cells are open to tests (cells()) so they can copy an image or corrupt a byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "keystore/flash.h"
#include "protocol/status.h"

namespace hsm {

template <size_t kSectorSize, size_t kSectorCount>
class RamFlash final : public Flash {
  static_assert(kSectorSize > 0 && kSectorCount > 0, "a flash has at least one byte");

 public:
  static constexpr size_t kSize = kSectorSize * kSectorCount;

  RamFlash() {
    for (uint8_t& b : cells_) b = 0xFF;
  }

  size_t sector_size() const override { return kSectorSize; }
  size_t sector_count() const override { return kSectorCount; }

  Status Read(size_t offset, std::span<uint8_t> out) override {
    if (!InRange(offset, out.size())) return Status::kFlashError;
    for (size_t i = 0; i < out.size(); ++i) out[i] = cells_[offset + i];
    return Status::kOk;
  }

  Status Program(size_t offset, std::span<const uint8_t> data) override {
    if (!InRange(offset, data.size())) return Status::kFlashError;
    for (size_t i = 0; i < data.size(); ++i) cells_[offset + i] &= data[i];
    return Status::kOk;
  }

  Status Erase(size_t sector) override {
    if (sector >= kSectorCount) return Status::kFlashError;
    for (size_t i = 0; i < kSectorSize; ++i) cells_[sector * kSectorSize + i] = 0xFF;
    return Status::kOk;
  }

  std::span<uint8_t, kSize> cells() { return std::span<uint8_t, kSize>(cells_, kSize); }
  std::span<const uint8_t, kSize> cells() const {
    return std::span<const uint8_t, kSize>(cells_, kSize);
  }

 private:
  static bool InRange(size_t offset, size_t len) {
    return offset <= kSize && len <= kSize - offset;
  }

  uint8_t cells_[kSize];
};

}  // namespace hsm
