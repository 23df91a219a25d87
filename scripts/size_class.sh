#!/usr/bin/env bash
# The size-class spot check behind the README's "Other shapes" paragraph:
# dconv1d against oneDNN's best and the measured peak, every pass and dtype,
# 1 thread, on eight shapes of the speed issue's size class (C, K 8-128,
# S 9-64, d 1-16). Three were drawn earlier (C = 12 -> 8, 48 -> 24, 8 -> 128),
# five with Python's random.Random(2027) over C, K in {8, 12, 24, 32, 48, 96,
# 128}, S in {9, 17, 33, 64}, d in {1, 2, 4, 16}, W = 20,000 + span.
# Writes results/size_class/threads1.csv (+ provenance); THREADS="1 2" also
# threads2.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build
out=results/size_class
mkdir -p "$out"
shapes=(n1c12k8w30008s9d1 n1c48k24w30016s9d2 n1c8k128w8016s17d1 n1c8k32w20008s9d1
  n1c96k24w20126s64d2 n1c32k12w20064s33d2 n1c24k24w20032s9d4 n1c24k8w20128s33d4)
for threads in ${THREADS:-1}; do
  build/tuner/dconv1d-bench --threads "$threads" --paired-budget "${PAIRED_BUDGET:-1}" --csv "$out/threads$threads.csv" \
    --benchmark_filter=none "${shapes[@]}"
done
