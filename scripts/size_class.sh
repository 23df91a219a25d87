#!/usr/bin/env bash
# The size-class spot check behind the README's "Other shapes" paragraph:
# dconv1d against oneDNN's best and the measured peak, every pass and dtype,
# 1 thread, on eight shapes of the speed issue's size class (C, K 8-128,
# S 9-64, d 1-16). Three were drawn earlier (C = 12 -> 8, 48 -> 24, 8 -> 128),
# five with Python's random.Random(2027) over C, K in {8, 12, 24, 32, 48, 96,
# 128}, S in {9, 17, 33, 64}, d in {1, 2, 4, 16}, W = 20,000 + span.
# Writes results/size_class/threads1.csv (+ provenance); THREADS="1 2" also
# threads2.csv (OUT=DIR writes there instead). DRAW=77 runs a second draw instead, twelve shapes from
# random.Random(77) over C, K in {8, 12, 16, 20, 24, 32, 40, 48, 56, 64, 80, 96,
# 112, 128}, S in {9, 13, 17, 25, 33, 51, 64}, d in {1, 2, 4, 8, 16}, W = 20,000
# + span, into draw77-threads1.csv (and -threads2.csv).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build
out=${OUT:-results/size_class} # OUT=results/size_class/<machine> for a machine other than the README's first
mkdir -p "$out"
shapes=(n1c12k8w30008s9d1 n1c48k24w30016s9d2 n1c8k128w8016s17d1 n1c8k32w20008s9d1
  n1c96k24w20126s64d2 n1c32k12w20064s33d2 n1c24k24w20032s9d4 n1c24k8w20128s33d4)
prefix=
if [ -n "${DRAW:-}" ]; then
  [ "$DRAW" = 77 ] || { echo "size_class.sh: DRAW must be 77 (the only draw named here)" >&2; exit 2; }
  shapes=(n1c112k24w20032s17d2 n1c20k20w20063s64d1 n1c24k48w20512s33d16 n1c20k16w20512s33d16 n1c8k128w20016s17d1
    n1c128k48w20024s13d2 n1c56k128w20048s25d2 n1c32k32w20008s9d1 n1c56k112w20256s17d16 n1c48k20w20024s13d2
    n1c12k12w20126s64d2 n1c96k56w20384s25d16)
  prefix=draw77-
fi
for threads in ${THREADS:-1}; do
  build/tuner/dconv1d-bench --threads "$threads" --paired-budget "${PAIRED_BUDGET:-1}" --csv "$out/${prefix}threads$threads.csv" \
    --benchmark_filter=none "${shapes[@]}"
done
