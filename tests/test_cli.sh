#!/usr/bin/env bash
# Every CLI answers --help with its own usage on stdout and exit status 0, and
# rejects an unknown option and a malformed descriptor with a non-zero status
# and a message on stderr (never a crash: status >= 128).
set -u
passed=0
fail() { echo "FAIL: $*"; exit 1; }
for exe in "$@"; do
  name=$(basename "$exe")
  out=$("$exe" --help 2>/dev/null) || fail "$name --help exited $?"
  case "$out" in "usage: $name"*) ;; *) fail "$name --help printed: ${out:0:80}" ;; esac
  err=$("$exe" --no-such-option 2>&1 >/dev/null); rc=$?
  { [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && [ -n "$err" ]; } || fail "$name --no-such-option: status $rc, '$err'"
  passed=$((passed + 1))
done
for exe in "$@"; do
  case "$(basename "$exe")" in dconv1d-bench | dconv1d-tune) ;; *) continue ;; esac
  for bad in n1c0k1w10s1d1 n1c1k1w10s20d1 garbage n1c1k1w99999999999999999999s1d1; do
    err=$("$exe" "$bad" 2>&1 >/dev/null); rc=$?
    { [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ] && [ -n "$err" ]; } || fail "$(basename "$exe") $bad: status $rc, '$err'"
    passed=$((passed + 1))
  done
done
echo "test_cli: $passed passed, 0 failed"
