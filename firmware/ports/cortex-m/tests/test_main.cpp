// Entry of the semihosted test image: boots the firmware instance of board.cpp, runs the
// protocol, key store and core tests, prints the measured stack and mbedTLS pool peaks, and
// exits with the number of failed tests (0: all passed) — QEMU hands that status back.
#include "board.h"
#include "semihosting.h"
#include "startup.h"
#include "test_runner.h"

namespace hsm::cortex_m::test {
namespace {

int current_failures = 0;

}  // namespace

void Fail(const char* file, int line, const char* what) {
  ++current_failures;
  Print("    FAILED ");
  Print(file);
  Print(":");
  PrintDec(static_cast<uint32_t>(line));
  Print(": ");
  Print(what);
  Print("\n");
}

void FailStatus(const char* file, int line, const char* what, unsigned got, unsigned want) {
  Fail(file, line, what);
  Print("      status ");
  PrintDec(got);
  Print(", expected ");
  PrintDec(want);
  Print("\n");
}

int RunAll(const TestCase* cases, int count) {
  int failed = 0;
  for (int i = 0; i < count; ++i) {
    current_failures = 0;
    cases[i].run();
    Print(current_failures == 0 ? "[  OK  ] " : "[ FAIL ] ");
    Print(cases[i].name);
    Print("\n");
    if (current_failures != 0) ++failed;
  }
  return failed;
}

}  // namespace hsm::cortex_m::test

int main() {
  using namespace hsm::cortex_m;
  using namespace hsm::cortex_m::test;
  Print("arca cortex-m tests\n");
  if (Boot() != hsm::Status::kOk) {
    Print("boot failed\n");
    return 100;
  }
  int failed = RunAll(kProtocolTests, kProtocolTestCount) +
               RunAll(kKeystoreTests, kKeystoreTestCount) + RunAll(kCoreTests, kCoreTestCount);
  const int total = kProtocolTestCount + kKeystoreTestCount + kCoreTestCount;
  Print("stack peak: ");
  PrintDec(static_cast<uint32_t>(StackPeak()));
  Print(" of ");
  PrintDec(static_cast<uint32_t>(StackReserve()));
  Print(" bytes; mbedTLS pool peak: ");
  PrintDec(static_cast<uint32_t>(PoolPeak()));
  Print(" of ");
  PrintDec(static_cast<uint32_t>(PoolSize()));
  Print(" bytes\n");
  if (StackPeak() >= StackReserve()) {
    Print("stack overflow: the painted reserve is used up\n");
    ++failed;
  }
  PrintDec(static_cast<uint32_t>(total));
  Print(" tests, ");
  PrintDec(static_cast<uint32_t>(failed));
  Print(failed == 0 ? " failed: PASS\n" : " failed: FAIL\n");
  return failed;
}
