// Reset and fault handling for the MPS2 images (see startup.h). Symbols with a leading
// __ come from mps2.ld. Any fault ends the run through semihosting with a distinct status,
// so a crash fails the test run at once instead of hanging QEMU until the timeout.
#include "startup.h"

#include <cstdint>

#include "semihosting.h"

extern "C" {
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[];
extern void (*__preinit_array_start[])();
extern void (*__preinit_array_end[])();
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
int main();
void Reset_Handler();
void Fault_Handler();
}

namespace hsm::cortex_m {
namespace {

constexpr uint32_t kPaint = 0xA5C3A5C3u;
// Status a fault exits with; main's own statuses stay below it.
constexpr int kFaultStatus = 99;

}  // namespace

size_t StackReserve() {
  return static_cast<size_t>(reinterpret_cast<uintptr_t>(__stack_top) -
                             reinterpret_cast<uintptr_t>(__stack_bottom));
}

size_t StackPeak() {
  const uint32_t* p = __stack_bottom;
  while (p < __stack_top && *p == kPaint) ++p;
  return static_cast<size_t>(reinterpret_cast<uintptr_t>(__stack_top) -
                             reinterpret_cast<uintptr_t>(p));
}

}  // namespace hsm::cortex_m

// Not optimised into memcpy/memset calls: this runs before .data exists, and the loops are
// the whole point. The paint stops a little below the current frame, which is in use.
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void Reset_Handler() {
  for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
  for (uint32_t* p = __bss_start; p < __bss_end; ++p) *p = 0;
  uint32_t* sp;
  asm volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = __stack_bottom; p < sp - 16; ++p) *p = hsm::cortex_m::kPaint;
  for (auto** f = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
  for (auto** f = __init_array_start; f < __init_array_end; ++f) (*f)();
  hsm::cortex_m::Exit(main());
}

void Fault_Handler() {
  hsm::cortex_m::Print("FAULT: the CPU took an exception (hard fault, bus/usage fault or NMI)\n");
  hsm::cortex_m::Exit(hsm::cortex_m::kFaultStatus);
}

// The vector table after its first word (the initial stack pointer, which mps2.ld writes, so
// no address-to-function-pointer cast is needed here): reset, then the system exceptions (NMI
// through SysTick). The MPS2 device interrupts are not used, so none are listed; VTOR stays 0.
__attribute__((section(".vectors"), used)) void (*const kVectors[15])() = {
    Reset_Handler,
    Fault_Handler,  // NMI
    Fault_Handler,  // HardFault
    Fault_Handler,  // MemManage
    Fault_Handler,  // BusFault
    Fault_Handler,  // UsageFault
    nullptr, nullptr, nullptr, nullptr,
    Fault_Handler,  // SVCall
    Fault_Handler,  // DebugMonitor
    nullptr,
    Fault_Handler,  // PendSV
    Fault_Handler,  // SysTick
};

// C++ runtime hooks. The firmware never returns from main, so destructors of statics never
// need to run: registering them is a no-op (and keeps newlib's atexit machinery out).
extern "C" {
void* __dso_handle = nullptr;
int __cxa_atexit(void (*)(void*), void*, void*) { return 0; }
// mbedTLS's exit (MBEDTLS_PLATFORM_EXIT_MACRO): its pool allocator found a corrupt block.
void arca_cm_mbedtls_exit(int) {
  hsm::cortex_m::Print("FAULT: mbedTLS memory pool corrupt\n");
  hsm::cortex_m::Exit(hsm::cortex_m::kFaultStatus);
}
// A pure virtual call is a bug; without this, libsupc++'s version drags in std::terminate.
void __cxa_pure_virtual() {
  hsm::cortex_m::Print("FAULT: pure virtual call\n");
  hsm::cortex_m::Exit(hsm::cortex_m::kFaultStatus);
}
}
