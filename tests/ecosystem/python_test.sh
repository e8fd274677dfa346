#!/usr/bin/env bash
# Python (Debian's python3-pykcs11) against the module: pykcs11_check.py generates EC, RSA
# and AES keys through PyKCS11 and checks ECDSA signatures, RSA-OAEP with a label and
# AES-GCM against python3-cryptography. Debian's interpreter is used, not whatever python3
# comes first on PATH, since that is where the packaged bindings live.
# shellcheck source=tests/ecosystem/common.sh
source "$(dirname "$0")/common.sh" "$@"
PYTHON=/usr/bin/python3
[[ -x "$PYTHON" ]] || fail "$PYTHON is missing (package python3)"
t "$PYTHON" -c 'import PyKCS11, cryptography' 2>/dev/null ||
  fail "PyKCS11 or cryptography is missing (packages python3-pykcs11 python3-cryptography)"

TOKEN=eco-python
init_token "$TOKEN"
log "PyKCS11: EC, RSA-OAEP with a label and AES-GCM, checked by python3-cryptography"
t "$PYTHON" "$(dirname "$0")/pykcs11_check.py" "$MODULE" "$TOKEN" "$USER_PIN" \
    >"$WORK/pykcs11.log" 2>&1 || { cat "$WORK/pykcs11.log" >&2; fail "pykcs11_check.py failed"; }
cat "$WORK/pykcs11.log"
grep -q '^PASS$' "$WORK/pykcs11.log" || fail "pykcs11_check.py did not finish"
log "PASS"
