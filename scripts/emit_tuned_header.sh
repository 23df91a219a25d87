#!/usr/bin/env bash
# Writes src/tuned/dconv1d_tuned.h from results/tuning/default.jsonl and the
# keys tuned again since (results/tuning/retune*.jsonl), a later log's row for
# a key winning: the retune logs are read in version order (retune9 before
# retune10). Needs build/tuner/dconv1d-tune; the caller rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."
logs=(results/tuning/default.jsonl)
while IFS= read -r f; do [ -f "$f" ] && logs+=("$f"); done < <(printf '%s\n' results/tuning/retune*.jsonl | sort -V)
build/tuner/dconv1d-tune --emit-header src/tuned/dconv1d_tuned.h "${logs[@]}"
