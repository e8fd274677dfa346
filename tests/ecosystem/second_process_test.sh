#!/usr/bin/env bash
# Objects one process creates are found by another: pkcs11-tool processes one after the
# other (a data object, a certificate, a key pair, an AES key; public and private objects),
# then several processes generating keys on one token at the same time lose nothing.
# shellcheck source=tests/ecosystem/common.sh
source "$(dirname "$0")/common.sh" "$@"

TOKEN=eco-second-process
init_token "$TOKEN"

# Process 1: creates objects.
printf 'hello from process one\n' >"$WORK/data.bin"
log "process 1 writes a public data object"
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --write-object "$WORK/data.bin" \
    --type data --label shared-data --application-label arca-eco >/dev/null 2>&1 ||
  fail "writing a data object failed"
log "process 1 writes a private data object"
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --write-object "$WORK/data.bin" \
    --type data --label secret-data --private >/dev/null 2>&1 ||
  fail "writing a private data object failed"
keygen shared-ec 0a EC:prime256v1 "$TOKEN"
t openssl req -new -x509 -days 1 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$WORK/cert-key.pem" -subj /CN=arca-eco-second -outform DER -out "$WORK/cert.der" \
    2>/dev/null || fail "openssl could not make a test certificate"
log "process 1 writes an X.509 certificate"
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --write-object "$WORK/cert.der" \
    --type cert --id 0b --label shared-cert >/dev/null 2>&1 || fail "writing a certificate failed"
log "process 1 generates an AES-256 secret key"
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --keygen --key-type AES:32 \
    --id 0c --label shared-aes >/dev/null 2>&1 || fail "generating an AES key failed"

# Process 2 (a new pkcs11-tool each time): finds them.
p11 --token-label "$TOKEN" --list-objects >"$WORK/public.txt" 2>&1 || fail "listing objects failed"
for label in shared-data shared-ec shared-cert; do
  grep -Eq "label:[[:space:]]*'?$label'?\$" "$WORK/public.txt" ||
    { cat "$WORK/public.txt" >&2; fail "a second process does not see '$label'"; }
done
if grep -q "secret-data" "$WORK/public.txt"; then
  fail "a private object is visible without login"
fi
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --list-objects >"$WORK/all.txt" 2>&1 ||
  fail "listing objects after login failed"
for label in shared-data secret-data shared-ec shared-cert shared-aes; do
  grep -Eq "label:[[:space:]]*'?$label'?\$" "$WORK/all.txt" ||
    { cat "$WORK/all.txt" >&2; fail "a second process, logged in, does not see '$label'"; }
done
p11 --token-label "$TOKEN" --read-object --type data --label shared-data -o "$WORK/read.bin" \
    >/dev/null 2>&1 || fail "a second process cannot read the data object"
cmp -s "$WORK/data.bin" "$WORK/read.bin" || fail "the data object read back differs"
p11 --token-label "$TOKEN" --read-object --type cert --id 0b -o "$WORK/read.der" \
    >/dev/null 2>&1 || fail "a second process cannot read the certificate"
cmp -s "$WORK/cert.der" "$WORK/read.der" || fail "the certificate read back differs"
# A key made by process 1 is usable by process 2.
printf 'signed in process two\n' >"$WORK/msg"
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --sign -m ECDSA-SHA256 --id 0a \
    --signature-format openssl -i "$WORK/msg" -o "$WORK/msg.sig" >/dev/null 2>&1 ||
  fail "a second process cannot sign with the key of the first"
export_pubkey 0a "$TOKEN" "$WORK/shared-ec.pem"
t openssl dgst -sha256 -verify "$WORK/shared-ec.pem" -signature "$WORK/msg.sig" "$WORK/msg" \
    >/dev/null || fail "signature by the second process does not verify"

# Several processes at once: each generates a key pair on the same token; all are kept.
n=4
log "$n processes generate key pairs on the token at the same time"
pids=()
for i in $(seq 1 $n); do
  p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --keypairgen --key-type EC:prime256v1 \
      --id "2$i" --label "parallel-$i" >"$WORK/parallel-$i.log" 2>&1 &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { cat "$WORK/parallel-$((i + 1)).log" >&2; fail "concurrent key generation $((i + 1)) failed"; }
done
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --list-objects --type privkey \
    >"$WORK/after.txt" 2>&1 || fail "listing private keys failed"
for i in $(seq 1 $n); do
  grep -Eq "label:[[:space:]]*'?parallel-$i'?\$" "$WORK/after.txt" ||
    { cat "$WORK/after.txt" >&2; fail "key pair parallel-$i was lost"; }
done

log "PASS"
