// libFuzzer target: the firmware key store mounting an arbitrary flash image. The input is the
// start of the image (the rest stays erased); Mount must accept or refuse it without crashing
// or reading out of bounds, every listed id must be readable, and a Put, a Remove and a second
// Mount must behave: what was acknowledged is what a remount reads back.
#include <cstddef>
#include <cstdint>
#include <span>

#include "keystore/ram_flash.h"
#include "keystore/record_store.h"

namespace {

// Three sectors of 12 KiB: the smallest geometry the store takes with a spare, as in the seeds
// (tests/fuzz/corpus/fuzz_fw_record_store/).
using FuzzFlash = hsm::RamFlash<12288, 3>;

FuzzFlash g_flash;
uint8_t g_value[hsm::kMaxRecordValue];

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

// Reads every id through List and Get; returns how many were found.
size_t ReadEverything(hsm::RecordStore& store) {
  size_t seen = 0;
  uint32_t after = 0;
  bool more = true;
  if (store.Contains(0)) ++seen;  // List starts after `after`, so id 0 is looked up apart
  while (more) {
    uint32_t ids[8];
    size_t n = store.List(after, ids, &more);
    for (size_t i = 0; i < n; ++i) {
      size_t len = 0;
      hsm::Status s = store.Get(ids[i], g_value, &len);
      Check(s == hsm::Status::kOk || s == hsm::Status::kFlashError);
      Check(len <= hsm::kMaxRecordValue);
      Check(i == 0 || ids[i] > ids[i - 1]);
    }
    seen += n;
    if (n == 0) break;
    after = ids[n - 1];
  }
  Check(seen == store.count());
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto cells = g_flash.cells();
  size_t n = size < cells.size() ? size : cells.size();
  for (size_t i = 0; i < n; ++i) cells[i] = data[i];
  for (size_t i = n; i < cells.size(); ++i) cells[i] = 0xFF;

  hsm::RecordStore store(g_flash);
  if (!hsm::Ok(store.Mount())) return 0;
  ReadEverything(store);

  const uint8_t value[] = {'f', 'u', 'z', 'z'};
  const uint32_t put_id = size > 0 ? data[0] : 1;
  bool put = hsm::Ok(store.Put(put_id, value));
  uint32_t first = 0;
  bool more = false;
  bool removed = store.List(put_id, std::span<uint32_t>(&first, 1), &more) == 1 &&
                 hsm::Ok(store.Remove(first));

  hsm::RecordStore again(g_flash);
  Check(hsm::Ok(again.Mount()));
  ReadEverything(again);
  if (put) {
    size_t len = 0;
    Check(hsm::Ok(again.Get(put_id, g_value, &len)) && len == sizeof(value));
    for (size_t i = 0; i < sizeof(value); ++i) Check(g_value[i] == value[i]);
  }
  if (removed) Check(!again.Contains(first));
  return 0;
}
