#!/usr/bin/env bash
# End-to-end tests of the built arca-tool binary: cli_test.sh ARCA_TOOL CASE.
# Each case runs against a fresh store in its own temporary directory and fails with a
# message naming the step. PINs travel only through the environment and files.
set -euo pipefail

TOOL=$(realpath "$1")
CASE=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/arca-cli-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
printf '[pin]\nkdf_iterations = 1000\n' > arca.conf
export ARCA_CONF=$WORK/arca.conf ARCA_STORE=$WORK/tokens.sqlite
unset ARCA_LOG
export SO_PIN=so-secret USER_PIN=123456 WRONG_PIN=000000

fail() { echo "FAIL [$CASE]: $*" >&2; exit 1; }

# expect_rc CODE CMD... — runs CMD with stdout in out.txt, stderr in err.txt.
expect_rc() {
  local want=$1; shift
  local rc=0
  "$@" > out.txt 2> err.txt < /dev/null || rc=$?
  [[ $rc == "$want" ]] || fail "'$*' exited $rc, expected $want; stderr: $(cat err.txt)"
}
ok() { expect_rc 0 "$@"; }
out_has() { grep -qE -- "$1" out.txt || fail "stdout lacks /$1/: $(cat out.txt)"; }
err_has() { grep -qE -- "$1" err.txt || fail "stderr lacks /$1/: $(cat err.txt)"; }
json() { python3 -c "import json,sys; d=json.load(open('out.txt')); $1" || fail "json check: $1"; }

new_token() {  # new_token LABEL: initialised with SO_PIN and USER_PIN
  ok "$TOOL" init-token --label "$1" --so-pin-env SO_PIN
  ok "$TOOL" init-pin --token "pkcs11:token=$1" --so-pin-env SO_PIN --new-pin-env USER_PIN
}

case_slots() {
  ok "$TOOL" slots
  out_has '^0 .*uninitialized'
  ok "$TOOL" init-token --label alpha --so-pin-env SO_PIN
  out_has 'alpha'
  ok "$TOOL" slots
  out_has '^0 +alpha +[0-9A-F]+ +initialized'
  ok "$TOOL" --json slots
  json "s=[x for x in d['slots'] if x['label']=='alpha']; assert len(s)==1 and s[0]['initialized'] \
and s[0]['manufacturer']=='Arca' and 'initialized' in s[0]['flags'] and s[0]['serial']; \
assert any(not x['initialized'] for x in d['slots'])"
  [[ ! -s err.txt ]] || fail "stderr not empty: $(cat err.txt)"
}

case_pins() {
  ok "$TOOL" init-token --label alpha --so-pin-env SO_PIN
  printf '%s\n' "$USER_PIN" > user.pin
  ok "$TOOL" init-pin --slot 0 --so-pin-env SO_PIN --new-pin-file user.pin
  ok "$TOOL" slots
  out_has 'user-pin-set'
  ok "$TOOL" objects --pin-file user.pin
  export NEW_PIN=654321
  ok "$TOOL" set-pin --pin-file user.pin --new-pin-env NEW_PIN
  ok "$TOOL" objects --pin-env NEW_PIN
  expect_rc 3 "$TOOL" objects --pin-env USER_PIN
  err_has 'CKR_PIN_INCORRECT'
  printf 'new-so-pin\r\n' > so.pin
  ok "$TOOL" set-pin --so --so-pin-env SO_PIN --new-pin-file so.pin
  ok "$TOOL" init-pin --so-pin-file so.pin --new-pin-env USER_PIN
  ok "$TOOL" objects --pin-env USER_PIN
  expect_rc 5 "$TOOL" objects --pin-env NO_SUCH_VARIABLE
  expect_rc 5 "$TOOL" objects --pin-file "$WORK/missing.pin"
  expect_rc 1 "$TOOL" objects --pin "$USER_PIN"  # never from argv
}

