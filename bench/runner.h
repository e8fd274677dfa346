// Runs cases on the three subjects with Google Benchmark doing the timing loops: per case,
// a warm-up of each subject, then N rounds alternating Arca, SoftHSMv2, OpenSSL, so drift on
// a shared machine hits all three alike; the median round is reported. Each subject works on
// its own thread (subject_thread.h), a case's one-thread runs all on one CPU, and before
// every timed run the scratch file system is flushed, so that no subject pays for another's
// deferred writes.
#pragma once

#include <sched.h>

#include <array>
#include <string>
#include <vector>

#include "bench_case.h"
#include "options.h"
#include "provider.h"
#include "subject_thread.h"

namespace bench {

enum Subject { kArca = 0, kSoftHsm = 1, kOpenssl = 2 };
inline constexpr int kSubjectCount = 3;
inline constexpr const char* kSubjectNames[kSubjectCount] = {"Arca", "SoftHSMv2", "OpenSSL"};

struct Cell {
  enum class Kind { kValue, kNotApplicable, kNoCounterpart, kError };
  Kind kind = Kind::kNoCounterpart;
  double value = 0;            // median rate over the rounds (ops/s or MB/s)
  std::vector<double> rounds;  // every round's rate, in order
  std::string note;            // n/a reason or error message
};

struct CaseResult {
  std::string id;
  std::string title;
  Unit unit = Unit::kOpsPerSecond;
  std::array<Cell, kSubjectCount> cells;
};

class Runner {
 public:
  // Null providers failed to load; `load_errors` says why, per subject.
  // `scratch_dir` holds the subjects' stores: the directory whose file system is flushed.
  Runner(const Options& options, std::array<Provider*, 2> modules,
         std::array<std::string, 2> load_errors, std::string scratch_dir);
  CaseResult Run(const Case& c);

 private:
  // Prepares the subject's body, or fills the cell with why there is none.
  Prepared PrepareSubject(const Case& c, int subject, Cell& cell);
  // One timed run (a warm-up or a round) of `subject`, on its thread; the rate goes to
  // `reporter` under `name`.
  void Measure(const std::string& name, int subject, const Prepared& prepared, double min_time,
               const Case& c, benchmark::BenchmarkReporter& reporter);
  void SettleDisk() const;
  void PinRunThread(int threads) const;

  const Options& options_;
  std::array<Provider*, 2> modules_;
  std::array<std::string, 2> load_errors_;
  std::string scratch_dir_;
  cpu_set_t all_cpus_;  // the process's CPUs at start
  int case_cpu_ = -1;   // where the current case's one-thread runs go
  std::array<SubjectThread, kSubjectCount> threads_;
};

}  // namespace bench
