#!/bin/busybox sh
# /init of the usb.gadget_qemu guest: loads the USB gadget modules, starts arca-fw-gadget on
# FunctionFS, binds it to dummy_hcd's UDC, runs arca-gadget-client against the module, and
# prints exactly one verdict line ("ARCA-USB-GADGET-QEMU: PASS" or "...: FAIL") before
# powering off. Every wait is bounded: the host only reads the console.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/opt/arca
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mkdir -p /tmp/arca

verdict() {
  echo "ARCA-USB-GADGET-QEMU: $1"
  sync
  poweroff -f
  sleep 5
  exit 1  # init exiting panics the kernel; panic=-1 and -no-reboot end QEMU either way
}
step() { echo "guest: [$(cut -d' ' -f1 /proc/uptime)s] $*"; }
die() {
  step "FAILED: $*"
  [ -f /tmp/gadget.log ] && { echo "--- arca-fw-gadget log"; cat /tmp/gadget.log; }
  dmesg | tail -n 30
  verdict FAIL
}

step "init started, kernel $(uname -r)"
for m in $(cat /lib/modules/order); do
  insmod "/lib/modules/$m" || die "insmod $m"
done
mount -t configfs configfs /sys/kernel/config || die "mount configfs"
[ -e /sys/class/udc/dummy_udc.0 ] || die "no dummy_udc.0"
step "modules loaded: $(tr '\n' ' ' </lib/modules/order)"

serial=ARCAQEMU0001
export ARCA_SERIAL=$serial ARCA_FFS_DIR=/dev/ffs-arca ARCA_BIND_TIMEOUT=30
setup-configfs.sh create || die "setup-configfs.sh create"
arca-fw-gadget --ffs /dev/ffs-arca --flash /tmp/fw.flash --serial "$serial" 2>/tmp/gadget.log &
gadget_pid=$!
setup-configfs.sh bind dummy_udc.0 || die "setup-configfs.sh bind"
step "gadget bound"

export ARCA_CONF=/etc/arca/arca.conf HOME=/tmp
timeout 420 arca-gadget-client --module /opt/arca/libarca-pkcs11.so \
  --unbind "setup-configfs.sh unbind" --bind "setup-configfs.sh bind dummy_udc.0"
rc=$?
[ "$rc" -eq 0 ] || die "arca-gadget-client exited $rc"

# The gadget stops cleanly on SIGTERM while bound, its bulk thread blocked in a read.
kill -TERM "$gadget_pid"
waited=0
while [ -d "/proc/$gadget_pid" ] && [ "$(cut -d' ' -f3 "/proc/$gadget_pid/stat")" != Z ]; do
  [ "$waited" -lt 50 ] || die "arca-fw-gadget still running 5 s after SIGTERM"
  sleep 0.1
  waited=$((waited + 1))
done
wait "$gadget_pid"
gadget_rc=$?
echo "--- arca-fw-gadget log"
cat /tmp/gadget.log
[ "$gadget_rc" -eq 0 ] || die "arca-fw-gadget exited $gadget_rc on SIGTERM"
step "arca-fw-gadget stopped on SIGTERM"
verdict PASS
