// The summary printed at the end: one Markdown table with a row per case (Arca, SoftHSMv2,
// OpenSSL and the ratios), the notes behind "n/a" and "err" cells, the transport's share of
// each firmware-token case, and issue 5's speed targets checked against the measured figures.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "runner.h"
#include "store_flush.h"

namespace bench {

// `openssl speed ecdsap256` sign/s in one process and with -multi 2, for showing whether
// the machine's second core was free when the threaded cases ran.
struct OpensslSpeed {
  double single = 0;
  double multi = 0;
  std::string error;  // non-empty: not measured
};

OpensslSpeed RunOpensslSpeed(int seconds);

// What the machine was like while the cases ran, shown beside the targets it bears on.
struct MachineState {
  OpensslSpeed speed;
  StoreFlush flush;  // around the objects/create case
};

void PrintTable(const std::vector<CaseResult>& results, FILE* out);
void PrintTargets(const std::vector<CaseResult>& results, const MachineState& machine, FILE* out);

// Rows with an error, and rows with no figure at all (the --quick test's failure criteria).
int CountFailures(const std::vector<CaseResult>& results, FILE* out);

}  // namespace bench
