#!/usr/bin/env bash
# OpenSSH against the module: `ssh-keygen -D` prints the token's EC and RSA public keys; a
# private ssh-agent (on a socket in the test directory, allowed to load this module with -P)
# takes the token with `ssh-add -s`, the PIN coming from an askpass script; then
# `ssh-keygen -Y sign` signs a file with each token key through the agent and
# `ssh-keygen -Y verify` accepts the signatures and refuses them for altered data. No network.
# shellcheck source=tests/ecosystem/common.sh
source "$(dirname "$0")/common.sh" "$@"
need ssh-keygen ssh-agent ssh-add

TOKEN=eco-openssh
init_token "$TOKEN"
keygen ssh-ec 01 EC:prime256v1 "$TOKEN"
keygen ssh-rsa 02 rsa:2048 "$TOKEN"

log "ssh-keygen -D lists the token's public keys"
t ssh-keygen -D "$MODULE" >"$WORK/keys.pub" 2>"$WORK/keygen-D.log" ||
  { cat "$WORK/keygen-D.log" >&2; fail "ssh-keygen -D failed"; }
grep -q '^ecdsa-sha2-nistp256 ' "$WORK/keys.pub" || fail "ssh-keygen -D shows no ECDSA key"
grep -q '^ssh-rsa ' "$WORK/keys.pub" || fail "ssh-keygen -D shows no RSA key"

printf '#!/bin/sh\necho %s\n' "$USER_PIN" >"$WORK/askpass"
chmod +x "$WORK/askpass"
export SSH_AUTH_SOCK="$WORK/agent.sock"
# -P: the agent refuses modules outside its allow-list (default /usr/lib*/*, /usr/local/lib*/*).
t ssh-agent -D -a "$SSH_AUTH_SOCK" -P "$(dirname "$MODULE")/*" >"$WORK/agent.log" 2>&1 &
agent=$!
# On exit: stop the agent, then common.sh's cleanup with the script's own exit status.
trap 'rc=$?; kill "$agent" 2>/dev/null; (exit $rc); cleanup' EXIT
for _ in $(seq 50); do [[ -S "$SSH_AUTH_SOCK" ]] && break; sleep 0.1; done
[[ -S "$SSH_AUTH_SOCK" ]] || fail "ssh-agent did not start"

log "ssh-add -s: the agent logs in to the token"
SSH_ASKPASS="$WORK/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=none \
  t ssh-add -s "$MODULE" </dev/null >"$WORK/ssh-add.log" 2>&1 ||
  { cat "$WORK/ssh-add.log" "$WORK/agent.log" >&2; fail "ssh-add -s failed"; }
t ssh-add -L >"$WORK/agent-keys.pub" || fail "the agent lists no keys"
cmp -s <(cut -d' ' -f1,2 "$WORK/keys.pub" | sort) <(cut -d' ' -f1,2 "$WORK/agent-keys.pub" | sort) ||
  fail "the agent's keys differ from ssh-keygen -D's"

printf 'Arca ecosystem test: a file signed through ssh-agent.\n' >"$WORK/data"
printf 'Arca ecosystem test: a file signed through ssh-agent!\n' >"$WORK/other"
# sign_verify TYPE — signs with the agent's key of TYPE and checks the signature.
sign_verify() {
  local type=$1
  grep "^$type " "$WORK/agent-keys.pub" | head -n 1 >"$WORK/$type.pub"
  log "ssh-keygen -Y sign with the token's $type key, then -Y verify"
  rm -f "$WORK/data.sig"
  t ssh-keygen -Y sign -f "$WORK/$type.pub" -n arca-test "$WORK/data" >"$WORK/sign-$type.log" 2>&1 ||
    { cat "$WORK/sign-$type.log" >&2; fail "ssh-keygen -Y sign with $type failed"; }
  printf 'arca %s\n' "$(cat "$WORK/$type.pub")" >"$WORK/allowed_signers"
  t ssh-keygen -Y verify -f "$WORK/allowed_signers" -I arca -n arca-test -s "$WORK/data.sig" \
      <"$WORK/data" >"$WORK/verify-$type.log" 2>&1 ||
    { cat "$WORK/verify-$type.log" >&2; fail "the $type signature does not verify"; }
  grep -q '^Good "arca-test" signature' "$WORK/verify-$type.log" || fail "no good $type signature"
  if t ssh-keygen -Y verify -f "$WORK/allowed_signers" -I arca -n arca-test \
      -s "$WORK/data.sig" <"$WORK/other" >/dev/null 2>&1; then
    fail "the $type signature verifies for altered data"
  fi
}
sign_verify ecdsa-sha2-nistp256
sign_verify ssh-rsa

log "PASS"
