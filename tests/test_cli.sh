#!/usr/bin/env bash
# Every CLI answers --help with its own usage on stdout and exit status 0, and
# rejects an unknown option and a malformed descriptor with a non-zero status
# and a message on stderr (never a crash: status >= 128); the CPU and machine
# names agree.
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
# dconv1d-bench's CSV: a row per implementation, and the peak its % are against is the better of a
# probe before the timing and one after it (one probe on a busy machine can run at a fraction of it)
for exe in "$@"; do
  [ "$(basename "$exe")" = dconv1d-bench ] || continue
  tmp=$(mktemp -d)
  "$exe" --pass fwd --dtype f32 --threads 1 --paired-budget 0.05 --benchmark_filter=none --no-onednn \
    --csv "$tmp/b.csv" n1c3k2w64s3d2 >"$tmp/out" 2>&1 || fail "dconv1d-bench --csv: $(cat "$tmp/out")"
  [ "$(wc -l <"$tmp/b.csv")" -eq 2 ] || fail "dconv1d-bench --csv wrote $(wc -l <"$tmp/b.csv") lines, expected 2"
  /usr/bin/env python3 - "$tmp/b.csv.provenance.json" <<'PY' || fail "dconv1d-bench provenance: $(cat "$tmp/b.csv.provenance.json")"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["peak_probes"] == 2 and p["peak_f32_gflops"] >= p["first_peak_f32_gflops"] > 0, p
PY
  rm -rf "$tmp"
  passed=$((passed + 1))
done
# the tuner's CPU name (the tuned rows' key) is the machine name's stem (the results folders')
tune= sweep=
for exe in "$@"; do case "$(basename "$exe")" in dconv1d-tune) tune=$exe ;; dconv1d-sweep) sweep=$exe ;; esac; done
if [ -n "$tune" ] && [ -n "$sweep" ]; then
  cpu=$("$tune" --print-cpu) || fail "dconv1d-tune --print-cpu exited $?"
  case "$cpu" in *" "*) fail "a CPU name with a space: '$cpu'" ;; *-f*m*) ;; *) fail "--print-cpu printed '$cpu'" ;; esac
  machine=$("$sweep" --print-machine) || fail "dconv1d-sweep --print-machine exited $?"
  case "$machine" in "$cpu"-*c) ;; *) fail "machine '$machine' does not extend CPU '$cpu'" ;; esac
  passed=$((passed + 1))
fi
echo "test_cli: $passed passed, 0 failed"
