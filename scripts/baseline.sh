#!/usr/bin/env bash
# Reruns the baseline report: dconv1d against oneDNN's best and the measured
# peak, on C = K = 16 and 64 (S = 51, d = 8) and the AtacWorks shape, every
# pass and dtype, 1 and 2 threads. Writes results/baseline/ (CSV, Google
# Benchmark JSON, provenance) and prints the README table.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build
out=${OUT:-results/baseline} # OUT=results/baseline/<machine> for a machine other than the README's first
mkdir -p "$out"
shapes=(n1c16k16w60400s51d8 n1c64k64w20400s51d8 n1c15k15w60400s51d8)
for threads in 1 2; do
  build/tuner/dconv1d-bench --threads "$threads" --paired-budget "${PAIRED_BUDGET:-2}" \
    --csv "$out/threads$threads.csv" \
    --benchmark_out="$out/threads$threads.json" --benchmark_out_format=json \
    --benchmark_min_time="${MIN_TIME:-0.5}" "${shapes[@]}"
done
/usr/bin/python3 scripts/baseline_table.py "$out"/threads1.csv "$out"/threads2.csv
