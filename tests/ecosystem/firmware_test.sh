#!/usr/bin/env bash
# The firmware token through real consumers, against the firmware emulator (arca-fw-emu):
# pkcs11-tool initialises the device token and generates and uses keys on it, plain openssl
# verifies; then the firmware-signing flow of issue 4 — a CA key and a signer key generated in
# the device, a CA certificate and a signer certificate issued by the CA made by OpenSSL
# through the libp11 engine (the keys never leave the device), a firmware image signed with
# the signer key, and the signature and the certificate chain checked with plain openssl.
# shellcheck source=tests/ecosystem/common.sh
source "$(dirname "$0")/common.sh" "$@"

EMU="${BUILD_DIR:?build directory needed}/firmware/arca-fw-emu"
[[ -x "$EMU" ]] || fail "emulator not built: $EMU"

export ARCA_FW_SOCKET="$WORK/fw.sock"
printf '[usb]\nenabled = false\n' >>"$ARCA_CONF"
"$EMU" --socket "$ARCA_FW_SOCKET" --flash "$WORK/flash.bin" 2>"$WORK/emu.log" &
EMU_PID=$!
stop_emulator() { kill -TERM "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null || true; }
trap 'stop_emulator; cleanup' EXIT
for _ in $(seq 50); do grep -q 'serving' "$WORK/emu.log" && break; sleep 0.1; done
grep -q 'serving' "$WORK/emu.log" || fail "emulator did not start: $(cat "$WORK/emu.log")"
log "$(cat "$WORK/emu.log")"

# The device's slot: the one pkcs11-tool lists as the firmware token slot.
SLOT=$(p11 --list-slots | awk '
  /^Slot [0-9]+ \(0x[0-9a-fA-F]+\)/ { id = $3; gsub(/[():]/, "", id) }
  /Arca firmware token slot/ && id != "" { print id; exit }')
[[ -n "$SLOT" ]] || fail "no firmware slot listed: $(p11 --list-slots 2>&1)"

TOKEN=firmware
log "initialising the device token in slot $SLOT"
p11 --slot "$SLOT" --init-token --label "$TOKEN" --so-pin "$SO_PIN" >/dev/null ||
  fail "C_InitToken on the device failed"
p11 --slot "$SLOT" --login --login-type so --so-pin "$SO_PIN" --init-pin --pin "$USER_PIN" \
    >/dev/null || fail "C_InitPIN on the device failed"

# pkcs11-tool: EC and RSA keys generated on the device sign; openssl verifies.
keygen dev-ec 01 EC:prime256v1 "$TOKEN"
keygen dev-rsa 02 rsa:2048 "$TOKEN"
printf 'data signed inside the device\n' >"$WORK/data"
for spec in "01 ECDSA-SHA256 --signature-format openssl" "02 SHA256-RSA-PKCS"; do
  read -r id mech extra <<<"$spec"
  # shellcheck disable=SC2086
  p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --sign --mechanism "$mech" --id "$id" \
      --input-file "$WORK/data" --output-file "$WORK/sig-$id" $extra \
      >"$WORK/sign-$id.log" 2>&1 ||
    fail "pkcs11-tool --sign $mech on the device failed: $(cat "$WORK/sign-$id.log")"
  export_pubkey "$id" "$TOKEN" "$WORK/pub-$id.pem"
  t openssl dgst -sha256 -verify "$WORK/pub-$id.pem" -signature "$WORK/sig-$id" "$WORK/data" \
      >/dev/null || fail "openssl does not verify the device's $mech signature" \
      "$(hex_of "$WORK/sig-$id")"
  log "$mech signature made on the device verified by openssl"
done
# The private key stays inside: reading it is refused.
if p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --read-object --type privkey --id 01 \
    -o "$WORK/priv.der" >/dev/null 2>&1 && [[ -s "$WORK/priv.der" ]]; then
  fail "the device's private key could be read out"
fi

# The firmware-signing flow.
keygen ca 10 EC:prime256v1 "$TOKEN"
keygen signer 11 EC:prime256v1 "$TOKEN"
write_openssl_conf "$WORK/openssl.cnf"
uri() { echo "pkcs11:token=$TOKEN;object=$1;type=private;pin-value=$USER_PIN"; }
engine() { t env OPENSSL_CONF="$WORK/openssl.cnf" openssl "$@"; }
log "CA certificate, self-signed by the device's CA key"
engine req -new -x509 -days 30 -engine pkcs11 -keyform engine -key "$(uri ca)" -sha256 \
    -subj "/CN=Arca firmware CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign" -out "$WORK/ca.pem" >"$WORK/ca.log" 2>&1 ||
  { cat "$WORK/ca.log" >&2; fail "CA certificate"; }
log "signer certificate request, signed by the device's signer key"
engine req -new -engine pkcs11 -keyform engine -key "$(uri signer)" -sha256 \
    -subj "/CN=Arca firmware signer" -out "$WORK/signer.csr" >"$WORK/csr.log" 2>&1 ||
  { cat "$WORK/csr.log" >&2; fail "signer request"; }
printf 'keyUsage=critical,digitalSignature\n' >"$WORK/signer.ext"
log "signer certificate, issued with the device's CA key"
engine x509 -req -in "$WORK/signer.csr" -days 30 -CA "$WORK/ca.pem" -engine pkcs11 \
    -CAkeyform engine -CAkey "$(uri ca)" -set_serial 2 -sha256 -extfile "$WORK/signer.ext" \
    -out "$WORK/signer.pem" >"$WORK/x509.log" 2>&1 ||
  { cat "$WORK/x509.log" >&2; fail "signer certificate"; }
head -c 65536 /dev/urandom >"$WORK/firmware.bin"
log "firmware image signed with the device's signer key"
engine dgst -sha256 -engine pkcs11 -keyform engine -sign "$(uri signer)" \
    -out "$WORK/firmware.sig" "$WORK/firmware.bin" >"$WORK/fwsign.log" 2>&1 ||
  { cat "$WORK/fwsign.log" >&2; fail "firmware signature"; }

# Verification with plain openssl only.
t env -u OPENSSL_CONF openssl verify -CAfile "$WORK/ca.pem" "$WORK/signer.pem" >/dev/null ||
  fail "the signer certificate does not chain to the CA"
t env -u OPENSSL_CONF openssl x509 -in "$WORK/signer.pem" -noout -pubkey >"$WORK/signer-pub.pem"
t env -u OPENSSL_CONF openssl dgst -sha256 -verify "$WORK/signer-pub.pem" \
    -signature "$WORK/firmware.sig" "$WORK/firmware.bin" >/dev/null ||
  fail "the firmware signature does not verify: $(hex_of "$WORK/firmware.sig")"
export_pubkey 11 "$TOKEN" "$WORK/token-signer.pem"
cmp -s "$WORK/signer-pub.pem" "$WORK/token-signer.pem" ||
  fail "the signer certificate's key is not the device's signer key"
printf 'X' | dd of="$WORK/firmware.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
if t env -u OPENSSL_CONF openssl dgst -sha256 -verify "$WORK/signer-pub.pem" \
    -signature "$WORK/firmware.sig" "$WORK/firmware.bin" >/dev/null 2>&1; then
  fail "a modified firmware image still verifies"
fi
log "firmware signature and certificate chain verified by plain openssl"

# The device keeps its keys across an emulator restart.
stop_emulator
"$EMU" --socket "$ARCA_FW_SOCKET" --flash "$WORK/flash.bin" 2>"$WORK/emu2.log" &
EMU_PID=$!
for _ in $(seq 50); do grep -q 'serving' "$WORK/emu2.log" && break; sleep 0.1; done
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --list-objects --type privkey \
    >"$WORK/restart.log" 2>&1 || true
grep -q 'label:      signer' "$WORK/restart.log" ||
  fail "the signer key is gone after an emulator restart: $(cat "$WORK/restart.log")" \
      "emulator: $(cat "$WORK/emu2.log")"
log "PASS"
