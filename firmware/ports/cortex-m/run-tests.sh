#!/usr/bin/env bash
# Builds the Cortex-M firmware for both MPS2 boards and runs its semihosted images on QEMU:
#   cortex-m4 on mps2-an386, cortex-m7 on mps2-an500 — the unit-test image and the budgeted
#   smoke image on each, every run bounded by `timeout`, QEMU's exit code = the image's status;
# checks the heap ban with two probes that must FAIL to link (malloc, operator new); prints
# the size report and enforces the budget (ARCA_CM_ENFORCE_BUDGET=0 reports without failing).
#
# Exit: 0 all passed; 1 a failure; 77 (ctest skip) only when the ARM toolchain, newlib-nano or
# qemu-system-arm is not installed. Build tree: $ARCA_CM_BUILD_DIR (default <repo>/build-cortex-m,
# git-ignored); mbedTLS source is fetched once into it by fetch-mbedtls.sh.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build=${ARCA_CM_BUILD_DIR:-$repo/build-cortex-m}
enforce=${ARCA_CM_ENFORCE_BUDGET:-1}
qemu_timeout=${ARCA_CM_QEMU_TIMEOUT:-120}

for tool in arm-none-eabi-gcc arm-none-eabi-g++ arm-none-eabi-size arm-none-eabi-nm \
            qemu-system-arm; do
  if ! command -v "$tool" >/dev/null; then
    echo "cortex-m: SKIP: $tool not installed (gcc-arm-none-eabi, qemu-system-arm)"
    exit 77
  fi
done
if ! arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb --specs=nano.specs -print-file-name=libc_nano.a \
     | grep -q /; then
  echo "cortex-m: SKIP: newlib-nano not installed (libnewlib-arm-none-eabi)"
  exit 77
fi
command -v cmake >/dev/null || { echo "cortex-m: cmake missing"; exit 1; }
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

failures=()
fail() { failures+=("$1"); echo "cortex-m: FAIL: $1"; }

mkdir -p "$build"
mbedtls=$(bash "$here/fetch-mbedtls.sh" "$build/mbedtls-src") || {
  echo "cortex-m: FAIL: could not get the mbedTLS 2.28 source package"
  exit 1
}

# run_image <board> <cpu> <elf>: QEMU's exit status is the image's (semihosting exit).
run_image() {
  local board=$1 cpu=$2 elf=$3 status
  echo "---- $(basename "$elf") on $board ($cpu)"
  timeout "$qemu_timeout" qemu-system-arm -M "$board" -cpu "$cpu" -nographic -monitor none \
    -semihosting-config enable=on,target=native -kernel "$elf"
  status=$?
  echo "---- exit code $status"
  ((status == 0)) || fail "$(basename "$elf") on $board exited $status"
}

reports=""
for target in cortex-m4:mps2-an386 cortex-m7:mps2-an500; do
  cpu=${target%%:*}
  board=${target#*:}
  dir=$build/${cpu}
  echo "==== $cpu ($board)"
  if ! cmake -S "$here" -B "$dir" "${generator[@]}" \
       -DCMAKE_TOOLCHAIN_FILE="$here/toolchain-arm-none-eabi.cmake" -DARCA_CM_CPU="$cpu" \
       -DARCA_MBEDTLS_SOURCE_DIR="$mbedtls" >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"
    fail "configure $cpu"
    continue
  fi
  if ! cmake --build "$dir" -j2 --target arca-fw-tests arca-fw-smoke; then
    fail "build $cpu"
    continue
  fi
  run_image "$board" "$cpu" "$dir/arca-fw-tests.elf"
  run_image "$board" "$cpu" "$dir/arca-fw-smoke.elf"

  # The budget: the size-report target fails when the smoke image is over it.
  cmake -S "$here" -B "$dir" -DARCA_CM_ENFORCE_BUDGET=$([[ $enforce == 0 ]] && echo OFF || echo ON) \
    >/dev/null
  if ! out=$(cmake --build "$dir" -j2 --target size-report 2>&1); then
    fail "size budget $cpu"
  fi
  reports+=$(echo "$out" | grep -v '^\[\|^ninja:\|^FAILED:\|^cd \|CMake Error\|^$')$'\n'
done

# The heap ban, proven: each probe references the heap and must not link, and for that reason.
echo "==== heap ban (probes must fail to link)"
probe_dir=$build/cortex-m4
if [[ -f $probe_dir/CMakeCache.txt ]]; then
  for probe in heap-probe-malloc:__wrap_malloc heap-probe-new:__wrap__Znwj; do
    name=${probe%%:*}
    symbol=${probe#*:}
    if out=$(cmake --build "$probe_dir" --target "$name" 2>&1); then
      fail "$name linked: the heap ban does not hold"
    elif grep -q "undefined reference to \`$symbol'" <<<"$out"; then
      echo "$name: link refused as expected (undefined reference to \`$symbol')"
    else
      echo "$out" | tail -20
      fail "$name failed to build, but not on $symbol"
    fi
  done
fi

echo "==== size report"
printf '%s' "$reports"
if ((${#failures[@]} > 0)); then
  echo "cortex-m: ${#failures[@]} failure(s):"
  printf '  %s\n' "${failures[@]}"
  exit 1
fi
echo "cortex-m: all passed"
