#!/usr/bin/env bash
# Writes src/tuned/dconv1d_tuned.h from the tuning logs of every CPU:
# results/tuning/<cpu>/default.jsonl and the keys tuned again since
# (results/tuning/<cpu>/retune*.jsonl, read in version order: retune9 before
# retune10), a later log's row for a key winning. Each CPU's rows go under its
# "@cpu" line; the library takes only its own CPU's. results/tuning/legacy/
# holds logs written before logs named their CPU: kept as data, not emitted.
# Needs build/tuner/dconv1d-tune; the caller rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."
logs=()
for dir in results/tuning/*/; do
  [ "$dir" = results/tuning/legacy/ ] && continue
  [ -f "${dir}default.jsonl" ] && logs+=("${dir}default.jsonl")
  while IFS= read -r f; do [ -f "$f" ] && logs+=("$f"); done < <(printf '%s\n' "$dir"retune*.jsonl | sort -V)
done
if ((${#logs[@]} == 0)); then
  echo "emit_tuned_header.sh: no tuning log under results/tuning/<cpu>/: nothing to emit" >&2
  exit 1
fi
build/tuner/dconv1d-tune --emit-header src/tuned/dconv1d_tuned.h "${logs[@]}"
