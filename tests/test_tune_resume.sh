#!/usr/bin/env bash
# dconv1d-tune killed mid-run resumes from its log: finished keys are
# skipped, nothing is measured twice, no record is lost or duplicated; the
# header is written from the completed log, and a truncated log leaves an
# existing header as it was; logs are kept apart by the CPU they name.
set -u
tune=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
args=(--threads 1 --budget 0.5 --dtype f32 --log "$dir/log.jsonl" n1c3k4w300s9d2 n1c5k5w200s9d1)

# Kill the run once it has logged at least one result and some candidates of a later key.
"$tune" "${args[@]}" > "$dir/first.out" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  results=$(grep -c '"type":"result"' "$dir/log.jsonl" 2>/dev/null || true)
  [ "${results:-0}" -ge 2 ] && break
  sleep 0.05
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
before=$(grep -c '"type":"result"' "$dir/log.jsonl")
[ "$before" -ge 1 ] && [ "$before" -lt 6 ] || fail "the kill came at the wrong time ($before results)"

"$tune" "${args[@]}" --header "$dir/tuned.h" > "$dir/second.out" 2>&1 || fail "resumed run failed: $(cat "$dir/second.out")"
grep -q "already tuned" "$dir/second.out" || fail "no finished key was skipped"

# every key has exactly one result; no candidate record appears twice
keys=$(grep '"type":"result"' "$dir/log.jsonl" | sed 's/.*"key":"\([^"]*\)".*/\1/' | sort)
[ "$(echo "$keys" | wc -l)" -eq 6 ] || fail "expected 6 results, got: $keys"
[ "$(echo "$keys" | uniq -d)" = "" ] || fail "duplicated results"
dups=$(grep '"type":"candidate"' "$dir/log.jsonl" | sed 's/"ratio".*//' | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || fail "$dups candidate records measured twice"
while IFS= read -r line; do
  case "$line" in "{"*"}") ;; *) fail "malformed line: $line" ;; esac
done < "$dir/log.jsonl"

# a run with every key already tuned leaves the log (a tracked file in the project) byte for byte
cp "$dir/log.jsonl" "$dir/log.before"
"$tune" "${args[@]}" > "$dir/third.out" 2>&1 || fail "all-skipped run failed: $(cat "$dir/third.out")"
cmp -s "$dir/log.jsonl" "$dir/log.before" || fail "a run that tuned nothing changed the log"

# the header holds the six rows; a truncated log does not replace it
[ "$(grep -c '^    "n1c' "$dir/tuned.h")" -eq 6 ] || fail "header rows"
cp "$dir/tuned.h" "$dir/tuned.before"
head -c -20 "$dir/log.jsonl" > "$dir/truncated.jsonl"
"$tune" --emit-header "$dir/tuned.h" "$dir/truncated.jsonl" 2> "$dir/emit.err" && fail "emitted from a truncated log"
grep -q "truncated" "$dir/emit.err" || fail "no clear error: $(cat "$dir/emit.err")"
cmp -s "$dir/tuned.h" "$dir/tuned.before" || fail "the header was replaced"
[ -z "$(ls "$dir" | grep tmp)" ] || fail "a temporary file was left behind"

# a later log's row for the same key replaces the earlier one
{ grep -m1 '"type":"header"' "$dir/log.jsonl"
  grep '"type":"result"' "$dir/log.jsonl" | head -1 | sed 's/"gflops":[0-9.]*/"gflops":999.000/'; } > "$dir/later.jsonl"
"$tune" --emit-header "$dir/tuned.h" "$dir/log.jsonl" "$dir/later.jsonl" 2> /dev/null || fail "emit from two logs"
[ "$(grep -c '^    "n1c' "$dir/tuned.h")" -eq 6 ] || fail "rows duplicated across logs"
grep -q ' 999.00 ' "$dir/tuned.h" || fail "the later log's row did not win"

# another CPU's log: its rows stand beside this CPU's under their own line, and it is not resumed here
cpu=$(sed -n 's/.*"cpu": "\([^"]*\)".*/\1/p' "$dir/log.jsonl" | head -1)
[ -n "$cpu" ] || fail "the log's header names no CPU"
sed "s/\"cpu\": \"$cpu\"/\"cpu\": \"elsewhere-f9m9\"/" "$dir/later.jsonl" > "$dir/elsewhere.jsonl"
"$tune" --emit-header "$dir/tuned.h" "$dir/log.jsonl" "$dir/elsewhere.jsonl" 2> /dev/null || fail "emit from two CPUs"
[ "$(grep -c '^    "n1c' "$dir/tuned.h")" -eq 7 ] || fail "another CPU's row replaced this one's"
[ "$(grep -c '^    "@cpu ' "$dir/tuned.h")" -eq 2 ] || fail "expected two @cpu lines"
sed -n '/"@cpu elsewhere-f9m9"/,$p' "$dir/tuned.h" | grep -q ' 999.00 ' || fail "the other CPU's row is not under its line"
"$tune" "${args[@]}" --log "$dir/elsewhere.jsonl" > "$dir/fourth.out" 2>&1 && fail "resumed another CPU's log"
grep -q "measured on CPU elsewhere-f9m9, this is $cpu" "$dir/fourth.out" || fail "no clear error: $(cat "$dir/fourth.out")"
echo "test_tune_resume: 1 passed, 0 failed"
