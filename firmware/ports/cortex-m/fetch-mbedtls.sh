#!/usr/bin/env bash
# Fetches mbedTLS 2.28.x as Debian's SOURCE package (the same release the host build links as
# libmbedcrypto) into a cache directory outside the repository, for the Cortex-M build, which
# compiles the library itself with its own MCU config. Adds a deb-src line for the configured
# Debian suites when none is there (apt-get source needs one), then runs apt-get update and
# apt-get source. Prints the path of the unpacked source tree on stdout (and nothing else).
#
#   fetch-mbedtls.sh <cache-dir>
#
# Exit: 0 done (or already cached), 1 failure (no deb-src possible, wrong version, apt error).
set -euo pipefail

cache=${1:?usage: fetch-mbedtls.sh <cache-dir>}
log() { echo "fetch-mbedtls: $*" >&2; }

# A tree is usable when its version header says 2.28.x; anything else is refused, since the
# MCU config header and the workers are written against the 2.28 API.
tree_version() {
  sed -n 's/^#define MBEDTLS_VERSION_STRING *"\([^"]*\)".*/\1/p' "$1/include/mbedtls/version.h" \
    2>/dev/null || true
}
cached_tree() {
  local d
  for d in "$cache"/mbedtls-2.28.*/; do
    [[ -d $d ]] || continue
    d=${d%/}
    [[ $(tree_version "$d") == 2.28.* ]] && { echo "$d"; return 0; }
  done
  return 1
}

if tree=$(cached_tree); then
  log "cached: $tree ($(tree_version "$tree"))"
  echo "$tree"
  exit 0
fi

command -v apt-get >/dev/null || { log "apt-get not found (Debian only)"; exit 1; }
command -v dpkg-source >/dev/null || { log "dpkg-source missing: install dpkg-dev"; exit 1; }

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then as_root=(sudo -n); fi
fi

# apt may be busy (another install): wait for its locks instead of failing at once.
apt_root() {
  local try
  for try in $(seq 1 60); do
    if "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=60 "$@"; then return 0; fi
    log "apt-get $1 failed (try $try), retrying in 10 s (apt busy?)"
    sleep 10
  done
  return 1
}

have_source() { apt-cache showsrc mbedtls 2>/dev/null | grep -q '^Version:'; }

if ! have_source; then
  # One deb-src entry per Debian archive apt already uses for binaries (same URI, suite and
  # component), so the source matches the binary packages of this machine's suite.
  list=/etc/apt/sources.list.d/arca-deb-src.list
  entries=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(ORIGIN)' \
              'Identifier: Packages' | awk '$4 == "Debian" {print "deb-src", $1, $2, $3}' | sort -u)
  [[ -n $entries ]] || { log "no Debian archive configured for apt; cannot add deb-src"; exit 1; }
  if [[ $(id -u) -ne 0 && ${#as_root[@]} -eq 0 ]]; then
    log "no deb-src for mbedtls and not root: add these lines to $list and rerun:"
    echo "$entries" >&2
    exit 1
  fi
  log "adding deb-src entries in $list"
  { echo "# Added by firmware/ports/cortex-m/fetch-mbedtls.sh: apt-get source mbedtls"
    echo "$entries"; } | "${as_root[@]}" tee "$list" >/dev/null
  apt_root update -q >&2 || { log "apt-get update failed"; exit 1; }
  have_source || { log "mbedtls source still unknown to apt after update"; exit 1; }
fi

version=$(apt-cache showsrc mbedtls | sed -n 's/^Version: //p' | sort -V | tail -1)
upstream=${version#*:}
upstream=${upstream%-*}
[[ $upstream == 2.28.* ]] || { log "apt offers mbedtls $version, need 2.28.x"; exit 1; }

mkdir -p "$cache"
log "apt-get source mbedtls=$version into $cache"
(cd "$cache" && apt-get source -q "mbedtls=$version" >&2) || { log "apt-get source failed"; exit 1; }

tree=$(cached_tree) || { log "unpacked tree has no 2.28.x version.h in $cache"; exit 1; }
log "ok: $tree ($(tree_version "$tree"))"
echo "$tree"
