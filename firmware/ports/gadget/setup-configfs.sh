#!/bin/sh
# Creates, binds, unbinds and removes the configfs USB gadget that arca-fw-gadget serves: one
# configuration with one FunctionFS function, VID:PID 1209:CA5A (the ids the module looks
# for), the manufacturer/product/serial strings. POSIX sh, so it runs under busybox too.
#
#   setup-configfs.sh create           gadget in configfs + functionfs mounted at $ARCA_FFS_DIR
#   setup-configfs.sh bind [UDC]       waits for arca-fw-gadget's descriptors, binds the UDC
#   setup-configfs.sh unbind           detaches from the bus (the host sees an unplug)
#   setup-configfs.sh remove           unbinds, unmounts, removes the configfs tree
#   setup-configfs.sh [UDC]            create, then bind (start arca-fw-gadget meanwhile)
#
# UDC defaults to the first entry of /sys/class/udc. The binding has to wait for the gadget:
# the kernel refuses a FunctionFS function whose descriptors were not written yet.
# Environment: ARCA_SERIAL (iSerialNumber; give arca-fw-gadget the same --serial, the module
# matches the two), ARCA_GADGET (configfs name, default arca), ARCA_FFS_DIR (default
# /dev/ffs-arca), ARCA_BIND_TIMEOUT (seconds, default 30).
set -eu

name=${ARCA_GADGET:-arca}
ffs_dir=${ARCA_FFS_DIR:-/dev/ffs-arca}
serial=${ARCA_SERIAL:-ARCA0001}
bind_timeout=${ARCA_BIND_TIMEOUT:-30}
configfs=/sys/kernel/config
gadget=$configfs/usb_gadget/$name
instance=$name  # the functionfs instance name: the "dev_name" mount argument

die() {
  echo "setup-configfs: $*" >&2
  exit 1
}

create() {
  [ -d "$configfs/usb_gadget" ] || mount -t configfs none "$configfs" 2>/dev/null || true
  [ -d "$configfs/usb_gadget" ] || die "no configfs usb_gadget (modprobe libcomposite)"
  if [ ! -d "$gadget" ]; then
    mkdir "$gadget"
    echo 0x1209 >"$gadget/idVendor"
    echo 0xca5a >"$gadget/idProduct"
    echo 0x0001 >"$gadget/bcdDevice"
    echo 0x0200 >"$gadget/bcdUSB"
    # Class at the interface level: the device descriptor says nothing about it.
    echo 0x00 >"$gadget/bDeviceClass"
    mkdir "$gadget/strings/0x409"
    echo "$serial" >"$gadget/strings/0x409/serialnumber"
    echo "Arca" >"$gadget/strings/0x409/manufacturer"
    echo "Arca HSM" >"$gadget/strings/0x409/product"
    mkdir "$gadget/configs/c.1"
    mkdir "$gadget/configs/c.1/strings/0x409"
    echo "Arca HSM" >"$gadget/configs/c.1/strings/0x409/configuration"
    echo 100 >"$gadget/configs/c.1/MaxPower"
    mkdir "$gadget/functions/ffs.$instance"
    ln -s "$gadget/functions/ffs.$instance" "$gadget/configs/c.1/"
  fi
  mkdir -p "$ffs_dir"
  if ! grep -q " $ffs_dir functionfs " /proc/mounts; then
    mount -t functionfs "$instance" "$ffs_dir" || die "cannot mount functionfs (modprobe usb_f_fs)"
  fi
  echo "setup-configfs: gadget $name created, functionfs at $ffs_dir (serial $serial)"
}

first_udc() {
  for udc in /sys/class/udc/*; do
    [ -e "$udc" ] && { basename "$udc"; return 0; }
  done
  return 1
}

bind() {
  udc=${1:-}
  [ -n "$udc" ] || udc=$(first_udc) || die "no UDC in /sys/class/udc"
  [ -d "$gadget" ] || die "no gadget $name: run create first"
  # The endpoint files appear once arca-fw-gadget has written descriptors and strings; the
  # write that follows can still race FunctionFS's own readiness, hence the retries.
  waited=0
  while [ ! -e "$ffs_dir/ep1" ]; do
    [ "$waited" -lt $((bind_timeout * 10)) ] || die "no descriptors in $ffs_dir after ${bind_timeout}s (is arca-fw-gadget running?)"
    sleep 0.1
    waited=$((waited + 1))
  done
  tries=0
  until echo "$udc" >"$gadget/UDC" 2>/dev/null; do
    tries=$((tries + 1))
    [ "$tries" -lt 50 ] || die "cannot bind $udc"
    sleep 0.1
  done
  echo "setup-configfs: gadget $name bound to $udc"
}

unbind() {
  [ -d "$gadget" ] || return 0
  # Writing an empty line detaches; reading first avoids an error when already unbound.
  if [ -n "$(cat "$gadget/UDC")" ]; then echo "" >"$gadget/UDC"; fi
  echo "setup-configfs: gadget $name unbound"
}

remove() {
  unbind
  if grep -q " $ffs_dir functionfs " /proc/mounts; then umount "$ffs_dir"; fi
  [ -d "$gadget" ] || return 0
  rm -f "$gadget/configs/c.1/ffs.$instance"
  rmdir "$gadget/configs/c.1/strings/0x409" "$gadget/configs/c.1" \
    "$gadget/functions/ffs.$instance" "$gadget/strings/0x409" "$gadget"
  echo "setup-configfs: gadget $name removed"
}

case "${1:-}" in
  create) create ;;
  bind) bind "${2:-}" ;;
  unbind) unbind ;;
  remove) remove ;;
  -h | --help) sed -n '2,17p' "$0" ;;
  *)
    create
    echo "setup-configfs: start arca-fw-gadget --ffs $ffs_dir --serial $serial --flash FILE"
    bind "${1:-}"
    ;;
esac
