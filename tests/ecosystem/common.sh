# shellcheck shell=bash
# Shared by the ecosystem tests; sourced, not run.
# Usage in a test:  source "$(dirname "$0")/common.sh" "$@"
#   $1  the module to load (CMake passes $<TARGET_FILE:arca-pkcs11>)
#   $2  the build directory (optional)
# Each test gets a private temporary directory ($WORK) holding its own token store
# (ARCA_STORE) and configuration (ARCA_CONF, with a low PIN KDF cost to stay fast), so it
# never touches the user's store, and runs every external command under `timeout`.
set -euo pipefail

MODULE=${1:?usage: $0 MODULE [BUILD_DIR]}
BUILD_DIR=${2:-}
[[ "$MODULE" == /* ]] || MODULE="$PWD/$MODULE"
TEST_NAME=$(basename "$0" .sh)

SO_PIN=${ECO_SO_PIN:-12345678}
USER_PIN=${ECO_USER_PIN:-123456}
CMD_TIMEOUT=${ECO_CMD_TIMEOUT:-120}

log() { printf '[%s] %s\n' "$TEST_NAME" "$*"; }
fail() { printf '[%s] FAIL: %s\n' "$TEST_NAME" "$*" >&2; exit 1; }
# t CMD... — every external command runs through this: bounded in time.
t() { timeout --kill-after=5 "$CMD_TIMEOUT" "$@"; }
need() {
  local p
  for p in "$@"; do
    command -v "$p" >/dev/null 2>&1 || fail "'$p' is not installed (scripts/deps installs it)"
  done
}

[[ -f "$MODULE" ]] || fail "module not found: $MODULE"
need timeout pkcs11-tool openssl

if [[ -n "${ECO_WORK:-}" ]]; then
  # A test re-running itself (e.g. inside a namespace) shares its parent's directory.
  WORK=$ECO_WORK
  trap - EXIT
else
WORK=$(mktemp -d "${TMPDIR:-/tmp}/arca-eco-$TEST_NAME.XXXXXX")
cleanup() {
  local rc=$?
  if ((rc != 0 && rc != 77)) && [[ -z "${ECO_KEEP:-}" ]]; then
    log "removing $WORK (set ECO_KEEP=1 to keep it)"
  fi
  [[ -n "${ECO_KEEP:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT
fi

export ARCA_STORE="$WORK/tokens.sqlite"
export ARCA_CONF="$WORK/arca.conf"
printf '[pin]\nkdf_iterations = 1000\n' >"$ARCA_CONF"
unset ARCA_FW_SOCKET
# Lets the same script be pointed at SoftHSMv2 when checking a test itself.
mkdir -p "$WORK/softhsm"
printf 'directories.tokendir = %s\nobjectstore.backend = file\n' "$WORK/softhsm" >"$WORK/softhsm2.conf"
export SOFTHSM2_CONF="$WORK/softhsm2.conf"

# hex_of FILE — the file's bytes in hex on one line, for failure messages.
hex_of() { od -An -tx1 "$1" | tr -d ' \n'; }

# p11 ARGS... — pkcs11-tool on the module under test.
p11() { t pkcs11-tool --module "$MODULE" "$@"; }

# free_slot — the ID of the slot whose token is not initialised (Arca keeps exactly one).
free_slot() {
  local slot
  slot=$(p11 --list-slots | awk '
    /^Slot [0-9]+ \(0x[0-9a-fA-F]+\)/ { id = $3; gsub(/[():]/, "", id) }
    /token state:[ \t]+uninitialized/ && id != "" { print id; exit }')
  [[ -n "$slot" ]] || fail "no slot with an uninitialised token: $(p11 --list-slots 2>&1)"
  echo "$slot"
}

# init_token LABEL — initialises the free slot's token with LABEL and sets the user PIN.
init_token() {
  local label=$1 slot
  slot=$(free_slot)
  log "initialising token '$label' in free slot $slot"
  p11 --slot "$slot" --init-token --label "$label" --so-pin "$SO_PIN" >/dev/null ||
    fail "C_InitToken failed on slot $slot"
  p11 --token-label "$label" --login --login-type so --so-pin "$SO_PIN" \
      --init-pin --pin "$USER_PIN" >/dev/null ||
    fail "C_InitPIN failed on token '$label'"
}

# keygen LABEL ID KEYTYPE TOKEN — a key pair generated on the token (e.g. EC:prime256v1, rsa:2048).
keygen() {
  local label=$1 id=$2 type=$3 token=$4
  log "generating $type key pair '$label' (id $id)"
  p11 --token-label "$token" --login --pin "$USER_PIN" --keypairgen --key-type "$type" \
      --id "$id" --label "$label" >"$WORK/keygen-$label.log" 2>&1 ||
    { cat "$WORK/keygen-$label.log" >&2; fail "key pair generation $type failed"; }
}

# export_pubkey ID TOKEN OUT.pem — reads the public key object and converts it to PEM.
export_pubkey() {
  local id=$1 token=$2 out=$3
  p11 --token-label "$token" --read-object --type pubkey --id "$id" -o "$WORK/pub-$id.der" \
      >"$WORK/read-$id.log" 2>&1 ||
    fail "reading public key id $id failed: $(cat "$WORK/read-$id.log")"
  # pkcs11-tool writes some key types (Ed25519) as PEM even when asked for DER.
  if grep -q -- '-----BEGIN' "$WORK/pub-$id.der"; then
    t openssl pkey -pubin -in "$WORK/pub-$id.der" -out "$out" ||
      fail "public key id $id is not a valid PEM SubjectPublicKeyInfo"
  else
    t openssl pkey -pubin -inform DER -in "$WORK/pub-$id.der" -out "$out" ||
      fail "public key id $id is not a valid DER SubjectPublicKeyInfo"
  fi
}

# engine_dynamic_path — where Debian's libengine-pkcs11-openssl put the engine.
engine_dynamic_path() {
  local p
  p=$(dpkg -L libengine-pkcs11-openssl 2>/dev/null | grep -E '/engines-3/pkcs11\.so$' | head -n 1 || true)
  if [[ -z "$p" ]]; then
    local dir
    dir=$(openssl version -e | sed -E 's/^ENGINESDIR: "(.*)"$/\1/')
    [[ -f "$dir/pkcs11.so" ]] && p="$dir/pkcs11.so"
  fi
  [[ -n "$p" && -f "$p" ]] || fail "libp11 OpenSSL engine not found (package libengine-pkcs11-openssl)"
  echo "$p"
}

# write_openssl_conf FILE — an OpenSSL config loading the libp11 engine with the module.
write_openssl_conf() {
  local file=$1
  cat >"$file" <<CONF
openssl_conf = openssl_init

[openssl_init]
engines = engine_section

[engine_section]
pkcs11 = pkcs11_section

[pkcs11_section]
engine_id = pkcs11
dynamic_path = $(engine_dynamic_path)
MODULE_PATH = $MODULE
init = 0
CONF
}
