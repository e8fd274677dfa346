#!/usr/bin/env bash
# usb.gadget_qemu: boots Debian's kernel under qemu-system-x86_64 (TCG) with an initramfs
# holding dummy_hcd + libcomposite + usb_f_fs, arca-fw-gadget, setup-configfs.sh, the built
# libarca-pkcs11.so and arca-gadget-client (each with the shared libraries ldd names), and
# reads the guest's verdict from its console: exactly one "ARCA-USB-GADGET-QEMU: PASS" or
# "ARCA-USB-GADGET-QEMU: FAIL" line. Exit 0 pass, 1 fail, 77 skipped — skipped only when
# qemu-system-x86_64, busybox or cpio is missing or the kernel package cannot be downloaded.
#
#   run-qemu-test.sh --work DIR --cache DIR --gadget BIN --setup SH --module SO --client BIN
#
# The kernel comes from the linux-image-amd64 metapackage's dependency (apt-get download +
# dpkg-deb, never a hard-coded ABI name) and is kept in the cache dir: delete it to refresh.
# Environment: ARCA_QEMU_TIMEOUT (seconds for the guest, default 600).
set -euo pipefail

work='' cache='' gadget='' setup='' module='' client=''
while (($#)); do
  case $1 in
    --work) work=$2 ;; --cache) cache=$2 ;; --gadget) gadget=$2 ;; --setup) setup=$2 ;;
    --module) module=$2 ;; --client) client=$2 ;;
    *) echo "run-qemu-test: unknown argument $1" >&2; exit 2 ;;
  esac
  shift 2
done
for v in work cache gadget setup module client; do
  [[ -n ${!v} ]] || { echo "run-qemu-test: --$v is required" >&2; exit 2; }
done
work=$(realpath -m "$work") cache=$(realpath -m "$cache")
guest_timeout=${ARCA_QEMU_TIMEOUT:-600}
t0=$(date +%s)

say() { echo "run-qemu-test: [$(($(date +%s) - t0))s] $*"; }
skip() {
  echo "################################################################################"
  echo "### usb.gadget_qemu SKIPPED: $*"
  echo "### (the kernel USB end-to-end test did NOT run)"
  echo "################################################################################"
  exit 77
}
fail() { echo "run-qemu-test: FAIL: $*"; exit 1; }

# ---- tools ---------------------------------------------------------------------------------
qemu=$(command -v qemu-system-x86_64 || true)
busybox=$(command -v busybox || echo /bin/busybox)
[[ -n $qemu ]] || skip "qemu-system-x86_64 not installed (package qemu-system-x86)"
[[ -x $busybox ]] || skip "busybox not installed (package busybox-static)"
command -v cpio >/dev/null || skip "cpio not installed"
for tool in apt-get dpkg-deb ldd timeout gzip; do
  command -v "$tool" >/dev/null || skip "$tool not available"
done
for f in "$gadget" "$setup" "$module" "$client"; do
  [[ -e $f ]] || fail "$f does not exist (build arca-fw-gadget arca-pkcs11 arca-gadget-client)"
done

# ---- kernel --------------------------------------------------------------------------------
fetch_kernel() {
  local dl=$cache/download
  rm -rf "$dl" "$cache/root" && mkdir -p "$dl"
  (cd "$dl" && timeout 180 apt-get download -q linux-image-amd64) >"$cache/fetch.log" 2>&1 ||
    return 1
  local meta dep
  meta=$(ls "$dl"/linux-image-amd64_*.deb)
  # "Depends: linux-image-6.1.0-NN-amd64 (= ...)": the ABI package of the day.
  dep=$(dpkg-deb -f "$meta" Depends | tr ',|' '\n' | sed -E 's/^ *([^ ]+).*/\1/' |
        grep -E '^linux-image-[0-9]' | head -n 1)
  [[ -n $dep ]] || return 1
  say "linux-image-amd64 depends on $dep"
  (cd "$dl" && timeout 600 apt-get download -q "$dep") >>"$cache/fetch.log" 2>&1 || return 1
  dpkg-deb -x "$dl/$dep"_*.deb "$cache/root" || return 1
  rm -f "$dl"/*.deb
  touch "$cache/kernel.ok"
}
mkdir -p "$cache"
# A cache that lost its kernel (interrupted clean-up) is fetched again, not trusted.
compgen -G "$cache/root/boot/vmlinuz-*" >/dev/null || rm -f "$cache/kernel.ok"
if [[ ! -e $cache/kernel.ok ]]; then
  say "fetching the Debian kernel into $cache"
  fetch_kernel || { tail -n 20 "$cache/fetch.log" 2>/dev/null; skip "cannot download linux-image-amd64 (no network or no apt source?)"; }
fi
vmlinuz=$(ls "$cache"/root/boot/vmlinuz-* | head -n 1)
moddir=$(ls -d "$cache"/root/lib/modules/*/ | head -n 1)
moddir=${moddir%/}
kver=$(basename "$moddir")
say "kernel $kver"

