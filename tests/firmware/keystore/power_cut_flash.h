// PowerCutFlash: a Flash wrapper for the key store's power-loss tests. It forwards to a real
// RamFlash and counts events — one per byte programmed, one per sector erase — and after a
// budget of events it "cuts the power": the event in progress is torn (a byte being programmed
// gets an arbitrary subset of its cleared bits; a sector being erased gets a subset of its
// bits set back to 1: a prefix, some rows, a little of every cell, or nothing) and every later
// access fails with kFlashError, as a device that lost power would. The torn states are
// exactly those NOR flash can produce: programming only clears bits, erasing only sets them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include "keystore/flash.h"
#include "protocol/status.h"

namespace hsm::testing {

class PowerCutFlash final : public Flash {
 public:
  static constexpr size_t kUnlimited = std::numeric_limits<size_t>::max();

  PowerCutFlash(Flash& inner, uint64_t seed) : inner_(inner), rng_(seed) {}

  // Events allowed from now on before the power goes.
  void set_budget(size_t events) { budget_ = events; }
  size_t events() const { return events_; }
  size_t erases() const { return erases_; }
  bool cut() const { return cut_; }
  bool cut_during_erase() const { return cut_during_erase_; }

  size_t sector_size() const override { return inner_.sector_size(); }
  size_t sector_count() const override { return inner_.sector_count(); }

  Status Read(size_t offset, std::span<uint8_t> out) override {
    if (cut_) return Status::kFlashError;
    return inner_.Read(offset, out);
  }

  Status Program(size_t offset, std::span<const uint8_t> data) override {
    if (cut_) return Status::kFlashError;
    for (size_t i = 0; i < data.size(); ++i) {
      if (budget_ == 0) {
        TearByte(offset + i, data[i]);
        return Status::kFlashError;
      }
      Status s = inner_.Program(offset + i, data.subspan(i, 1));
      if (!Ok(s)) return s;
      Spend();
    }
    return Status::kOk;
  }

  Status Erase(size_t sector) override {
    if (cut_) return Status::kFlashError;
    if (budget_ == 0) {
      TearErase(sector);
      return Status::kFlashError;
    }
    Status s = inner_.Erase(sector);
    if (Ok(s)) {
      Spend();
      ++erases_;
    }
    return s;
  }

 private:
  void Spend() {
    ++events_;
    if (budget_ != kUnlimited) --budget_;
  }

  void TearByte(size_t offset, uint8_t data) {
    cut_ = true;
    uint8_t old = 0xFF;
    if (!Ok(inner_.Read(offset, std::span<uint8_t>(&old, 1)))) return;
    uint8_t torn = static_cast<uint8_t>(old & (data | static_cast<uint8_t>(rng_())));
    inner_.Program(offset, std::span<const uint8_t>(&torn, 1));
  }

  void TearErase(size_t sector) {
    cut_ = true;
    cut_during_erase_ = true;
    const size_t size = inner_.sector_size();
    std::vector<uint8_t> cells(size);
    if (sector >= inner_.sector_count() || !Ok(inner_.Read(sector * size, cells))) return;
    switch (rng_() % 4) {
      case 0: {  // erased up to a point, the byte there half-way
        size_t boundary = rng_() % size;
        for (size_t i = 0; i < boundary; ++i) cells[i] = 0xFF;
        cells[boundary] |= static_cast<uint8_t>(rng_());
        break;
      }
      case 1:  // some 256-byte rows erased, in no particular order
        for (size_t row = 0; row < size; row += 256) {
          if (rng_() % 2 == 0) continue;
          for (size_t i = row; i < row + 256 && i < size; ++i) cells[i] = 0xFF;
        }
        break;
      case 2:  // every cell part of the way
        for (uint8_t& b : cells) b |= static_cast<uint8_t>(rng_() & rng_());
        break;
      default:  // cut before anything moved
        return;
    }
    inner_.Erase(sector);
    inner_.Program(sector * size, cells);
  }

  Flash& inner_;
  std::mt19937_64 rng_;
  size_t budget_ = kUnlimited;
  size_t events_ = 0;
  size_t erases_ = 0;
  bool cut_ = false;
  bool cut_during_erase_ = false;
};

}  // namespace hsm::testing
