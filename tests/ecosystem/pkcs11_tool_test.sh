#!/usr/bin/env bash
# pkcs11-tool (OpenSC) against the module: EC and RSA key pair generation, signing, reading
# the public key and verifying with plain openssl; then pkcs11-tool's own self-test
# (--login --test --allow-sw) on a token holding RSA and EC keys, which must pass.
# shellcheck source=tests/ecosystem/common.sh
source "$(dirname "$0")/common.sh" "$@"

TOKEN=eco-pkcs11-tool
init_token "$TOKEN"
keygen ec256 01 EC:prime256v1 "$TOKEN"
keygen rsa2048 02 rsa:2048 "$TOKEN"

printf 'Arca ecosystem test: data signed by a token key.\n' >"$WORK/data"
printf 'Arca ecosystem test: data signed by a token key!\n' >"$WORK/other"

# sign_verify ID MECH NAME [openssl dgst options...]
sign_verify() {
  local id=$1 mech=$2 name=$3; shift 3
  log "signing with $mech (key id $id) and verifying with openssl"
  p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --sign -m "$mech" --id "$id" \
      --signature-format openssl -i "$WORK/data" -o "$WORK/sig-$name" >"$WORK/sign-$name.log" 2>&1 ||
    { cat "$WORK/sign-$name.log" >&2; fail "C_Sign with $mech failed"; }
  export_pubkey "$id" "$TOKEN" "$WORK/pub-$name.pem"
  t openssl dgst -sha256 "$@" -verify "$WORK/pub-$name.pem" -signature "$WORK/sig-$name" \
      "$WORK/data" >/dev/null || fail "openssl rejects the $mech signature"
  if t openssl dgst -sha256 "$@" -verify "$WORK/pub-$name.pem" -signature "$WORK/sig-$name" \
      "$WORK/other" >/dev/null 2>&1; then
    fail "openssl accepts the $mech signature over different data"
  fi
}
sign_verify 01 ECDSA-SHA256 ecdsa
sign_verify 02 SHA256-RSA-PKCS rsa
sign_verify 02 SHA256-RSA-PKCS-PSS rsapss -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1

# The public key read from the token matches the private key's public parts (CKA_MODULUS).
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --list-objects --type privkey \
    >"$WORK/privkeys.txt" 2>&1 || fail "listing private keys failed"
grep -q 'label:[[:space:]]*ec256' "$WORK/privkeys.txt" || fail "private key ec256 not listed"
grep -q 'label:[[:space:]]*rsa2048' "$WORK/privkeys.txt" || fail "private key rsa2048 not listed"

# pkcs11-tool's self-test. Debian's pkcs11-tool skips the signature checks of mechanisms
# without CKF_HW unless given --allow-sw.
log "running pkcs11-tool --login --test --allow-sw"
rc=0
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --test --allow-sw >"$WORK/selftest.log" 2>&1 || rc=$?
cat "$WORK/selftest.log"
((rc == 0)) || fail "pkcs11-tool --test exited with $rc"
grep -q '^No errors' "$WORK/selftest.log" || fail "pkcs11-tool --test reported errors"
grep -q -i 'signatures' "$WORK/selftest.log" || fail "pkcs11-tool --test ran no signature test"

log "PASS"
