// Semihosting calls for the test images (see semihosting.h). The operation numbers and the
// ADP_Stopped_ApplicationExit reason are those of Arm's semihosting specification.
#include "semihosting.h"

namespace hsm::cortex_m {
namespace {

constexpr uint32_t kSysWrite0 = 0x04;
constexpr uint32_t kSysExitExtended = 0x20;
constexpr uint32_t kApplicationExit = 0x20026;

uint32_t Call(uint32_t op, const void* arg) {
  register uint32_t r0 asm("r0") = op;
  register const void* r1 asm("r1") = arg;
  // The debugger reads r0/r1 and may read or write memory through r1.
  asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

}  // namespace

void Print(const char* text) { Call(kSysWrite0, text); }

void PrintDec(uint32_t value) {
  char buf[11];
  char* p = buf + sizeof(buf) - 1;
  *p = '\0';
  do {
    *--p = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  Print(p);
}

void PrintHex(uint32_t value) {
  char buf[11] = "0x";
  for (int i = 0; i < 8; ++i) buf[2 + i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 0xF];
  buf[10] = '\0';
  Print(buf);
}

void Exit(int status) {
  // SYS_EXIT on 32-bit Arm carries only "stopped" vs "error"; the extended call carries the
  // status itself, so a test binary's exit code reaches the shell unchanged.
  const uint32_t block[2] = {kApplicationExit, static_cast<uint32_t>(status)};
  Call(kSysExitExtended, block);
  for (;;) asm volatile("bkpt 0");  // not under a debugger: stop here
}

}  // namespace hsm::cortex_m
