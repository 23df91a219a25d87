#!/usr/bin/env bash
# The sweep pipeline's back end: dconv1d-sweep on the smoke sweep, then
# plots/plot_sweeps.py on that CSV and on a small committed one
# (tests/data/width_small.csv, a real run): figures and a summary whose
# numbers match the CSV; malformed CSVs and sweep files give clear errors,
# a non-zero exit and leave existing figures alone.
#   usage: test_plots.sh DCONV1D_SWEEP SOURCE_ROOT
set -u
sweep=$1 root=$2
py=/usr/bin/python3
if ! $py -c 'import matplotlib, numpy' 2>/dev/null; then
  echo "SKIP: $py lacks matplotlib or numpy (scripts/setup.sh installs python3-matplotlib python3-numpy)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
plot() { $py "$root/plots/plot_sweeps.py" "$@"; }

# 1. dconv1d-sweep end to end on the smoke sweep (4 points x 3 passes, f32, 1 thread)
if "$sweep" --budget 0.02 --out-dir "$tmp/res" "$root/sweeps/smoke.sweep" >"$tmp/sweep.out" 2>&1; then
  csv=$tmp/res/smoke.csv
  rows=$(($(wc -l <"$csv") - 1))
  [ "$rows" -eq 36 ] || fail "smoke.csv has $rows rows, expected 12 keys x 3 implementations = 36"
  grep -q '"peak_f32_gflops"' "$csv.provenance.json" || fail "no provenance next to smoke.csv"
  [ "$(cut -d, -f30 "$csv" | sort -u | grep -vc '^check$')" -ge 1 ] || fail "no check column"
  grep -q ',reference,' "$csv" || fail "smoke points were not checked against the reference"
  plot --out-dir "$tmp/smoke-plots" "$csv" >"$tmp/plot.out" 2>&1 || fail "plotting smoke.csv: $(cat "$tmp/plot.out")"
  for f in smoke-t1-efficiency.png smoke-t1-speedup.svg summary.png summary.svg; do
    [ -s "$tmp/smoke-plots/$f" ] || fail "smoke plot $f missing"
  done
else
  fail "dconv1d-sweep on smoke.sweep: $(cat "$tmp/sweep.out")"
fi

