#!/usr/bin/env bash
# pkcs11-tool (OpenSC) against the module: EC, RSA and Ed25519 key pair generation, signing,
# reading the public key and verifying with plain openssl; ECDH between two token keys
# (pkcs11-tool --derive) giving the secret openssl derives; then pkcs11-tool's own self-test
# (--login --test --allow-sw) on a token holding RSA, EC and EdDSA keys, which must pass and
# must have run RSA-OAEP with and without a label.
# shellcheck source=tests/ecosystem/common.sh
source "$(dirname "$0")/common.sh" "$@"

TOKEN=eco-pkcs11-tool
init_token "$TOKEN"
keygen ec256 01 EC:prime256v1 "$TOKEN"
keygen rsa2048 02 rsa:2048 "$TOKEN"
keygen ed25519 03 EC:edwards25519 "$TOKEN"

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

# Ed25519: pkcs11-tool signs with CKM_EDDSA (pure Ed25519), openssl verifies the raw message.
log "signing with EDDSA (key id 03) and verifying with openssl"
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --sign -m EDDSA --id 03 \
    -i "$WORK/data" -o "$WORK/sig-ed25519" >"$WORK/sign-ed25519.log" 2>&1 ||
  { cat "$WORK/sign-ed25519.log" >&2; fail "C_Sign with EDDSA failed"; }
export_pubkey 03 "$TOKEN" "$WORK/pub-ed25519.pem"
t openssl pkeyutl -verify -pubin -inkey "$WORK/pub-ed25519.pem" -rawin -in "$WORK/data" \
    -sigfile "$WORK/sig-ed25519" >/dev/null || fail "openssl rejects the Ed25519 signature"
if t openssl pkeyutl -verify -pubin -inkey "$WORK/pub-ed25519.pem" -rawin -in "$WORK/other" \
    -sigfile "$WORK/sig-ed25519" >/dev/null 2>&1; then
  fail "openssl accepts the Ed25519 signature over different data"
fi

# ECDH1 between two token keys: 01 (generated on the token) and 04 (made by openssl and
# written to the token, so openssl holds its private half too). Each token key derives
# with the other's public key; both secrets must equal what openssl derives.
log "ECDH1-DERIVE between token keys 01 and 04, checked against openssl"
t openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/ecdh-b.pem" ||
  fail "openssl could not make an EC key"
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --write-object "$WORK/ecdh-b.pem" \
    --type privkey --id 04 --label ecdh-b --usage-derive >/dev/null 2>&1 ||
  fail "writing the openssl EC key to the token failed"
t openssl pkey -in "$WORK/ecdh-b.pem" -pubout -outform DER -out "$WORK/ecdh-b-pub.der"
p11 --token-label "$TOKEN" --read-object --type pubkey --id 01 -o "$WORK/ecdh-a-pub.der" \
    >/dev/null 2>&1 || fail "reading public key 01 failed"
t openssl pkey -pubin -inform DER -in "$WORK/ecdh-a-pub.der" -out "$WORK/ecdh-a-pub.pem"
derive() {  # derive ID PEER_PUBLIC_DER OUT
  p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --derive -m ECDH1-DERIVE --id "$1" \
      --input-file "$2" -o "$3" >"$WORK/derive-$1.log" 2>&1 ||
    { cat "$WORK/derive-$1.log" >&2; fail "C_DeriveKey ECDH1 with key $1 failed"; }
}
derive 01 "$WORK/ecdh-b-pub.der" "$WORK/secret-01"
derive 04 "$WORK/ecdh-a-pub.der" "$WORK/secret-04"
t openssl pkeyutl -derive -inkey "$WORK/ecdh-b.pem" -peerkey "$WORK/ecdh-a-pub.pem" \
    -out "$WORK/secret-openssl" || fail "openssl ECDH failed"
[[ $(stat -c %s "$WORK/secret-openssl") == 32 ]] || fail "openssl's ECDH secret is not 32 bytes"
cmp -s "$WORK/secret-01" "$WORK/secret-openssl" || fail "token ECDH (key 01) differs from openssl's"
cmp -s "$WORK/secret-04" "$WORK/secret-openssl" || fail "token ECDH (key 04) differs from openssl's"

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
grep -q 'testing key .* (ed25519)' "$WORK/selftest.log" || fail "the self-test did not see the EdDSA key"
grep -q 'encoding parameter (Label) present' "$WORK/selftest.log" ||
  fail "the self-test did not run RSA-OAEP with a label"
grep -q 'encoding parameter (Label) not present' "$WORK/selftest.log" ||
  fail "the self-test did not run RSA-OAEP without a label"
[[ $(grep -c 'RSA-PKCS-OAEP' "$WORK/selftest.log") -ge 2 ]] || fail "RSA-OAEP decryption not tested"

log "PASS"
