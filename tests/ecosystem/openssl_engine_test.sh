#!/usr/bin/env bash
# OpenSSL 3 through the libp11 engine (Debian's libengine-pkcs11-openssl): a self-signed
# certificate made with a token key (EC P-256, then RSA 2048) that plain openssl verifies,
# and whose public key is the one read from the token.
# shellcheck source=tests/ecosystem/common.sh
source "$(dirname "$0")/common.sh" "$@"

TOKEN=eco-openssl
init_token "$TOKEN"
keygen ec256 01 EC:prime256v1 "$TOKEN"
keygen rsa2048 02 rsa:2048 "$TOKEN"

write_openssl_conf "$WORK/openssl.cnf"
export OPENSSL_CONF="$WORK/openssl.cnf"
t openssl engine -t pkcs11 >"$WORK/engine.log" 2>&1 ||
  { cat "$WORK/engine.log" >&2; fail "OpenSSL cannot load the pkcs11 engine with the module"; }

# cert_for LABEL ID
cert_for() {
  local label=$1 id=$2
  local uri="pkcs11:token=$TOKEN;object=$label;type=private;pin-value=$USER_PIN"
  log "openssl req -x509 with the token key '$label' through the engine"
  t openssl req -new -x509 -days 1 -engine pkcs11 -keyform engine -key "$uri" \
      -sha256 -subj "/CN=arca-eco-$label" -out "$WORK/cert-$label.pem" \
      >"$WORK/req-$label.log" 2>&1 ||
    { cat "$WORK/req-$label.log" >&2; fail "openssl req with the token key '$label' failed"; }
  t env -u OPENSSL_CONF openssl verify -CAfile "$WORK/cert-$label.pem" "$WORK/cert-$label.pem" \
      >/dev/null || fail "the certificate made with '$label' does not verify"
  export_pubkey "$id" "$TOKEN" "$WORK/pub-$label.pem"
  t env -u OPENSSL_CONF openssl x509 -in "$WORK/cert-$label.pem" -noout -pubkey >"$WORK/certpub-$label.pem"
  cmp -s "$WORK/certpub-$label.pem" "$WORK/pub-$label.pem" ||
    fail "the certificate's public key is not the token's public key '$label'"

  # The engine also signs plain data; openssl verifies it with the exported public key.
  printf 'engine-signed data\n' >"$WORK/data"
  t openssl dgst -sha256 -engine pkcs11 -keyform engine -sign "$uri" -out "$WORK/sig-$label" \
      "$WORK/data" >"$WORK/dgst-$label.log" 2>&1 ||
    { cat "$WORK/dgst-$label.log" >&2; fail "openssl dgst -sign with '$label' failed"; }
  t env -u OPENSSL_CONF openssl dgst -sha256 -verify "$WORK/pub-$label.pem" \
      -signature "$WORK/sig-$label" "$WORK/data" >/dev/null ||
    fail "the engine's signature with '$label' does not verify"
}
cert_for ec256 01
cert_for rsa2048 02

log "PASS"
