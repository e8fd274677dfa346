// arca-bench: measures Arca, SoftHSMv2 and raw OpenSSL side by side in one invocation and
// prints one table with ratios (see bench/README.md). Each module gets a private token in a
// temporary directory, so the run never touches the user's own tokens.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "bench_case.h"
#include "cases_firmware.h"
#include "options.h"
#include "provider.h"
#include "report.h"
#include "runner.h"

namespace bench {
namespace {

constexpr char kTokenLabel[] = "arca-bench";

// Writes each module's configuration into `dir` and points the environment at it. Arca
// probes no USB devices and no socket from the user's environment: the only device it may
// see is the emulator that FirmwareDevice::Start adds to the same file.
void PrepareEnvironment(const std::string& dir) {
  std::filesystem::create_directories(dir + "/arca");
  std::filesystem::create_directories(dir + "/softhsm");
  const std::string store = dir + "/arca/tokens.sqlite";
  // A low PIN cost only shortens C_Login at setup, which no case measures.
  std::ofstream(dir + "/arca.conf")
      << "[store]\npath = " << store << "\n[pin]\nkdf_iterations = 1000\n[usb]\nenabled = false\n";
  std::ofstream(dir + "/softhsm2.conf") << "directories.tokendir = " << dir
                                        << "/softhsm\nobjectstore.backend = file\n"
                                           "log.level = ERROR\nslots.removable = false\n";
  setenv("ARCA_CONF", (dir + "/arca.conf").c_str(), 1);
  setenv("ARCA_STORE", store.c_str(), 1);
  unsetenv("ARCA_FW_SOCKET");
  setenv("SOFTHSM2_CONF", (dir + "/softhsm2.conf").c_str(), 1);
}

std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

std::string Header(int argc, char** argv) {
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::string command = "arca-bench";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  return std::string("date: ") + date + "; machine: " + CpuModel() + ", " +
         std::to_string(std::thread::hardware_concurrency()) + " cores; command: `" + command +
         "`\n";
}

// The fw/ cases run before the threaded ones, so that `openssl speed` still directly follows
// those (RunAll).
std::vector<Case> SelectedCases(const Options& options, const FirmwareDevice& device) {
  std::vector<Case> all;
  auto firmware = [&device](const Options& o) { return FirmwareCases(o, device); };
  for (auto family : std::initializer_list<std::function<std::vector<Case>(const Options&)>>{
           KeygenCases, SignCases, CipherCases, ObjectCases, firmware, ThreadedSignCases,
           ThreadedCipherCases}) {
    for (Case& c : family(options)) all.push_back(std::move(c));
  }
  if (options.cases.empty()) return all;
  std::regex filter(options.cases);
  std::vector<Case> selected;
  for (Case& c : all) {
    if (std::regex_search(c.id, filter)) selected.push_back(std::move(c));
  }
  return selected;
}

std::unique_ptr<Provider> Load(const char* name, const std::string& path, std::string* error) {
  try {
    return Provider::Open(name, path, kTokenLabel);
  } catch (const std::exception& e) {
    *error = e.what();
    std::fprintf(stderr, "arca-bench: %s: %s\n", name, e.what());
    return nullptr;
  }
}

std::vector<CaseResult> RunAll(const Options& options, const std::vector<Case>& cases,
                               Runner& runner, const std::string& store_dir,
                               MachineState* machine) {
  constexpr int kFlushRounds = 200;
  std::vector<CaseResult> results;
  bool threads_done = false;
  machine->flush.error = "not run";
  for (size_t i = 0; i < cases.size(); ++i) {
    std::fprintf(stderr, "[%zu/%zu] %s\n", i + 1, cases.size(), cases[i].id.c_str());
    // The disk's pace just before and just after the case that waits for it.
    const bool creation = cases[i].id == "objects/create";
    StoreFlush before;
    if (creation) before = ProbeStoreFlush(store_dir, kFlushRounds);
    results.push_back(runner.Run(cases[i]));
    if (creation) machine->flush = Combine(before, ProbeStoreFlush(store_dir, kFlushRounds));
    threads_done |= cases[i].id.rfind("threads/", 0) == 0;
  }
  // Right after the threaded cases, so that it sees the same load on the machine.
  if (threads_done && !options.quick) {
    std::fprintf(stderr, "openssl speed ecdsap256 (1 process, then -multi 2)\n");
    machine->speed = RunOpensslSpeed(3);
  } else {
    machine->speed.error = "not run";
  }
  return results;
}

int Main(int argc, char** argv) {
  int status = 0;
  std::optional<Options> parsed = ParseOptions(argc, argv, &status);
  if (!parsed) return status;
  const Options& options = *parsed;
  FirmwareDevice device;
  std::vector<Case> cases = SelectedCases(options, device);
  if (options.list_only) {
    for (const Case& c : cases) std::printf("%s\n", c.id.c_str());
    return 0;
  }
  char dir_template[] = "/tmp/arca-bench-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) return std::perror("mkdtemp"), 1;
  PrepareEnvironment(dir);
  // Only a run with fw/ cases starts an emulator; the others keep Arca's slot list as it was.
  bool firmware = std::any_of(cases.begin(), cases.end(), [](const Case& c) {
    return c.id.rfind(kFirmwareCasePrefix, 0) == 0;
  });
  if (firmware) device.Start(options.emulator_path, dir, std::string(dir) + "/arca.conf");

  std::array<std::string, 2> errors;
  auto arca = Load("Arca", options.module_path, &errors[kArca]);
  if (arca && firmware) device.Attach(*arca);
  auto softhsm = Load("SoftHSMv2", options.softhsm_path, &errors[kSoftHsm]);
  int failures = 0;
  if (arca) {
    int one = 1;
    char* fake_argv[] = {argv[0], nullptr};
    benchmark::Initialize(&one, fake_argv);
    Runner runner(options, {arca.get(), softhsm.get()}, errors, dir);
    MachineState machine;
    std::vector<CaseResult> results =
        RunAll(options, cases, runner, std::string(dir) + "/arca", &machine);
    std::string header = Header(argc, argv);
    std::printf("\n%s\n", header.c_str());
    PrintTable(results, stdout);
    std::printf("\n");
    PrintTargets(results, machine, stdout);
    if (!options.markdown_path.empty()) {
      FILE* md = std::fopen(options.markdown_path.c_str(), "w");
      if (md != nullptr) {
        std::fprintf(md, "%s\n", header.c_str());
        PrintTable(results, md);
        std::fprintf(md, "\n");
        PrintTargets(results, machine, md);
        std::fclose(md);
      }
    }
    failures = CountFailures(results, stderr);
  } else {
    failures = 1;
  }
  softhsm.reset();
  arca.reset();
  device.Stop();  // after C_Finalize: the module has let go of the socket
  if (!options.keep_temp)
    std::filesystem::remove_all(dir);
  else
    std::fprintf(stderr, "kept %s\n", dir);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) { return bench::Main(argc, argv); }
