#!/usr/bin/env bash
# NSS (libnss3-tools) against the module: registered in a private NSS database with modutil,
# certutil generates an EC P-256 and an RSA-2048 key pair on the token and stores
# self-signed certificates there; each key then serves TLS from NSS's selfserv on loopback,
# and openssl s_client checks the handshake against the certificate (ECDSA, and RSA-PSS
# under TLS 1.3). pkcs11-tool sees what NSS created.
# shellcheck source=tests/ecosystem/common.sh
source "$(dirname "$0")/common.sh" "$@"
need certutil modutil selfserv

TOKEN=eco-nss
init_token "$TOKEN"
DB="sql:$WORK/nssdb"
mkdir -p "$WORK/nssdb"
printf '%s\n' "$USER_PIN" >"$WORK/pin.txt"
head -c 64 /dev/urandom >"$WORK/noise"

t certutil -N -d "$DB" --empty-password || fail "certutil could not create the NSS database"
log "registering the module with modutil"
t modutil -dbdir "$DB" -add arca -libfile "$MODULE" -force >"$WORK/modutil-add.log" 2>&1 ||
  { cat "$WORK/modutil-add.log" >&2; fail "modutil -add failed"; }
t modutil -dbdir "$DB" -list >"$WORK/modutil-list.log" 2>&1 || fail "modutil -list failed"
grep -q "token: $TOKEN" "$WORK/modutil-list.log" ||
  { cat "$WORK/modutil-list.log" >&2; fail "NSS does not see token $TOKEN"; }

# self_signed NICK KEYARGS... — a key pair generated on the token and a certificate for it.
self_signed() {
  local nick=$1; shift
  log "certutil: key pair ($*) and self-signed certificate '$nick' on the token"
  t certutil -S -d "$DB" -h "$TOKEN" -f "$WORK/pin.txt" -z "$WORK/noise" -n "$nick" \
      -s "CN=Arca NSS $nick" -x -t "CT,," -Z SHA256 -v 12 "$@" >"$WORK/certutil-$nick.log" 2>&1 ||
    { cat "$WORK/certutil-$nick.log" >&2; fail "certutil -S ($*) failed"; }
  t certutil -L -d "$DB" -n "$TOKEN:$nick" -a >"$WORK/$nick.pem" ||
    fail "certificate $nick not found on the token"
  t openssl verify -CAfile "$WORK/$nick.pem" "$WORK/$nick.pem" >/dev/null ||
    fail "the self-signed certificate $nick does not verify"
}
self_signed ec -k ec -q nistp256
self_signed rsa -k rsa -g 2048

t certutil -K -d "$DB" -h "$TOKEN" -f "$WORK/pin.txt" >"$WORK/keys.txt" 2>&1 ||
  fail "certutil -K failed"
grep -q "ec .*$TOKEN:ec" "$WORK/keys.txt" || { cat "$WORK/keys.txt" >&2; fail "EC key not listed"; }
grep -q "rsa .*$TOKEN:rsa" "$WORK/keys.txt" || { cat "$WORK/keys.txt" >&2; fail "RSA key not listed"; }
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --list-objects >"$WORK/objects.txt" 2>&1 ||
  fail "pkcs11-tool could not list the token"
[[ $(grep -c '^Certificate Object' "$WORK/objects.txt") == 2 ]] ||
  { cat "$WORK/objects.txt" >&2; fail "pkcs11-tool does not see NSS's two certificates"; }

# tls NICK TLSVERSION EXPECTED_SIGNATURE — selfserv serves with the token key; openssl checks.
tls() {
  local nick=$1 version=$2 expected=$3 port pid
  port=$((20000 + RANDOM % 20000))
  t selfserv -d "$DB" -f "$WORK/pin.txt" -n "$TOKEN:$nick" -p "$port" -V tls1.2:tls1.3 \
      >"$WORK/selfserv-$nick.log" 2>&1 &
  pid=$!
  local tries=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$WORK/selfserv-$nick.log" >&2; fail "selfserv exited"; }
    ((++tries < 100)) || { kill "$pid" 2>/dev/null; fail "selfserv did not listen on $port"; }
    sleep 0.1
  done
  log "TLS ($version) from selfserv with key '$nick', checked by openssl s_client"
  echo Q | t openssl s_client -connect "127.0.0.1:$port" "-$version" -CAfile "$WORK/$nick.pem" \
      -verify_return_error -brief >"$WORK/s_client-$nick.log" 2>&1 || true
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  grep -q '^Verification: OK' "$WORK/s_client-$nick.log" ||
    { cat "$WORK/s_client-$nick.log" "$WORK/selfserv-$nick.log" >&2; fail "TLS with $nick failed"; }
  grep -q "^Signature type: $expected" "$WORK/s_client-$nick.log" ||
    { cat "$WORK/s_client-$nick.log" >&2; fail "TLS with $nick did not sign with $expected"; }
}
tls ec tls1_3 ECDSA
tls rsa tls1_3 RSA-PSS
tls rsa tls1_2 RSA-PSS

log "PASS"
