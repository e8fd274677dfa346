#!/usr/bin/env bash
# Java (OpenJDK's SunPKCS11 provider) against the module: keytool generates an EC P-256 and an
# RSA-2048 key pair with self-signed certificates in the token (keystore type PKCS11),
# lists them, jarsigner signs a jar with each token key, and `jarsigner -verify` accepts the
# jar and refuses it once a signed entry is changed. pkcs11-tool sees the keys Java made.
# shellcheck source=tests/ecosystem/common.sh
source "$(dirname "$0")/common.sh" "$@"
need keytool jarsigner jar

TOKEN=eco-java
init_token "$TOKEN"
# slotListIndex 0: the initialised token's slot comes first in C_GetSlotList.
printf 'name = Arca\nlibrary = %s\nslotListIndex = 0\n' "$MODULE" >"$WORK/arca.cfg"
store=(-keystore NONE -storetype PKCS11 -addprovider SunPKCS11 -providerArg "$WORK/arca.cfg"
       -storepass "$USER_PIN")

# genkey ALIAS KEYTOOLARGS... — a key pair and a self-signed certificate made in the token.
genkey() {
  local alias=$1; shift
  log "keytool -genkeypair '$alias' ($*) in the token"
  t keytool -genkeypair "${store[@]}" -alias "$alias" -dname "CN=Arca Java $alias" -validity 30 \
      "$@" >"$WORK/keytool-$alias.log" 2>&1 ||
    { cat "$WORK/keytool-$alias.log" >&2; fail "keytool -genkeypair $alias failed"; }
}
genkey java-ec -keyalg EC -groupname secp256r1
genkey java-rsa -keyalg RSA -keysize 2048

t keytool -list "${store[@]}" >"$WORK/list.txt" 2>&1 || { cat "$WORK/list.txt" >&2; fail "keytool -list failed"; }
for alias in java-ec java-rsa; do
  grep -q "^$alias, PrivateKeyEntry" "$WORK/list.txt" ||
    { cat "$WORK/list.txt" >&2; fail "keytool does not list $alias as a private key entry"; }
done
p11 --token-label "$TOKEN" --login --pin "$USER_PIN" --list-objects --type privkey \
    >"$WORK/privkeys.txt" 2>&1 || fail "pkcs11-tool could not list private keys"
[[ $(grep -c '^Private Key Object' "$WORK/privkeys.txt") == 2 ]] ||
  { cat "$WORK/privkeys.txt" >&2; fail "pkcs11-tool does not see Java's two private keys"; }

mkdir -p "$WORK/jar"
printf 'Arca ecosystem test: a jar signed by a token key.\n' >"$WORK/jar/payload.txt"
# sign_verify ALIAS — jarsigner with the token key, then verification of the jar and of a
# copy whose signed entry was changed.
sign_verify() {
  local alias=$1
  (cd "$WORK/jar" && t jar cf "$WORK/$alias.jar" payload.txt) || fail "jar failed"
  log "jarsigner with '$alias', then jarsigner -verify"
  t jarsigner "${store[@]}" "$WORK/$alias.jar" "$alias" >"$WORK/sign-$alias.log" 2>&1 ||
    { cat "$WORK/sign-$alias.log" >&2; fail "jarsigner with $alias failed"; }
  t jarsigner -verify "$WORK/$alias.jar" >"$WORK/verify-$alias.log" 2>&1 ||
    { cat "$WORK/verify-$alias.log" >&2; fail "jarsigner -verify rejects the $alias jar"; }
  grep -q '^jar verified' "$WORK/verify-$alias.log" || fail "the $alias jar is not verified"
  # The same entry with other content, written into a copy of the signed jar.
  rm -rf "$WORK/tamper" && mkdir -p "$WORK/tamper" && cp "$WORK/$alias.jar" "$WORK/tampered.jar"
  printf 'changed\n' >"$WORK/tamper/payload.txt"
  (cd "$WORK/tamper" && t jar uf "$WORK/tampered.jar" payload.txt) || fail "could not alter the jar"
  if t jarsigner -verify "$WORK/tampered.jar" 2>&1 | grep -q '^jar verified'; then
    fail "jarsigner accepts the $alias jar after its entry changed"
  fi
}
sign_verify java-ec
sign_verify java-rsa

log "PASS"
