# CMake toolchain for the Arca firmware on Cortex-M4 / Cortex-M7 with Debian's
# gcc-arm-none-eabi and newlib-nano. Pick the core with -DARCA_CM_CPU=cortex-m4|cortex-m7.
# Floating point is soft: the firmware does no FP math, and a soft-float image needs no FPU
# enable in the startup code and runs on any M4/M7 variant (with or without an FPU).
#
# C++ is compiled freestanding-style: no exceptions, no RTTI, no thread-safe static guards
# (the firmware is single-threaded; guards would pull in __cxa_guard_* from libsupc++).
# The heap ban itself is applied at link time by the project (ARCA_CM_NO_HEAP_LINK_FLAGS in
# CMakeLists.txt), so it covers every library linked in, newlib included.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar CACHE FILEPATH "")
set(CMAKE_RANLIB arm-none-eabi-ranlib CACHE FILEPATH "")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "")
set(CMAKE_NM arm-none-eabi-nm CACHE FILEPATH "")
# Probing the compiler must not try to link a hosted program (there is no crt0 or syscalls).
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(ARCA_CM_CPU cortex-m4 CACHE STRING "Target core: cortex-m4 or cortex-m7")
set_property(CACHE ARCA_CM_CPU PROPERTY STRINGS cortex-m4 cortex-m7)
if(NOT ARCA_CM_CPU MATCHES "^cortex-m[47]$")
  message(FATAL_ERROR "ARCA_CM_CPU must be cortex-m4 or cortex-m7, not '${ARCA_CM_CPU}'")
endif()

set(_arca_cpu "-mcpu=${ARCA_CM_CPU} -mthumb -mfloat-abi=soft")
# Sections per function/object so --gc-sections drops what the image never calls (most of
# mbedTLS's compiled-in API surface).
set(_arca_common "${_arca_cpu} -ffunction-sections -fdata-sections -fno-common")
set(CMAKE_C_FLAGS_INIT "${_arca_common}")
set(CMAKE_CXX_FLAGS_INIT
    "${_arca_common} -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-asynchronous-unwind-tables")
set(CMAKE_ASM_FLAGS_INIT "${_arca_cpu}")
# newlib-nano (smaller libc, no malloc-based stdio pulled unless called); our own startup, so
# no crt0; nothing from libnosys either: a call that needs a syscall fails to link.
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_arca_cpu} --specs=nano.specs -nostartfiles -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