# ---- initramfs -----------------------------------------------------------------------------
rm -rf "$work" && mkdir -p "$work/root"
root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc/arca,opt/arca,lib/modules}

# Modules in load order, dependencies first. The package has no modules.dep (depmod makes it
# at install time) and the host may lack kmod, so each module's own "depends=" field (in its
# .modinfo section) is read directly.
declare -A module_path=() loaded=()
while IFS= read -r -d '' ko; do
  base=${ko##*/}
  base=${base%%.ko*}
  module_path[${base//-/_}]=$ko
done < <(find "$moddir/kernel" -name '*.ko*' -print0)
order=()
add_module() {  # module name (underscores)
  local name=$1 ko deps dep
  [[ -n ${loaded[$name]:-} ]] && return 0
  loaded[$name]=1
  ko=${module_path[$name]:-}
  [[ -n $ko ]] || fail "kernel $kver has no module $name"
  deps=$(decompress_module "$ko" | tr '\0' '\n' | grep -a -m 1 '^depends=' || true)
  deps=${deps#depends=}
  for dep in ${deps//,/ }; do add_module "${dep//-/_}"; done
  order+=("$name")
}
decompress_module() {
  case $1 in
    *.ko.xz) xz -dc "$1" ;;
    *.ko.zst) zstd -qdc "$1" ;;
    *.ko.gz) gzip -dc "$1" ;;
    *) cat "$1" ;;
  esac
}
for m in dummy_hcd libcomposite usb_f_fs; do add_module "$m"; done
for name in "${order[@]}"; do
  decompress_module "${module_path[$name]}" >"$root/lib/modules/$name.ko"
  echo "$name.ko" >>"$root/lib/modules/order"
done
say "modules: $(tr '\n' ' ' <"$root/lib/modules/order")"

# A binary with the shared libraries ldd resolves for it, at the same paths.
copy_with_libs() {  # FILE DEST
  cp -L "$1" "$2"
  local lib
  for lib in $(ldd "$1" 2>/dev/null | grep -oE '/[^ ]+' || true); do
    [[ -e $root$lib ]] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}
copy_with_libs "$busybox" "$root/bin/busybox"
copy_with_libs "$gadget" "$root/opt/arca/arca-fw-gadget"
copy_with_libs "$module" "$root/opt/arca/libarca-pkcs11.so"
copy_with_libs "$client" "$root/opt/arca/arca-gadget-client"
cp "$setup" "$root/opt/arca/setup-configfs.sh"
chmod 755 "$root/opt/arca/setup-configfs.sh"

cat >"$root/etc/arca/arca.conf" <<'CONF'
[store]
path = /tmp/arca/tokens.sqlite
[firmware]
; Short, so a request to a vanished device fails quickly.
timeout_ms = 3000
[usb]
enabled = true
vid = 1209
pid = ca5a
CONF
cp "$(dirname "$0")/guest-init.sh" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1 >"$work/initrd.gz")
say "initramfs $(du -h "$work/initrd.gz" | cut -f1)"

# ---- boot ----------------------------------------------------------------------------------
# TCG: /dev/kvm here cannot run Debian kernels. -cpu max gives the guest RDRAND, so its
# CSPRNG is ready at once (getrandom would otherwise wait for jitter entropy).
console=$work/console.log
say "booting (guest bounded to ${guest_timeout}s)"
rc=0
timeout -k 10 "$guest_timeout" "$qemu" -M q35 -accel tcg -cpu max -m 1024 -smp 1 -nographic \
  -no-reboot -kernel "$vmlinuz" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 panic=-1 quiet loglevel=4 rdinit=/init" \
  </dev/null 2>&1 | tr -d '\r' | tee "$console" || rc=$?
elapsed=$(($(date +%s) - t0))
verdicts=$(grep -cE '^ARCA-USB-GADGET-QEMU: (PASS|FAIL)' "$console" || true)
if [[ $verdicts -eq 1 ]] && grep -qE '^ARCA-USB-GADGET-QEMU: PASS' "$console"; then
  say "PASS (whole test ${elapsed}s)"
  exit 0
fi
[[ $rc -eq 124 ]] && fail "the guest gave no verdict within ${guest_timeout}s (whole test ${elapsed}s)"
fail "the guest reported no PASS (qemu status $rc, whole test ${elapsed}s)"
