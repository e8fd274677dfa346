// RecordStore on a RamFlash: the map semantics (put, get, overwrite, remove, list, count,
// free bytes), its limits (kTooLarge, kNoSpace, kKeyNotFound), persistence across a remount,
// and compaction under a long run of overwrites. Power loss and corruption are in their own
// files.
#include "keystore/record_store.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "keystore/power_cut_flash.h"
#include "keystore/ram_flash.h"

namespace hsm {
namespace {

using Bytes = std::vector<uint8_t>;
// Three sectors just above the smallest the store accepts: compaction comes quickly.
using SmallFlash = RamFlash<12288, 3>;
using MinimalFlash = RamFlash<kMinSectorSize, 2>;
using EmulatorFlash = RamFlash<16384, 16>;
static_assert(kMinSectorSize <= 12288);

Bytes Pattern(size_t len, uint32_t seed) {
  Bytes out(len);
  std::mt19937 rng(seed);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

// The stored value of `id`, or nullopt-like empty optional via `found`.
Bytes GetValue(RecordStore& store, uint32_t id, Status* status = nullptr) {
  Bytes out(kMaxRecordValue);
  size_t len = 0;
  Status s = store.Get(id, out, &len);
  if (status != nullptr) *status = s;
  if (!Ok(s)) return {};
  out.resize(len);
  return out;
}

void ExpectContents(RecordStore& store, const std::map<uint32_t, Bytes>& model) {
  ASSERT_EQ(store.count(), model.size());
  for (const auto& [id, value] : model) {
    Status s;
    EXPECT_EQ(GetValue(store, id, &s), value) << "id " << id;
    EXPECT_EQ(s, Status::kOk) << "id " << id;
    EXPECT_TRUE(store.Contains(id));
  }
  std::vector<uint32_t> ids(model.size() + 1);
  bool more = true;
  ASSERT_EQ(store.List(0, ids, &more), model.size() - (model.count(0) ? 1 : 0));
  EXPECT_FALSE(more);
}

template <class F>
std::unique_ptr<F> MakeFlash() {
  return std::make_unique<F>();
}

TEST(RecordStore, BlankFlashMountsEmpty) {
  auto flash = MakeFlash<SmallFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  EXPECT_EQ(store.count(), 0u);
  EXPECT_FALSE(store.Contains(1));
  Status s;
  GetValue(store, 1, &s);
  EXPECT_EQ(s, Status::kKeyNotFound);
  EXPECT_GT(store.free_bytes(), 2 * kMaxRecordValue);
  uint32_t ids[4];
  bool more = true;
  EXPECT_EQ(store.List(0, ids, &more), 0u);
  EXPECT_FALSE(more);
}

TEST(RecordStore, CallsBeforeMountAreRefused) {
  auto flash = MakeFlash<SmallFlash>();
  RecordStore store(*flash);
  Bytes value = Pattern(8, 1);
  EXPECT_EQ(store.Put(1, value), Status::kBadState);
  size_t len = 0;
  EXPECT_EQ(store.Get(1, value, &len), Status::kBadState);
  EXPECT_EQ(store.Remove(1), Status::kBadState);
  EXPECT_EQ(store.count(), 0u);
  EXPECT_EQ(store.free_bytes(), 0u);
}

TEST(RecordStore, PutThenGetReturnsTheValue) {
  auto flash = MakeFlash<SmallFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  std::map<uint32_t, Bytes> model = {{1, Pattern(100, 1)},
                                     {2, Bytes{}},
                                     {3, Pattern(1, 3)},
                                     {0xFFFF0001u, Pattern(77, 4)},
                                     {4, Pattern(kMaxRecordValue, 5)}};
  for (const auto& [id, value] : model) ASSERT_EQ(store.Put(id, value), Status::kOk) << id;
  ExpectContents(store, model);
}

TEST(RecordStore, OverwriteReplacesTheValue) {
  auto flash = MakeFlash<SmallFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  ASSERT_EQ(store.Put(7, Pattern(300, 1)), Status::kOk);
  ASSERT_EQ(store.Put(8, Pattern(20, 2)), Status::kOk);
  ASSERT_EQ(store.Put(7, Pattern(5, 3)), Status::kOk);
  EXPECT_EQ(GetValue(store, 7), Pattern(5, 3));
  ASSERT_EQ(store.Put(7, Pattern(900, 4)), Status::kOk);
  EXPECT_EQ(GetValue(store, 7), Pattern(900, 4));
  EXPECT_EQ(GetValue(store, 8), Pattern(20, 2));
  EXPECT_EQ(store.count(), 2u);
}

TEST(RecordStore, RemoveDeletesOnlyThatId) {
  auto flash = MakeFlash<SmallFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  ASSERT_EQ(store.Put(1, Pattern(10, 1)), Status::kOk);
  ASSERT_EQ(store.Put(2, Pattern(10, 2)), Status::kOk);
  ASSERT_EQ(store.Remove(1), Status::kOk);
  EXPECT_FALSE(store.Contains(1));
  Status s;
  GetValue(store, 1, &s);
  EXPECT_EQ(s, Status::kKeyNotFound);
  EXPECT_EQ(store.Remove(1), Status::kKeyNotFound);
  EXPECT_EQ(store.Remove(99), Status::kKeyNotFound);
  EXPECT_EQ(GetValue(store, 2), Pattern(10, 2));
  // A removed id can come back, and stays removed or back across a remount.
  ASSERT_EQ(store.Put(1, Pattern(3, 9)), Status::kOk);
  ASSERT_EQ(store.Remove(2), Status::kOk);
  RecordStore again(*flash);
  ASSERT_EQ(again.Mount(), Status::kOk);
  ExpectContents(again, {{1, Pattern(3, 9)}});
}

TEST(RecordStore, GetIntoSmallBufferIsTooLargeAndTellsTheLength) {
  auto flash = MakeFlash<SmallFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  ASSERT_EQ(store.Put(5, Pattern(64, 1)), Status::kOk);
  Bytes small(63);
  size_t len = 0;
  EXPECT_EQ(store.Get(5, small, &len), Status::kTooLarge);
  EXPECT_EQ(len, 64u);
  Bytes exact(64);
  EXPECT_EQ(store.Get(5, exact, &len), Status::kOk);
  EXPECT_EQ(exact, Pattern(64, 1));
}

TEST(RecordStore, ValueOverTheLimitIsTooLarge) {
  auto flash = MakeFlash<SmallFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  EXPECT_EQ(store.Put(1, Pattern(kMaxRecordValue + 1, 1)), Status::kTooLarge);
  EXPECT_FALSE(store.Contains(1));
  EXPECT_EQ(store.Put(1, Pattern(kMaxRecordValue, 1)), Status::kOk);
}

TEST(RecordStore, ListPagesThroughIdsInAscendingOrder) {
  auto flash = MakeFlash<SmallFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  std::vector<uint32_t> expected = {3, 9, 10, 500, 70000, 0xFFFF0000u, 0xFFFFFFFFu};
  for (uint32_t id : {70000u, 3u, 0xFFFFFFFFu, 500u, 10u, 0xFFFF0000u, 9u}) {
    ASSERT_EQ(store.Put(id, Pattern(4, id)), Status::kOk);
  }
  std::vector<uint32_t> seen;
  uint32_t after = 0;
  bool more = true;
  while (more) {
    uint32_t page[3];
    size_t n = store.List(after, page, &more);
    ASSERT_GT(n, 0u);
    seen.insert(seen.end(), page, page + n);
    after = page[n - 1];
  }
  EXPECT_EQ(seen, expected);
  uint32_t page[8];
  EXPECT_EQ(store.List(9, page, &more), 5u);
  EXPECT_EQ(page[0], 10u);
  EXPECT_EQ(store.List(0xFFFFFFFFu, page, &more), 0u);
  EXPECT_FALSE(more);
  EXPECT_EQ(store.List(0, std::span<uint32_t>(), &more), 0u);
  EXPECT_TRUE(more);
  EXPECT_EQ(store.count(), expected.size());
}

TEST(RecordStore, FreeBytesFollowsPutAndRemove) {
  auto flash = MakeFlash<SmallFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  size_t empty = store.free_bytes();
  ASSERT_EQ(store.Put(1, Pattern(1000, 1)), Status::kOk);
  size_t one = store.free_bytes();
  EXPECT_LT(one, empty - 1000);
  EXPECT_GT(one, empty - 1100);  // the value and a little bookkeeping
  ASSERT_EQ(store.Put(1, Pattern(1000, 2)), Status::kOk);
  EXPECT_EQ(store.free_bytes(), one);  // the old version is garbage, not counted
  ASSERT_EQ(store.Remove(1), Status::kOk);
  EXPECT_EQ(store.free_bytes(), empty);
}

TEST(RecordStore, IndexHoldsAtMostMaxRecordsIds) {
  auto flash = MakeFlash<EmulatorFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  for (uint32_t id = 0; id < kMaxRecords; ++id) {
    ASSERT_EQ(store.Put(id, Pattern(16, id)), Status::kOk) << id;
  }
  EXPECT_EQ(store.Put(kMaxRecords, Pattern(16, 0)), Status::kNoSpace);
  EXPECT_FALSE(store.Contains(kMaxRecords));
  EXPECT_EQ(store.Put(3, Pattern(20, 99)), Status::kOk);  // an existing id still updates
  ASSERT_EQ(store.Remove(0), Status::kOk);
  EXPECT_EQ(store.Put(kMaxRecords, Pattern(16, 0)), Status::kOk);
  EXPECT_EQ(store.count(), kMaxRecords);
}

TEST(RecordStore, FullFlashIsNoSpaceAndRemoveMakesRoom) {
  auto flash = MakeFlash<SmallFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  std::map<uint32_t, Bytes> model;
  uint32_t id = 1;
  Status s = Status::kOk;
  for (; id < 100; ++id) {
    Bytes value = Pattern(2000, id);
    s = store.Put(id, value);
    if (!Ok(s)) break;
    model[id] = value;
  }
  ASSERT_EQ(s, Status::kNoSpace);
  ASSERT_GE(model.size(), 8u);  // two sectors of 12 KiB hold at least this much
  EXPECT_FALSE(store.Contains(id));
  EXPECT_LT(store.free_bytes(), 2000u + kEntrySize);
  ExpectContents(store, model);
  // Smaller values may still fit; whatever fits, the store stays consistent after a remount.
  for (uint32_t small = 1000; Ok(store.Put(small, Pattern(100, small))); ++small) {
    model[small] = Pattern(100, small);
  }
  RecordStore remounted(*flash);
  ASSERT_EQ(remounted.Mount(), Status::kOk);
  ExpectContents(remounted, model);
  // Every id can still be removed, and the room comes back.
  std::vector<uint32_t> ids;
  for (const auto& entry : model) ids.push_back(entry.first);
  for (size_t i = 0; i < ids.size(); i += 2) {
    ASSERT_EQ(remounted.Remove(ids[i]), Status::kOk) << ids[i];
    model.erase(ids[i]);
  }
  EXPECT_EQ(remounted.Put(id, Pattern(2000, id)), Status::kOk);
  model[id] = Pattern(2000, id);
  ExpectContents(remounted, model);
}

TEST(RecordStore, PersistsAcrossRemount) {
  auto flash = MakeFlash<SmallFlash>();
  std::map<uint32_t, Bytes> model;
  {
    RecordStore store(*flash);
    ASSERT_EQ(store.Mount(), Status::kOk);
    for (uint32_t id = 1; id <= 6; ++id) {
      model[id] = Pattern(100 * id, id);
      ASSERT_EQ(store.Put(id, model[id]), Status::kOk);
    }
    ASSERT_EQ(store.Remove(2), Status::kOk);
    model.erase(2);
    model[5] = Pattern(33, 55);
    ASSERT_EQ(store.Put(5, model[5]), Status::kOk);
  }
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  ExpectContents(store, model);
  // The remounted store continues the sequence: a new write wins over every older one.
  model[1] = Pattern(8, 1234);
  ASSERT_EQ(store.Put(1, model[1]), Status::kOk);
  RecordStore third(*flash);
  ASSERT_EQ(third.Mount(), Status::kOk);
  ExpectContents(third, model);
}

TEST(RecordStore, SustainedOverwritesCompactAndKeepEverything) {
  auto flash = MakeFlash<SmallFlash>();
  testing::PowerCutFlash counting(*flash, 1);
  auto store = std::make_unique<RecordStore>(counting);
  ASSERT_EQ(store->Mount(), Status::kOk);
  std::map<uint32_t, Bytes> model;
  std::mt19937 rng(42);
  model[100] = Pattern(kMaxRecordValue, 100);  // one large record that must keep moving
  ASSERT_EQ(store->Put(100, model[100]), Status::kOk);
  for (int i = 0; i < 10000; ++i) {
    uint32_t id = rng() % 5;
    if (rng() % 16 == 0 && model.count(id)) {
      ASSERT_EQ(store->Remove(id), Status::kOk) << i;
      model.erase(id);
    } else {
      Bytes value = Pattern(rng() % 700, static_cast<uint32_t>(i));
      ASSERT_EQ(store->Put(id, value), Status::kOk) << i;
      model[id] = value;
    }
    ASSERT_EQ(GetValue(*store, id), model.count(id) ? model[id] : Bytes{}) << i;
    if (i % 1000 == 999) {
      store = std::make_unique<RecordStore>(counting);
      ASSERT_EQ(store->Mount(), Status::kOk);
      ExpectContents(*store, model);
    }
  }
  ExpectContents(*store, model);
  // Thousands of records went through three sectors: many compactions, each ending in an
  // erase.
  EXPECT_GT(counting.erases(), 100u);
}

TEST(RecordStore, SmallestGeometryOverwritesTheLargestRecord) {
  auto flash = MakeFlash<MinimalFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  for (uint32_t round = 0; round < 20; ++round) {
    ASSERT_EQ(store.Put(1, Pattern(kMaxRecordValue, round)), Status::kOk) << round;
    ASSERT_EQ(GetValue(store, 1), Pattern(kMaxRecordValue, round));
  }
  ASSERT_EQ(store.Remove(1), Status::kOk);
  RecordStore again(*flash);
  ASSERT_EQ(again.Mount(), Status::kOk);
  EXPECT_EQ(again.count(), 0u);
}

// A worn cell that stays 1 whatever is programmed: the write does not read back, so it must
// not be acknowledged, and the store carries on around it.
class StuckBitFlash final : public Flash {
 public:
  StuckBitFlash(Flash& inner, size_t stuck) : inner_(inner), stuck_(stuck) {}
  size_t sector_size() const override { return inner_.sector_size(); }
  size_t sector_count() const override { return inner_.sector_count(); }
  Status Read(size_t offset, std::span<uint8_t> out) override { return inner_.Read(offset, out); }
  Status Program(size_t offset, std::span<const uint8_t> data) override {
    Bytes copy(data.begin(), data.end());
    if (stuck_ >= offset && stuck_ < offset + copy.size()) copy[stuck_ - offset] |= 0x01;
    return inner_.Program(offset, copy);
  }
  Status Erase(size_t sector) override { return inner_.Erase(sector); }

 private:
  Flash& inner_;
  size_t stuck_;
};

TEST(RecordStore, WriteThatDoesNotReadBackIsNotAcknowledged) {
  auto flash = MakeFlash<SmallFlash>();
  {
    RecordStore store(*flash);
    ASSERT_EQ(store.Mount(), Status::kOk);
    ASSERT_EQ(store.Put(1, Pattern(100, 1)), Status::kOk);
  }
  // Values grow down from the end of the first sector: this cell lies in the next value.
  StuckBitFlash faulty(*flash, 12288 - 104 - 50);
  RecordStore store(faulty);
  ASSERT_EQ(store.Mount(), Status::kOk);
  Bytes zeros(100, 0x00);
  EXPECT_EQ(store.Put(2, zeros), Status::kFlashError);
  EXPECT_FALSE(store.Contains(2));
  ASSERT_EQ(store.Put(2, zeros), Status::kOk);  // elsewhere: the damaged sector takes no more
  ASSERT_EQ(store.Put(3, Pattern(10, 3)), Status::kOk);
  RecordStore again(*flash);
  ASSERT_EQ(again.Mount(), Status::kOk);
  ExpectContents(again, {{1, Pattern(100, 1)}, {2, zeros}, {3, Pattern(10, 3)}});
}

TEST(RecordStore, FormatErasesEverything) {
  auto flash = MakeFlash<SmallFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  ASSERT_EQ(store.Put(1, Pattern(50, 1)), Status::kOk);
  ASSERT_EQ(store.Format(), Status::kOk);
  EXPECT_EQ(store.count(), 0u);
  for (uint8_t b : flash->cells()) ASSERT_EQ(b, 0xFF);
  ASSERT_EQ(store.Put(2, Pattern(50, 2)), Status::kOk);
  RecordStore again(*flash);
  ASSERT_EQ(again.Mount(), Status::kOk);
  ExpectContents(again, {{2, Pattern(50, 2)}});
}

TEST(RecordStore, UnrecognisedFlashIsFormatted) {
  auto flash = MakeFlash<SmallFlash>();
  std::mt19937 rng(7);
  for (uint8_t& b : flash->cells()) b = static_cast<uint8_t>(rng());
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  EXPECT_EQ(store.count(), 0u);
  ASSERT_EQ(store.Put(1, Pattern(50, 1)), Status::kOk);
  RecordStore again(*flash);
  ASSERT_EQ(again.Mount(), Status::kOk);
  ExpectContents(again, {{1, Pattern(50, 1)}});
}

TEST(RecordStore, UnsupportedGeometryIsRefused) {
  auto tiny = MakeFlash<RamFlash<4096, 8>>();  // sectors smaller than two largest records
  RecordStore a(*tiny);
  EXPECT_EQ(a.Mount(), Status::kFlashError);
  EXPECT_EQ(a.Put(1, Bytes(4)), Status::kBadState);
  auto single = MakeFlash<RamFlash<16384, 1>>();  // no spare sector for compaction
  RecordStore b(*single);
  EXPECT_EQ(b.Mount(), Status::kFlashError);
  auto odd = MakeFlash<RamFlash<kMinSectorSize + 4, 2>>();  // not a multiple of 8
  RecordStore c(*odd);
  EXPECT_EQ(c.Format(), Status::kFlashError);
}

TEST(RecordStore, EmulatorGeometryHoldsEveryObjectOfAMidSize) {
  auto flash = MakeFlash<EmulatorFlash>();
  RecordStore store(*flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  std::map<uint32_t, Bytes> model;
  // 128 objects of 1.5 KiB fill most of 15 × 16 KiB.
  for (uint32_t id = 0; id < wire::kMaxObjects; ++id) {
    model[id] = Pattern(1500, id);
    ASSERT_EQ(store.Put(id, model[id]), Status::kOk) << id;
  }
  for (uint32_t id = 0; id < wire::kMaxObjects; id += 3) {
    model[id] = Pattern(1500, id + 1000);
    ASSERT_EQ(store.Put(id, model[id]), Status::kOk) << id;
  }
  RecordStore again(*flash);
  ASSERT_EQ(again.Mount(), Status::kOk);
  ExpectContents(again, model);
}

}  // namespace
}  // namespace hsm
