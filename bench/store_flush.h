// How long the disk under the token store takes to make a small write durable, measured
// beside the store. Arca's durable object creation waits for one such flush per object and
// SoftHSMv2's does not, so the creation ratio follows the disk: this figure shows how fast
// the disk was when the creation case ran, as `openssl speed -multi 2` shows how free the
// second core was for the threaded cases.
#pragma once

#include <string>

namespace bench {

struct StoreFlush {
  double micros = 0;  // mean of one 4 KiB pwrite + fdatasync
  std::string error;  // non-empty: not measured
};

// `rounds` overwrites of a preallocated file in `dir`, each followed by fdatasync.
StoreFlush ProbeStoreFlush(const std::string& dir, int rounds);

// The mean of two probes (taken before and after a case), or the one that worked.
StoreFlush Combine(const StoreFlush& before, const StoreFlush& after);

}  // namespace bench
