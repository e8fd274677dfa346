// Key store tests on the MCU: RecordStore over a RamFlash in the simulated-flash region —
// put, overwrite, get, remove, then a remount by a fresh RecordStore on the same cells (what
// a reboot does), and enough rewrites of a large record to force compactions.
#include <cstdint>
#include <span>

#include "keystore/ram_flash.h"
#include "keystore/record_store.h"
#include "test_runner.h"

namespace hsm::cortex_m::test {
namespace {

using TestFlash = RamFlash<16 * 1024, 3>;
__attribute__((section(".flashsim"))) TestFlash flash;
RecordStore first(flash);
RecordStore second(flash);  // the "after reboot" instance
// The largest value the port's capacities allow (about 1 KiB on the MCU, 5 KiB on the host).
uint8_t big[kMaxRecordValue];
uint8_t out[kMaxRecordValue];
// Enough rewrites of `big` to fill the 3 sectors twice over: they must compact.
constexpr uint32_t kRewrites = 2 * 3 * 16 * 1024 / kMaxRecordValue;

bool Equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

void PutGetRemount() {
  const uint8_t alpha[] = {'a', 'l', 'p', 'h', 'a'};
  const uint8_t beta[] = {'b', 'e', 't', 'a', '-', '2'};
  CM_CHECK(first.Mount() == Status::kOk);  // blank flash: formatted
  CM_CHECK(first.Put(1, alpha) == Status::kOk);
  CM_CHECK(first.Put(2, alpha) == Status::kOk);
  CM_CHECK(first.Put(1, beta) == Status::kOk);  // overwrite
  CM_CHECK(first.Remove(2) == Status::kOk);
  size_t len = 0;
  CM_CHECK(first.Get(1, out, &len) == Status::kOk);
  CM_EXPECT(Equal(std::span<const uint8_t>(out, len), beta));
  CM_EXPECT(first.Get(2, out, &len) == Status::kKeyNotFound);

  CM_CHECK(second.Mount() == Status::kOk);
  CM_EXPECT(second.count() == 1);
  CM_EXPECT(!second.Contains(2));
  CM_CHECK(second.Get(1, out, &len) == Status::kOk);
  CM_EXPECT(Equal(std::span<const uint8_t>(out, len), beta));
  uint8_t small[2];
  CM_EXPECT(second.Get(1, small, &len) == Status::kTooLarge && len == sizeof(beta));
}

void RewritesCompact() {
  CM_CHECK(first.Mount() == Status::kOk);
  for (uint32_t round = 0; round < kRewrites; ++round) {
    for (size_t i = 0; i < sizeof(big); ++i) big[i] = static_cast<uint8_t>(i + round);
    CM_CHECK(first.Put(7, big) == Status::kOk);
  }
  CM_CHECK(second.Mount() == Status::kOk);
  size_t len = 0;
  CM_CHECK(second.Get(7, out, &len) == Status::kOk);
  CM_EXPECT(Equal(std::span<const uint8_t>(out, len), big));
  CM_CHECK(second.Get(1, out, &len) == Status::kOk);  // the older record survived compaction
  CM_EXPECT(len == 6);
}

}  // namespace

const TestCase kKeystoreTests[] = {
    {"keystore.PutGetRemount", PutGetRemount},
    {"keystore.RewritesCompact", RewritesCompact},
};
const int kKeystoreTestCount = sizeof(kKeystoreTests) / sizeof(kKeystoreTests[0]);

}  // namespace hsm::cortex_m::test