case_import_ec() {
  new_token alpha
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null
  openssl pkey -in ec.pem -outform DER -out ec.der
  openssl pkey -in ec.pem -traditional -out ec-sec1.pem
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out ec384.pem 2>/dev/null
  ok "$TOOL" import ec.pem --id 0a01 --label ec-pem --pin-env USER_PIN
  out_has 'EC private key \(prime256v1\)'
  ok "$TOOL" import ec.der --id 0a02 --label ec-der --pin-env USER_PIN
  ok "$TOOL" import ec-sec1.pem --id 0a03 --label ec-sec1 --type key --pin-env USER_PIN
  ok "$TOOL" import ec384.pem --pin-env USER_PIN
  ok "$TOOL" objects --pin-env USER_PIN
  for n in 1 2 3; do
    out_has "^private +EC +0a0$n .*ec-"
    out_has "^public +EC +0a0$n .*ec-"
  done
  out_has '^private +EC +[0-9a-f]{40} +ec384$'
  ok "$TOOL" objects
  ! grep -q '^private' out.txt || fail "private objects listed without login"
}

case_import_rsa() {
  new_token alpha
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
  openssl pkey -in rsa.pem -outform DER -out rsa.der
  openssl rsa -in rsa.pem -traditional -out rsa-pkcs1.pem 2>/dev/null
  ok "$TOOL" import rsa.pem --id 01 --label rsa-p8 --pin-env USER_PIN
  out_has 'RSA-2048 private key'
  ok "$TOOL" import rsa.der --id 02 --label rsa-der --pin-env USER_PIN
  ok "$TOOL" import rsa-pkcs1.pem --id 03 --label rsa-pkcs1 --pin-env USER_PIN
  ok "$TOOL" --json objects --pin-env USER_PIN
  json "o=[x for x in d['objects'] if x['class']!='profile']; assert len(o)==6, o; \
assert sorted((x['class'],x['id'],x['label']) for x in o if x['key_type']=='RSA') == sorted( \
[(c,'0'+str(i),l) for i,l in ((1,'rsa-p8'),(2,'rsa-der'),(3,'rsa-pkcs1')) for c in ('private','public')])"
}

case_import_cert() {
  new_token alpha
  openssl req -x509 -newkey EC -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout key.pem \
    -subj /CN=arca-test -days 1 -out cert.pem 2>/dev/null
  openssl x509 -in cert.pem -outform DER -out cert.der
  ok "$TOOL" import key.pem --pin-env USER_PIN
  ok "$TOOL" import cert.pem --pin-env USER_PIN
  out_has 'X.509 certificate'
  ok "$TOOL" import cert.der --id c0de --label der-cert --type cert --pin-env USER_PIN
  ok "$TOOL" --json objects --pin-env USER_PIN
  # Without --id, the key and its certificate get the same ID (hash of the public key).
  json "o=d['objects']; c=[x for x in o if x['label']=='cert']; k=[x for x in o if x['label']=='key']; \
assert len(c)==1 and c[0]['class']=='cert' and c[0]['key_type']=='X.509'; \
assert len(k)==2 and all(x['id']==c[0]['id'] for x in k); \
assert any(x['id']=='c0de' and x['label']=='der-cert' for x in o)"
  expect_rc 5 "$TOOL" import key.pem --type cert --pin-env USER_PIN
  err_has 'not an X.509 certificate'
}

case_delete_object() {
  new_token alpha
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null
  ok "$TOOL" import ec.pem --id 01 --label one --pin-env USER_PIN
  ok "$TOOL" import ec.pem --id 02 --label two --pin-env USER_PIN
  ok "$TOOL" delete-object --object 'pkcs11:token=alpha;id=%01;type=public' --pin-env USER_PIN
  out_has '^deleted public id=01 label=one$'
  ok "$TOOL" objects --pin-env USER_PIN
  out_has '^private +EC +01 '
  ! grep -qE '^public +EC +01 ' out.txt || fail "public key 01 still listed"
  ok "$TOOL" --json delete-object --object 'pkcs11:object=two' --pin-env USER_PIN
  json "assert len(d['deleted'])==2"
  ok "$TOOL" delete-object --id 01 --pin-env USER_PIN
  expect_rc 2 "$TOOL" delete-object --label one --pin-env USER_PIN
  err_has 'no object matches'
  expect_rc 1 "$TOOL" delete-object --pin-env USER_PIN
  expect_rc 1 "$TOOL" delete-object --object 'http://example' --pin-env USER_PIN
}