# 2. the committed small CSV: a numeric swept parameter (w, log axis), both dtypes
data=$root/tests/data/width_small.csv
if plot --out-dir "$tmp/plots" --summary-csv "$tmp/summary.csv" "$data" >"$tmp/plot.out" 2>&1; then
  for f in width_small-t1-efficiency.png width_small-t1-efficiency.svg width_small-t1-speedup.png \
    width_small-t1-speedup.svg summary.png summary.svg; do
    [ -s "$tmp/plots/$f" ] || fail "$f missing"
  done
  head -c 8 "$tmp/plots/summary.png" | od -An -c | grep -q 'P   N   G' || fail "summary.png is not a PNG"
  grep -q '<svg' "$tmp/plots/summary.svg" || fail "summary.svg is not SVG"
  [ "$(ls -a "$tmp/plots" | grep -c '^\.')" -eq 2 ] || fail "temporary files left behind: $(ls -a "$tmp/plots")"
  # the summary's geometric mean and minimum, recomputed here from the CSV
  for key in fwd,f32 bwd_data,bf16 bwd_weight,f32; do
    want=$(awk -F, -v pass="${key%,*}" -v dtype="${key#*,}" \
      'NR > 1 && $12 == pass && $13 == dtype && $15 == "tuned" { s += log($22); n++; if (!m || $22 < m) m = $22 }
       END { printf "%.3f %.3f", exp(s / n), m }' "$data")
    got=$(awk -F, -v pass="${key%,*}" -v dtype="${key#*,}" '$1 == pass && $2 == dtype { print $5, $6 }' "$tmp/summary.csv")
    [ "$want" = "$got" ] || fail "summary $key: geomean/min $got, recomputed $want"
  done
else
  fail "plotting $data: $(cat "$tmp/plot.out")"
fi

# 2b. where oneDNN implements nothing (BF16 below AVX-512) the sweep writes BF16 rows with NaN ratios and
# no oneDNN rows: the plots draw no speed-up line there instead of failing
$py - "$data" "$tmp/no_onednn_bf16.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
with open(sys.argv[2], "w", newline="") as out:
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    for r in rows:
        if r["dtype"] != "bf16":
            w.writerow(r)
        elif r["impl"] != "onednn":
            r.update(speedup_vs_onednn="nan", speedup_min="nan", speedup_max="nan", onednn_impl="", onednn_layout="")
            w.writerow(r)
PY
if plot --out-dir "$tmp/no-onednn-plots" "$tmp/no_onednn_bf16.csv" >"$tmp/plot.out" 2>&1; then
  [ -s "$tmp/no-onednn-plots/width_small-t1-speedup.svg" ] || fail "no speed-up figure without oneDNN's BF16"
  grep -q "^fwd        bf16 .* -  " "$tmp/plot.out" || fail "the summary shows no '-' for BF16 without oneDNN"
else
  fail "plotting a sweep without oneDNN's BF16: $(cat "$tmp/plot.out")"
fi

# 3. malformed input: a clear message naming file (and line), exit 2, figures untouched
bad=$tmp/bad
mkdir -p "$bad"
: >"$bad/empty.csv"
head -1 "$data" | sed 's/,gflops,/,gigaflops,/' >"$bad/header.csv"
sed -n 2p "$data" >>"$bad/header.csv"
awk -F, -v OFS=, 'NR == 3 { $16 = "fast" } { print }' "$data" >"$bad/number.csv"
awk -F, -v OFS=, 'NR == 4 { $12 = "sideways" } { print }' "$data" >"$bad/pass.csv"
head -1 "$data" >"$bad/norows.csv"
head -5 "$data" | cut -d, -f1-10 >"$bad/short.csv"
cp "$tmp/plots/summary.png" "$tmp/before.png" 2>/dev/null
expect_error() { # file, pattern
  if plot --out-dir "$tmp/plots" "$1" >"$tmp/err.out" 2>&1; then
    fail "$(basename "$1") was accepted"
  elif ! grep -q -- "$2" "$tmp/err.out"; then
    fail "$(basename "$1"): message lacks '$2': $(cat "$tmp/err.out")"
  fi
}
expect_error "$bad/empty.csv" "empty.csv: the file is empty"
expect_error "$bad/header.csv" "header.csv:1: the header lacks column(s) gflops"
expect_error "$bad/number.csv" "number.csv:3: column 'median_ms': 'fast' is not a number"
expect_error "$bad/pass.csv" "pass.csv:4: column 'pass': 'sideways'"
expect_error "$bad/norows.csv" "no rows"
expect_error "$bad/short.csv" "short.csv:1: the header lacks"
expect_error "$bad/missing.csv" "missing.csv: cannot read"
cmp -s "$tmp/before.png" "$tmp/plots/summary.png" || fail "a failed run changed an existing figure"

# 4. a malformed sweep file: file:line:column, non-zero exit, no CSV written
printf 'name = broken\nc = 4\nk = 4\nw = 100\ns = 3x\n' >"$bad/broken.sweep"
if "$sweep" --out-dir "$tmp/res2" "$bad/broken.sweep" >"$tmp/err.out" 2>&1; then
  fail "a malformed sweep file was accepted"
else
  grep -q "broken.sweep:5:" "$tmp/err.out" || fail "sweep error lacks file:line: $(cat "$tmp/err.out")"
  [ ! -e "$tmp/res2/broken.csv" ] || fail "a CSV was written for a malformed sweep"
fi
"$sweep" --bogus >/dev/null 2>&1 && fail "an unknown option was accepted"

# 5. the README's tables from dconv1d-bench CSVs (tests/data/bench_small.csv: four rows of a real run)
table=$($py "$root/scripts/baseline_table.py" --compact "$root/tests/data/bench_small.csv" 2>&1) ||
  fail "baseline_table.py --compact: $table"
row=$(printf '%s\n' "$table" | grep '^| n1c16k16w60400s51d8 | 1 |')
case "$row" in "| n1c16k16w60400s51d8 | 1 | 97 % (1.00×) | – | – | – | – | 95 % (7.51×) |") ;;
*) fail "baseline_table.py --compact row: '$row'" ;; esac
printf 'pass,dtype\nfwd,f32\n' >"$bad/not_bench.csv"
$py "$root/scripts/baseline_table.py" --compact "$bad/not_bench.csv" >/dev/null 2>&1 &&
  fail "baseline_table.py accepted a CSV without dconv1d-bench's columns"

[ "$failures" -eq 0 ] && echo "test_plots: all checks passed"
exit $((failures > 0))
