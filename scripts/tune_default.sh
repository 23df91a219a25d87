#!/usr/bin/env bash
# Regenerates the tuned header the library builds with (src/tuned/dconv1d_tuned.h):
# tunes the AtacWorks layer and shapes varying one parameter around it (width,
# filter width, channels, filters, dilation, batch), every pass and dtype, at 1
# and 2 threads, logging to results/tuning/<cpu>/ (this CPU's: dconv1d-tune
# --print-cpu), then rebuilds. The log resumes: delete that folder's
# default.jsonl (and retune*.jsonl) to tune this CPU from scratch. Rows in
# retune*.jsonl (keys tuned again, read in version order) replace default.jsonl's;
# other CPUs' logs keep their rows under their own "@cpu" lines.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build
dir=results/tuning/$(build/tuner/dconv1d-tune --print-cpu)
mkdir -p "$dir"
log=$dir/default.jsonl
shapes=(n1c15k15w60400s51d8 n1c15k15w10400s51d8 n1c15k15w60400s9d8 n1c15k15w60400s101d8 n1c32k15w60400s51d8
        n1c15k32w60400s51d8 n1c64k64w20400s51d8 n1c15k15w60400s51d1 n1c15k15w60400s51d32 n4c15k15w20400s51d8)
for threads in 1 2; do
  build/tuner/dconv1d-tune --threads "$threads" --strategy "${STRATEGY:-halving}" --budget "${BUDGET:-3}" \
    --log "$log" "${shapes[@]}"
done
scripts/emit_tuned_header.sh
ninja -C build
