// The key store's power-loss guarantee, checked at every point a power cut can hit: each
// scenario (Puts, Removes and at least one compaction with its erase) is run once to count its
// flash events (bytes programmed and sectors erased), then re-run from the same image once per
// event with the power cut at that event. The surviving image is mounted and every id must hold
// exactly its value before or after the operation that was cut — never a mix, never lost,
// other ids untouched — the value must not change when Mount's own repair is cut in turn, and
// the store must then keep working across a remount.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "keystore/power_cut_flash.h"
#include "keystore/ram_flash.h"
#include "keystore/record_store.h"

namespace hsm {
namespace {

using testing::PowerCutFlash;
using Bytes = std::vector<uint8_t>;
using Model = std::map<uint32_t, Bytes>;
using SmallFlash = RamFlash<12288, 3>;
using MinimalFlash = RamFlash<kMinSectorSize, 2>;

struct Op {
  bool put;
  uint32_t id;
  Bytes value;
};

Bytes Pattern(size_t len, uint32_t seed) {
  Bytes out(len);
  std::mt19937 rng(seed);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

Op Put(uint32_t id, size_t len, uint32_t seed) { return Op{true, id, Pattern(len, seed)}; }
Op Remove(uint32_t id) { return Op{false, id, {}}; }

Status RunOp(RecordStore& store, const Op& op) {
  return op.put ? store.Put(op.id, op.value) : store.Remove(op.id);
}

void Apply(Model& model, const Op& op) {
  if (op.put) {
    model[op.id] = op.value;
  } else {
    model.erase(op.id);
  }
}

Model ApplyFirst(Model model, const std::vector<Op>& ops, size_t n) {
  for (size_t i = 0; i < n && i < ops.size(); ++i) Apply(model, ops[i]);
  return model;
}

// Everything the store holds, found through List and Get as the core would (List starts after
// id 0, which these tests never use).
Model ReadAll(RecordStore& store) {
  Model out;
  uint32_t after = 0;
  bool more = true;
  while (more) {
    uint32_t ids[16];
    size_t n = store.List(after, ids, &more);
    for (size_t i = 0; i < n; ++i) {
      Bytes value(kMaxRecordValue);
      size_t len = 0;
      EXPECT_EQ(store.Get(ids[i], value, &len), Status::kOk) << ids[i];
      value.resize(len);
      out[ids[i]] = value;
    }
    if (n == 0) break;
    after = ids[n - 1];
  }
  EXPECT_EQ(out.size(), store.count());
  return out;
}

// Every id holds its value from `before` or from `after` (absent counts as a value).
void ExpectOldOrNew(const Model& got, const Model& before, const Model& after) {
  Model all = before;
  all.insert(after.begin(), after.end());
  all.insert(got.begin(), got.end());
  for (const auto& entry : all) {
    uint32_t id = entry.first;
    auto g = got.find(id);
    auto b = before.find(id);
    auto a = after.find(id);
    bool is_before =
        (g == got.end()) ? b == before.end() : b != before.end() && b->second == g->second;
    bool is_after =
        (g == got.end()) ? a == after.end() : a != after.end() && a->second == g->second;
    EXPECT_TRUE(is_before || is_after) << "id " << id << " holds neither its old nor its new value";
  }
}

template <class F>
std::unique_ptr<F> Clone(const F& flash) {
  auto copy = std::make_unique<F>();
  std::copy(flash.cells().begin(), flash.cells().end(), copy->cells().begin());
  return copy;
}

struct SweepCounts {
  size_t cut_points = 0;
  size_t erase_cuts = 0;
  size_t recovery_cuts = 0;
};

// After recovery the store takes new writes, removes, and keeps them across a remount.
template <class F>
void ExpectKeepsWorking(F& flash, Model model) {
  RecordStore store(flash);
  ASSERT_EQ(store.Mount(), Status::kOk);
  uint32_t seed = 900;
  for (uint32_t id : {1u, 2u, 3u, 50u}) {
    Bytes value = Pattern(200 + id, seed++);
    ASSERT_EQ(store.Put(id, value), Status::kOk) << id;
    model[id] = value;
  }
  ASSERT_EQ(store.Remove(50), Status::kOk);
  model.erase(50);
  RecordStore again(flash);
  ASSERT_EQ(again.Mount(), Status::kOk);
  EXPECT_EQ(ReadAll(again), model);
}

// Mounts the surviving image, first with a power cut at each event of Mount's own repair
// (rolling back or finishing a compaction erases sectors); the answer must be the same as
// that of an uninterrupted Mount, and one of the two allowed.
template <class F>
void ExpectRecovery(const F& image, const Model& before, const Model& after, uint64_t seed,
                    SweepCounts* counts) {
  auto clean = Clone(image);
  PowerCutFlash counting(*clean, seed);
  RecordStore store(counting);
  ASSERT_EQ(store.Mount(), Status::kOk);
  const size_t repair_events = counting.events();
  Model recovered = ReadAll(store);
  ExpectOldOrNew(recovered, before, after);
  for (size_t j = 0; j < repair_events; ++j) {
    auto flash = Clone(image);
    {
      PowerCutFlash cut(*flash, seed + j + 1);
      cut.set_budget(j);
      RecordStore interrupted(cut);
      EXPECT_NE(interrupted.Mount(), Status::kOk);
    }
    RecordStore second(*flash);
    ASSERT_EQ(second.Mount(), Status::kOk);
    EXPECT_EQ(ReadAll(second), recovered) << "repair cut at event " << j;
    ++counts->recovery_cuts;
  }
  ExpectKeepsWorking(*clean, recovered);
}

// An erase can be torn in many ways: a cut point that falls on one is tried this many times.
constexpr size_t kEraseTears = 64;

// Runs `ops` from `base` with the power cut at event `k`, then checks the recovery. Returns
// whether the cut fell on an erase.
template <class F>
bool CutAt(const F& base, const Model& base_model, const std::vector<Op>& ops, size_t k,
           size_t total, uint64_t seed, SweepCounts* counts) {
  auto flash = Clone(base);
  size_t done = ops.size();
  bool erase_cut = false;
  {
    PowerCutFlash cut(*flash, seed);
    RecordStore store(cut);
    EXPECT_EQ(store.Mount(), Status::kOk);
    cut.set_budget(k);
    for (size_t i = 0; i < ops.size(); ++i) {
      if (!Ok(RunOp(store, ops[i]))) {
        done = i;
        break;
      }
    }
    EXPECT_EQ(cut.cut(), k < total) << k;
    EXPECT_EQ(done < ops.size(), k < total) << k;
    erase_cut = cut.cut_during_erase();
  }
  Model before = ApplyFirst(base_model, ops, done);
  Model after = ApplyFirst(base_model, ops, done + 1);
  ExpectRecovery(*flash, before, after, seed * 31 + 3, counts);
  ++counts->cut_points;
  counts->erase_cuts += erase_cut;
  return erase_cut;
}

template <class F>
SweepCounts Sweep(const F& base, const std::vector<Op>& ops, size_t min_erases) {
  SweepCounts counts;
  Model base_model;
  {
    auto flash = Clone(base);
    RecordStore store(*flash);
    EXPECT_EQ(store.Mount(), Status::kOk);
    base_model = ReadAll(store);
  }
  size_t total = 0;
  {
    auto flash = Clone(base);
    PowerCutFlash counting(*flash, 0);
    RecordStore store(counting);
    EXPECT_EQ(store.Mount(), Status::kOk);
    EXPECT_EQ(counting.events(), 0u);  // the base image needs no repair
    for (const Op& op : ops) EXPECT_EQ(RunOp(store, op), Status::kOk);
    total = counting.events();
    // The scenario really compacts: live records copied, an old sector erased.
    EXPECT_GE(counting.erases(), min_erases);
  }
  for (size_t k = 0; k <= total; ++k) {
    for (size_t tear = 0; tear < kEraseTears; ++tear) {
      bool erase_cut = CutAt(base, base_model, ops, k, total, k * 7919 + tear * 31 + 1, &counts);
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "first failure with the power cut at event " << k << " of " << total;
        return counts;
      }
      if (!erase_cut) break;
    }
  }
  return counts;
}

void Report(const char* name, const SweepCounts& counts) {
  std::printf("[ sweep    ] %s: %zu cut points (%zu during an erase), %zu cuts during recovery\n",
              name, counts.cut_points, counts.erase_cuts, counts.recovery_cuts);
}

// Three sectors: the first holds two live records among superseded versions and a removed id,
// the second is nearly full, the third is the spare. The scenario adds a record, removes one,
// then overwrites one that no longer fits: the first sector is compacted into the spare
// (copying both live records, dropping the dead ones) and erased.
TEST(PowerLoss, EveryCutOfPutRemoveAndCompaction) {
  auto base = std::make_unique<SmallFlash>();
  {
    RecordStore store(*base);
    ASSERT_EQ(store.Mount(), Status::kOk);
    std::vector<Op> prefill = {Put(1, 3000, 1), Put(1, 3000, 2), Put(1, 3000, 3), Put(2, 1500, 4),
                               Put(8, 50, 5),   Remove(8),       Put(3, 1000, 6), Put(4, 2000, 7),
                               Put(5, 4000, 8), Put(1, 3000, 9), Put(6, 2500, 10)};
    for (const Op& op : prefill) ASSERT_EQ(RunOp(store, op), Status::kOk);
  }
  std::vector<Op> ops = {Put(7, 400, 11), Remove(4), Put(2, 1200, 12)};
  SweepCounts counts = Sweep(*base, ops, 1);
  EXPECT_GT(counts.cut_points, 400u + 1500u + 1000u + 1200u);  // new values and both copies
  EXPECT_GE(counts.erase_cuts, kEraseTears);
  EXPECT_GE(counts.recovery_cuts, 1u);
  Report("put/remove/compaction, 3 sectors", counts);
}

// A write that no longer fits the head opens a fresh sector: cuts while its header is written,
// then in the record and in two removals behind it.
TEST(PowerLoss, EveryCutOfOpeningASector) {
  auto base = std::make_unique<SmallFlash>();
  {
    RecordStore store(*base);
    ASSERT_EQ(store.Mount(), Status::kOk);
    std::vector<Op> prefill = {Put(1, kMaxRecordValue, 1), Put(2, kMaxRecordValue, 2),
                               Put(4, 1500, 3)};
    for (const Op& op : prefill) ASSERT_EQ(RunOp(store, op), Status::kOk);
  }
  std::vector<Op> ops = {Put(3, 300, 4), Remove(1), Remove(2)};
  SweepCounts counts = Sweep(*base, ops, 0);
  EXPECT_GT(counts.cut_points, 300u + 3 * kEntrySize);
  Report("opening a sector, 3 sectors", counts);
}

// The smallest geometry: two sectors, one largest record. Removing and overwriting forces a
// compaction of the head into the spare, moving the 5 KiB record, then an overwrite of it.
TEST(PowerLoss, EveryCutOfLargestRecordCompactionInTwoSectors) {
  auto base = std::make_unique<MinimalFlash>();
  {
    RecordStore store(*base);
    ASSERT_EQ(store.Mount(), Status::kOk);
    ASSERT_EQ(store.Put(1, Pattern(kMaxRecordValue, 1)), Status::kOk);
    for (uint32_t i = 0; i < 30; ++i) ASSERT_EQ(store.Put(2, Pattern(100, 100 + i)), Status::kOk);
  }
  std::vector<Op> ops = {Put(3, 700, 2), Remove(2), Remove(3), Put(1, kMaxRecordValue, 3)};
  SweepCounts counts = Sweep(*base, ops, 1);
  EXPECT_GT(counts.cut_points, 2 * kMaxRecordValue);
  EXPECT_GE(counts.erase_cuts, kEraseTears);
  Report("largest record, 2 sectors", counts);
}

// Random runs of operations on a small flash, each ended by a power cut at a random event;
// the image carries over from run to run, so cuts land on top of earlier repairs.
TEST(PowerLoss, RandomRunsWithCutsKeepOldOrNew) {
  auto flash = std::make_unique<SmallFlash>();
  std::mt19937 rng(2024);
  Model model;
  size_t cuts = 0;
  for (int run = 0; run < 300; ++run) {
    PowerCutFlash cut(*flash, rng());
    RecordStore store(cut);
    ASSERT_EQ(store.Mount(), Status::kOk) << run;
    ASSERT_EQ(ReadAll(store), model) << run;
    cut.set_budget(rng() % 60000);
    for (int i = 0; i < 40; ++i) {
      uint32_t id = 1 + rng() % 6;
      Op op = (rng() % 5 == 0 && model.count(id)) ? Remove(id) : Put(id, rng() % 2500, rng());
      if (!Ok(RunOp(store, op))) {
        // The cut operation may or may not have happened; look, then carry on from there.
        Model after = model;
        Apply(after, op);
        RecordStore check(*flash);
        ASSERT_EQ(check.Mount(), Status::kOk);
        Model got = ReadAll(check);
        ExpectOldOrNew(got, model, after);
        ASSERT_TRUE(got == model || got == after) << run;
        model = got;
        ++cuts;
        break;
      }
      Apply(model, op);
    }
    ASSERT_FALSE(::testing::Test::HasFailure()) << run;
  }
  EXPECT_GT(cuts, 100u);
  std::printf("[ sweep    ] random runs: 300 runs, %zu ended by a power cut\n", cuts);
}

}  // namespace
}  // namespace hsm
