#include "runner.h"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>

namespace bench {
namespace {

// Collects each run's rate by the name it was registered under; prints nothing.
class CollectingReporter : public benchmark::BenchmarkReporter {
 public:
  struct Outcome {
    double rate = 0;
    std::string error;
  };

  explicit CollectingReporter(Unit unit) : unit_(unit) {}
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration) continue;
      Outcome& out = outcomes_[run.run_name.function_name];
      if (run.error_occurred) {
        out.error = run.error_message;
        continue;
      }
      const char* counter =
          unit_ == Unit::kMegabytesPerSecond ? "bytes_per_second" : "items_per_second";
      auto it = run.counters.find(counter);
      double rate = it == run.counters.end() ? 0 : it->second.value;
      out.rate = unit_ == Unit::kMegabytesPerSecond ? rate / 1e6 : rate;
    }
  }
  const std::map<std::string, Outcome>& outcomes() const { return outcomes_; }

 private:
  Unit unit_;
  std::map<std::string, Outcome> outcomes_;
};

std::string RunName(const char* phase, int round, int subject) {
  return std::string(phase) + "/" + std::to_string(round) + "/" + kSubjectNames[subject];
}

void Register(const std::string& name, const Prepared& prepared, double min_time, int threads) {
  auto body = prepared.body;
  auto* b =
      benchmark::RegisterBenchmark(name.c_str(), [body](benchmark::State& state) { body(state); });
  b->MinTime(min_time)->UseRealTime();
  if (threads > 1) b->Threads(threads);
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

Runner::Runner(const Options& options, std::array<Provider*, 2> modules,
               std::array<std::string, 2> load_errors, std::string scratch_dir)
    : options_(options),
      modules_(modules),
      load_errors_(std::move(load_errors)),
      scratch_dir_(std::move(scratch_dir)) {
  if (sched_getaffinity(0, sizeof all_cpus_, &all_cpus_) != 0) CPU_ZERO(&all_cpus_);
}

// SoftHSMv2 writes its objects without syncing; the kernel writes them back later, during
// whatever runs next. Arca waits for each object to be durable, so that write-back would land
// in Arca's timed rounds. Flushing first leaves every round the disk as quiet as it was.
void Runner::SettleDisk() const {
  if (scratch_dir_.empty()) return;
  int fd = open(scratch_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  syncfs(fd);
  close(fd);
}

// The CPUs a run's thread may use. Each subject has its own thread, and a scheduler keeps a
// thread where it last ran: left alone, the subjects of a one-thread case would each settle on
// their own CPU, and a virtual machine's CPUs need not be equally fast. So a case's one-thread
// runs all go to the CPU the case started on; a multi-thread run gets every CPU (its threads
// inherit the mask), shared alike by all subjects.
void Runner::PinRunThread(int threads) const {
  cpu_set_t cpus;
  if (threads > 1 || case_cpu_ < 0) {
    cpus = all_cpus_;
  } else {
    CPU_ZERO(&cpus);
    CPU_SET(case_cpu_, &cpus);
  }
  sched_setaffinity(0, sizeof cpus, &cpus);  // best effort: a refusal leaves the mask as it was
}

void Runner::Measure(const std::string& name, int subject, const Prepared& prepared,
                     double min_time, const Case& c, benchmark::BenchmarkReporter& reporter) {
  SettleDisk();
  threads_[subject].Run([&] {
    PinRunThread(c.threads);
    Register(name, prepared, min_time, c.threads);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::ClearRegisteredBenchmarks();
  });
}

Prepared Runner::PrepareSubject(const Case& c, int subject, Cell& cell) {
  Prepared prepared;
  try {
    if (subject == kOpenssl) {
      if (!c.on_openssl) return prepared;  // no counterpart: the cell stays "—"
      prepared = c.on_openssl();
    } else if (modules_[subject] == nullptr) {
      prepared = Prepared::NotApplicable("n/a (not loaded: " + load_errors_[subject] + ")");
    } else {
      prepared = c.on_module(*modules_[subject]);
    }
  } catch (const std::exception& e) {
    cell.kind = Cell::Kind::kError;
    cell.note = e.what();
    return Prepared();
  }
  if (!prepared.body) {
    cell.kind = Cell::Kind::kNotApplicable;
    cell.note = prepared.na_reason;
  }
  return prepared;
}

CaseResult Runner::Run(const Case& c) {
  CaseResult result{c.id, c.title, c.unit, {}};
  case_cpu_ = CPU_COUNT(&all_cpus_) > 0 ? sched_getcpu() : -1;
  std::array<Prepared, kSubjectCount> prepared;
  for (int s = 0; s < kSubjectCount; ++s) {
    threads_[s].Run([&] { prepared[s] = PrepareSubject(c, s, result.cells[s]); });
  }

  CollectingReporter reporter(c.unit);
  // Warm-up: first use fills caches (keys, pages, branch predictors) before any round counts.
  const double per_round = options_.min_time / options_.rounds;
  for (int s = 0; s < kSubjectCount; ++s) {
    if (prepared[s].body && !options_.quick) {
      Measure(RunName("warmup", 0, s), s, prepared[s], std::max(0.02, per_round / 5), c, reporter);
    }
  }
  for (int r = 0; r < options_.rounds; ++r) {
    for (int s = 0; s < kSubjectCount; ++s) {
      if (prepared[s].body) Measure(RunName("round", r, s), s, prepared[s], per_round, c, reporter);
    }
  }

  for (int s = 0; s < kSubjectCount; ++s) {
    if (!prepared[s].body) continue;
    Cell& cell = result.cells[s];
    cell.kind = Cell::Kind::kValue;
    for (int r = 0; r < options_.rounds; ++r) {
      auto it = reporter.outcomes().find(RunName("round", r, s));
      if (it == reporter.outcomes().end() || !it->second.error.empty()) {
        cell.kind = Cell::Kind::kError;
        cell.note = it == reporter.outcomes().end() ? "no result" : it->second.error;
        break;
      }
      cell.rounds.push_back(it->second.rate);
    }
    if (cell.kind == Cell::Kind::kValue) cell.value = Median(cell.rounds);
  }
  // Sessions closed and keys destroyed by the thread that made them.
  for (int s = 0; s < kSubjectCount; ++s) threads_[s].Run([&] { prepared[s] = Prepared(); });
  return result;
}

}  // namespace bench
