// Corrupt bytes in a committed record: whichever byte of it changes (its directory entry, its
// value or its commit mark), that version is ignored — the id falls back to its older version
// or is absent — other ids are untouched, nothing crashes, and the store keeps working. The
// record's bytes are found from the outside: those a Put changed in the flash image.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "keystore/ram_flash.h"
#include "keystore/record_store.h"

namespace hsm {
namespace {

using Bytes = std::vector<uint8_t>;
using SmallFlash = RamFlash<12288, 3>;

Bytes Pattern(size_t len, uint32_t seed) {
  Bytes out(len);
  std::mt19937 rng(seed);
  // No 0xFF bytes, so that every value byte a Put writes shows up as a changed cell.
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng() % 255);
  return out;
}

Status GetValue(RecordStore& store, uint32_t id, Bytes* out) {
  out->assign(kMaxRecordValue, 0);
  size_t len = 0;
  Status s = store.Get(id, *out, &len);
  out->resize(Ok(s) ? len : 0);
  return s;
}

std::unique_ptr<SmallFlash> Clone(const SmallFlash& flash) {
  auto copy = std::make_unique<SmallFlash>();
  std::copy(flash.cells().begin(), flash.cells().end(), copy->cells().begin());
  return copy;
}

// Offsets of the cells that differ between two images.
std::vector<size_t> ChangedCells(const SmallFlash& before, const SmallFlash& after) {
  std::vector<size_t> changed;
  for (size_t i = 0; i < SmallFlash::kSize; ++i) {
    if (before.cells()[i] != after.cells()[i]) changed.push_back(i);
  }
  return changed;
}

// Flips each changed cell of the target record in turn (with a few masks) and checks what a
// fresh Mount sees.
void SweepRecord(const SmallFlash& before_target, const SmallFlash& after_target,
                 const SmallFlash& final_image, const Bytes* older,
                 const std::vector<std::pair<uint32_t, Bytes>>& others, size_t* trials) {
  std::vector<size_t> cells = ChangedCells(before_target, after_target);
  ASSERT_GT(cells.size(), kEntrySize);
  for (size_t cell : cells) {
    for (uint8_t mask : {0x01, 0x80, 0x5A}) {
      auto flash = Clone(final_image);
      flash->cells()[cell] ^= mask;
      RecordStore store(*flash);
      ASSERT_EQ(store.Mount(), Status::kOk);
      Bytes got;
      Status s = GetValue(store, 1, &got);
      if (older != nullptr) {
        ASSERT_EQ(s, Status::kOk) << "cell " << cell;
        ASSERT_EQ(got, *older) << "cell " << cell;
      } else {
        ASSERT_EQ(s, Status::kKeyNotFound) << "cell " << cell;
      }
      for (const auto& [id, value] : others) {
        ASSERT_EQ(GetValue(store, id, &got), Status::kOk) << "id " << id;
        ASSERT_EQ(got, value) << "id " << id;
      }
      // The store keeps working over the damage, across a remount.
      ASSERT_EQ(store.Put(1, Pattern(500, 77)), Status::kOk) << "cell " << cell;
      ASSERT_EQ(store.Put(9, Pattern(40, 78)), Status::kOk) << "cell " << cell;
      RecordStore again(*flash);
      ASSERT_EQ(again.Mount(), Status::kOk);
      ASSERT_EQ(GetValue(again, 1, &got), Status::kOk);
      ASSERT_EQ(got, Pattern(500, 77));
      ASSERT_EQ(GetValue(again, 9, &got), Status::kOk);
      ASSERT_EQ(got, Pattern(40, 78));
      ++*trials;
    }
  }
}

struct Images {
  std::unique_ptr<SmallFlash> before_target;
  std::unique_ptr<SmallFlash> after_target;
  std::unique_ptr<SmallFlash> final_image;
};

Images Write(const std::vector<std::pair<uint32_t, Bytes>>& prefix, const Bytes& target,
             const std::vector<std::pair<uint32_t, Bytes>>& suffix) {
  auto flash = std::make_unique<SmallFlash>();
  RecordStore store(*flash);
  EXPECT_EQ(store.Mount(), Status::kOk);
  for (const auto& [id, value] : prefix) EXPECT_EQ(store.Put(id, value), Status::kOk);
  Images images;
  images.before_target = Clone(*flash);
  EXPECT_EQ(store.Put(1, target), Status::kOk);
  images.after_target = Clone(*flash);
  for (const auto& [id, value] : suffix) EXPECT_EQ(store.Put(id, value), Status::kOk);
  images.final_image = Clone(*flash);
  return images;
}

TEST(Corruption, NewestRecordFallsBackToTheOlderVersion) {
  Bytes older = Pattern(300, 1);
  std::vector<std::pair<uint32_t, Bytes>> others = {{2, Pattern(200, 2)}};
  Images images = Write({{1, older}, others[0]}, Pattern(300, 3), {});
  size_t trials = 0;
  SweepRecord(*images.before_target, *images.after_target, *images.final_image, &older, others,
              &trials);
  EXPECT_GT(trials, 3 * (kEntrySize + 250));
}

TEST(Corruption, RecordInTheMiddleLeavesTheLaterOnesReadable) {
  Bytes older = Pattern(64, 1);
  std::vector<std::pair<uint32_t, Bytes>> later = {{2, Pattern(500, 2)}, {3, Pattern(7, 3)}};
  Images images = Write({{1, older}}, Pattern(1000, 4), later);
  size_t trials = 0;
  SweepRecord(*images.before_target, *images.after_target, *images.final_image, &older, later,
              &trials);
  EXPECT_GT(trials, 3 * 1000u);
}

TEST(Corruption, OnlyVersionBecomesAbsent) {
  std::vector<std::pair<uint32_t, Bytes>> others = {{2, Pattern(100, 2)}};
  Images images = Write(others, Pattern(150, 3), {{3, Pattern(20, 4)}});
  others.push_back({3, Pattern(20, 4)});
  size_t trials = 0;
  SweepRecord(*images.before_target, *images.after_target, *images.final_image, nullptr, others,
              &trials);
  EXPECT_GT(trials, 3 * 150u);
}

TEST(Corruption, ValueThatRotsAfterMountIsNotReturned) {
  auto flash = std::make_unique<SmallFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  auto before = Clone(*flash);
  ASSERT_EQ(store.Put(1, Pattern(100, 1)), Status::kOk);
  std::vector<size_t> cells = ChangedCells(*before, *flash);
  // The value is what lies after the entry: flip the last changed cell (its last byte).
  flash->cells()[cells.back()] ^= 0x10;
  Bytes got;
  EXPECT_EQ(GetValue(store, 1, &got), Status::kFlashError);
  EXPECT_TRUE(got.empty());
}

TEST(Corruption, RandomBytesAnywhereNeverCrash) {
  std::vector<std::pair<uint32_t, Bytes>> values;
  for (uint32_t id = 1; id <= 12; ++id) values.push_back({id, Pattern(700 + id, id)});
  Images images = Write(values, Pattern(900, 99), values);
  std::mt19937 rng(5);
  for (int trial = 0; trial < 2000; ++trial) {
    auto flash = Clone(*images.final_image);
    for (int n = 1 + trial % 8; n > 0; --n) {
      flash->cells()[rng() % SmallFlash::kSize] = static_cast<uint8_t>(rng());
    }
    RecordStore store(*flash);
    ASSERT_EQ(store.Mount(), Status::kOk);
    Bytes got;
    // Each id reads as one of the values it ever had, or is absent.
    for (const auto& [id, value] : values) {
      Status s = GetValue(store, id, &got);
      if (!Ok(s)) continue;
      bool known = got == value || (id == 1 && got == Pattern(900, 99));
      EXPECT_TRUE(known) << "id " << id << " trial " << trial;
    }
    ASSERT_EQ(store.Put(20, Pattern(30, 20)), Status::kOk);
    ASSERT_EQ(GetValue(store, 20, &got), Status::kOk);
  }
}

}  // namespace
}  // namespace hsm
