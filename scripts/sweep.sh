#!/usr/bin/env bash
# Runs parameter studies end to end: build; with --tune, tune the sweep points
# that the tuning log lacks, regenerate the tuned header and rebuild; run the
# sweeps (tuned, heuristic default and oneDNN, round-robin); plot every sweep
# CSV of this machine; print where everything went.
#
#   scripts/sweep.sh [--tune] [--budget S] [--tune-budget S] [--threads T] [SWEEP_FILE...]
#
# With no SWEEP_FILE it runs every sweep in sweeps/ except smoke. Results go
# to results/<machine>/<sweep>.csv (+ .provenance.json), figures to
# plots/<machine>/, the summary table to results/<machine>/summary.csv.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,11s/^# \{0,1\}//p' "$0"; }
tune=0 budget=0.5 tune_budget=${BUDGET:-3} threads=() files=()
while (($#)); do
  case $1 in
  --tune) tune=1 ;;
  --budget) budget=${2:?--budget needs seconds}; shift ;;
  --tune-budget) tune_budget=${2:?--tune-budget needs seconds}; shift ;;
  --threads) threads=(--threads "${2:?--threads needs a count}"); shift ;;
  -h | --help) usage; exit 0 ;;
  -*) echo "sweep.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  *) files+=("$1") ;;
  esac
  shift
done
if ((${#files[@]} == 0)); then
  for f in sweeps/*.sweep; do [ "$f" = sweeps/smoke.sweep ] || files+=("$f"); done
fi
for f in "${files[@]}"; do [ -r "$f" ] || { echo "sweep.sh: cannot read $f" >&2; exit 2; }; done

scripts/setup.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
sweep=build/tuner/dconv1d-sweep
machine=$($sweep --print-machine)

if ((tune)); then
  dir=results/tuning/$(build/tuner/dconv1d-tune --print-cpu) # this CPU's log: other CPUs' rows are not this one's
  log=$dir/default.jsonl
  mkdir -p "$dir"
  for f in "${files[@]}"; do
    echo "== tuning the points of $f that $log lacks (${tune_budget} s per key)"
    build/tuner/dconv1d-tune --sweep "$f" "${threads[@]}" --budget "$tune_budget" --log "$log"
  done
  scripts/emit_tuned_header.sh
  echo "== rebuilding with the regenerated src/tuned/dconv1d_tuned.h"
  ninja -C build >/dev/null
fi

failed=()
for f in "${files[@]}"; do
  echo "== sweep $f"
  # a failed point is reported and left out; the other points and sweeps still run
  $sweep "${threads[@]}" --budget "$budget" --out-dir "results/$machine" "$f" || failed+=("$f")
done

echo "== plots"
csvs=() # the sweep CSVs of this machine (not the summary, not the training benchmark's)
for f in "results/$machine"/*.csv; do head -1 "$f" | grep -q '^sweep,machine,' && csvs+=("$f"); done
/usr/bin/python3 plots/plot_sweeps.py --out-dir "plots/$machine" --summary-csv "results/$machine/summary.csv" "${csvs[@]}"
echo "results: results/$machine/ (one CSV and provenance file per sweep, summary.csv)"
echo "figures: plots/$machine/ (<sweep>-t<T>-efficiency and -speedup, summary; PNG and SVG)"
if ((${#failed[@]})); then
  echo "sweep.sh: points failed in ${failed[*]} (see the messages above)" >&2
  exit 1
fi