case_delete_token() {
  new_token alpha
  expect_rc 1 "$TOOL" delete-token --slot 0 --so-pin-env SO_PIN
  err_has -- '--yes'
  expect_rc 3 "$TOOL" delete-token --slot 0 --so-pin-env USER_PIN --yes
  err_has 'CKR_PIN_INCORRECT'
  ok "$TOOL" slots
  out_has 'alpha'
  ok "$TOOL" delete-token --token 'pkcs11:token=alpha' --so-pin-env SO_PIN --yes
  out_has 'token deleted'
  ok "$TOOL" slots
  ! grep -q alpha out.txt || fail "token still listed"
  expect_rc 2 "$TOOL" objects --token 'pkcs11:token=alpha'
}

case_errors() {
  new_token alpha
  expect_rc 3 "$TOOL" objects --pin-env WRONG_PIN
  [[ $(wc -l < err.txt) == 1 ]] || fail "more than one line on stderr"
  err_has '^arca-tool: login failed: CKR_PIN_INCORRECT$'
  [[ ! -s out.txt ]] || fail "stdout not empty on error"
  echo 'not a key' > bad.pem
  expect_rc 5 "$TOOL" import bad.pem --pin-env USER_PIN
  expect_rc 5 "$TOOL" import "$WORK/missing.pem" --pin-env USER_PIN
  head -c 300 /dev/urandom > junk.der
  expect_rc 5 "$TOOL" import junk.der --pin-env USER_PIN
  expect_rc 2 "$TOOL" objects --slot 4242
  err_has 'slot 4242'
  expect_rc 2 "$TOOL" init-pin --slot 4242 --so-pin-env SO_PIN --new-pin-env USER_PIN
  expect_rc 1 "$TOOL" no-such-command
  expect_rc 1 "$TOOL" init-token --so-pin-env SO_PIN
  expect_rc 1 "$TOOL" init-token --label 0123456789abcdef0123456789abcdefX --so-pin-env SO_PIN
  expect_rc 1 "$TOOL" import bad.pem --id xyz --pin-env USER_PIN
  ok "$TOOL" --help
  out_has 'Exit codes'
}

case_token_uri() {
  new_token alpha
  new_token beta
  expect_rc 1 "$TOOL" objects  # two tokens: which one?
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null
  ok "$TOOL" import ec.pem --token 'pkcs11:token=beta' --id be --label in-beta \
    --pin-env USER_PIN
  ok "$TOOL" objects --token 'pkcs11:token=beta;manufacturer=Arca'
  out_has 'in-beta'
  ok "$TOOL" objects --token 'pkcs11:token=alpha'
  ! grep -q in-beta out.txt || fail "beta's object listed under alpha"
  ok "$TOOL" objects --token beta
  out_has 'in-beta'
  ok "$TOOL" --json slots
  serial=$(python3 -c "import json; print([s['serial'] for s in json.load(open('out.txt'))['slots'] \
if s['label']=='beta'][0])")
  ok "$TOOL" objects --token "pkcs11:serial=$serial"
  out_has 'in-beta'
  expect_rc 2 "$TOOL" objects --token 'pkcs11:token=gamma'
  expect_rc 1 "$TOOL" objects --token 'pkcs11:bogus-attribute=1'
  # An object URI names its token too.
  ok "$TOOL" delete-object --object 'pkcs11:token=beta;object=in-beta;type=private' \
    --pin-env USER_PIN
  out_has '^deleted private id=be label=in-beta$'
}

"case_$CASE"
echo "PASS [$CASE]"
