// Command-line options of arca-bench.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace bench {

struct Options {
  std::string module_path;   // Arca (default: the module built alongside)
  std::string softhsm_path;  // SoftHSMv2; empty or missing file: its column is n/a
  std::string cases;         // ECMAScript regex searched in case ids; empty: all cases
  double min_time = 1.5;     // measuring seconds per case and subject, split across rounds
  int rounds = 3;            // alternated rounds per case; the median is reported
  bool quick = false;        // smoke run for the test suite: tiny times and sizes
  bool keep_temp = false;    // keep the temporary stores for inspection
  bool list_only = false;    // print the case ids and exit
  // Token objects present for the lookup-by-label cases.
  std::vector<size_t> populations = {1000, 10000, 100000};
  size_t softhsm_max_objects = 1000;  // SoftHSMv2 populates slowly: larger sizes are n/a
  size_t object_batch = 1000;         // token objects created/destroyed per iteration
  std::string markdown_path;          // also write the table here
  // arca-fw-emu for the fw/ cases; a missing file makes those cases n/a.
  std::string emulator_path;
};

// Parses argv; on error or --help prints usage and returns nullopt (exit code in *status).
std::optional<Options> ParseOptions(int argc, char** argv, int* status);

}  // namespace bench
