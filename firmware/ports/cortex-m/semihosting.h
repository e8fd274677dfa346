// Semihosting: the test images' only I/O. The debugger (here QEMU with
// -semihosting-config enable=on,target=native) serves the BKPT 0xAB calls: text to the
// host's stdout, and the exit status handed back as QEMU's own exit code. A production image
// on a board without a debugger must not call these (BKPT would fault); only the test and
// smoke images link this file.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hsm::cortex_m {

void Print(const char* text);                 // SYS_WRITE0
void PrintDec(uint32_t value);
void PrintHex(uint32_t value);
[[noreturn]] void Exit(int status);           // SYS_EXIT_EXTENDED: status reaches the host

}  // namespace hsm::cortex_m
