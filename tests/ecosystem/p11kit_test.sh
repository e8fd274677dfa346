#!/usr/bin/env bash
# p11-kit registration and GnuTLS through p11-kit, without touching the host.
# p11-kit 0.24 ignores per-user module files in a process running as root and has no
# environment variable for its module directory, so the checks run in a private mount
# namespace where a temporary directory holding arca.module (made from p11-kit/arca.module.in,
# naming the built module) is bind-mounted over the system module directory. Then:
# `p11-kit list-modules` shows the module and its token, `p11tool --list-tokens` shows the
# token, pkcs11-tool through p11-kit-proxy.so sees it, and `certtool --generate-self-signed`
# with a pkcs11: key URI makes certificates (EC and RSA) that verify.
# Exit 77 (skipped) only when this machine does not permit a private mount namespace.
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/ecosystem/common.sh
source "$here/common.sh" "$@"
TOKEN=eco-p11kit

if [[ -z "${ECO_INSIDE_NS:-}" ]]; then
  need unshare mount p11-kit p11tool certtool pkg-config
  # As root: a mount namespace. Otherwise: a user namespace mapping us to root, if allowed.
  ns=(unshare --mount --propagation private)
  if ! t "${ns[@]}" true 2>/dev/null; then
    ns=(unshare --user --map-root-user --mount --propagation private)
    if ! t "${ns[@]}" true 2>/dev/null; then
      log "SKIP: this machine permits no private mount namespace (unshare --mount)"
      exit 77
    fi
  fi
  init_token "$TOKEN"
  keygen ec256 01 EC:prime256v1 "$TOKEN"
  keygen rsa2048 02 rsa:2048 "$TOKEN"

  modules_dir=$(t pkg-config --variable=p11_module_configs p11-kit-1)
  [[ -n "$modules_dir" && -d "$modules_dir" ]] || fail "p11-kit module directory not found"
  mkdir -p "$WORK/modules" "$WORK/empty"
  sed "s|@ARCA_INSTALLED_MODULE@|$MODULE|" "$here/../../p11-kit/arca.module.in" \
    >"$WORK/modules/arca.module"
  grep -q "^module: $MODULE\$" "$WORK/modules/arca.module" || fail "arca.module.in has no module: line"
  log "entering a private mount namespace; $modules_dir -> a directory holding only arca.module"
  ECO_INSIDE_NS=1 ECO_WORK="$WORK" ECO_MODULES_DIR="$modules_dir" \
    t "${ns[@]}" -- bash "$0" "$@"
  log "PASS"
  exit 0
fi

# ---- inside the private mount namespace ----
t mount --bind "$WORK/modules" "$ECO_MODULES_DIR" || fail "bind mount over $ECO_MODULES_DIR failed"
# Hide the host's own registrations too, if it has any.
sys_dir=$(t pkg-config --variable=p11_system_config_modules p11-kit-1 || true)
if [[ -n "$sys_dir" && -d "$sys_dir" && "$sys_dir" != "$ECO_MODULES_DIR" ]]; then
  t mount --bind "$WORK/empty" "$sys_dir" || fail "bind mount over $sys_dir failed"
fi

log "p11-kit list-modules"
t p11-kit list-modules >"$WORK/list-modules.txt" 2>&1 ||
  { cat "$WORK/list-modules.txt" >&2; fail "p11-kit list-modules failed"; }
cat "$WORK/list-modules.txt"
grep -Eq "^arca: " "$WORK/list-modules.txt" || fail "p11-kit does not list the module 'arca'"
grep -Eq "^[[:space:]]+token: $TOKEN\$" "$WORK/list-modules.txt" ||
  fail "p11-kit list-modules does not show the token '$TOKEN'"

proxy=$(t pkg-config --variable=proxy_module p11-kit-1 || true)
if [[ -n "$proxy" && -f "$proxy" ]]; then
  log "pkcs11-tool through p11-kit-proxy.so"
  t pkcs11-tool --module "$proxy" --list-token-slots >"$WORK/proxy.txt" 2>&1 ||
    { cat "$WORK/proxy.txt" >&2; fail "pkcs11-tool through the p11-kit proxy failed"; }
  grep -Eq "token label[[:space:]]*: $TOKEN\$" "$WORK/proxy.txt" ||
    { cat "$WORK/proxy.txt" >&2; fail "the p11-kit proxy does not show the token"; }
fi

log "p11tool --list-tokens"
t p11tool --list-tokens >"$WORK/tokens.txt" 2>&1 ||
  { cat "$WORK/tokens.txt" >&2; fail "p11tool --list-tokens failed"; }
grep -Eq "Label: $TOKEN\$" "$WORK/tokens.txt" ||
  { cat "$WORK/tokens.txt" >&2; fail "p11tool --list-tokens does not show the token '$TOKEN'"; }
export GNUTLS_PIN="$USER_PIN"
t p11tool --list-privkeys --login "pkcs11:token=$TOKEN" >"$WORK/privkeys.txt" 2>&1 </dev/null ||
  { cat "$WORK/privkeys.txt" >&2; fail "p11tool --list-privkeys failed"; }
for label in ec256 rsa2048; do
  grep -q "object=$label" "$WORK/privkeys.txt" ||
    { cat "$WORK/privkeys.txt" >&2; fail "p11tool does not list the private key '$label'"; }
done

cat >"$WORK/cert.tmpl" <<TMPL
cn = "arca-eco-gnutls"
serial = 1
expiration_days = 1
ca
cert_signing_key
signing_key
TMPL
for label in ec256 rsa2048; do
  log "certtool --generate-self-signed with pkcs11:token=$TOKEN;object=$label"
  t certtool --generate-self-signed \
      --load-privkey "pkcs11:token=$TOKEN;object=$label;type=private" \
      --template "$WORK/cert.tmpl" --outfile "$WORK/gnutls-$label.pem" \
      >"$WORK/certtool-$label.log" 2>&1 </dev/null ||
    { cat "$WORK/certtool-$label.log" >&2; fail "certtool with the token key '$label' failed"; }
  t certtool --verify --load-ca-certificate "$WORK/gnutls-$label.pem" \
      --infile "$WORK/gnutls-$label.pem" >"$WORK/verify-$label.log" 2>&1 ||
    { cat "$WORK/verify-$label.log" >&2; fail "certtool does not verify the certificate '$label'"; }
  t openssl verify -CAfile "$WORK/gnutls-$label.pem" "$WORK/gnutls-$label.pem" >/dev/null ||
    fail "openssl does not verify the certificate '$label'"
done
