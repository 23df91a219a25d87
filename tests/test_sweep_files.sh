#!/usr/bin/env bash
# Every committed sweep file parses (dconv1d-tune --sweep with an unwritable
# log fails after parsing, so a parse error is told apart by its message).
set -u
tune=$1
dir=$(dirname "$0")/../sweeps
count=0
for f in "$dir"/*.sweep; do
  out=$("$tune" --sweep "$f" --log /nonexistent-dir/x.jsonl 2>&1)
  case "$out" in
    *"cannot open for appending"*) count=$((count + 1)) ;;
    *) echo "FAIL: $f: $out"; exit 1 ;;
  esac
done
[ "$count" -ge 8 ] || { echo "FAIL: expected at least 8 sweep files, found $count"; exit 1; }
echo "test_sweep_files: $count passed, 0 failed"
