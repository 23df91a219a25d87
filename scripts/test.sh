#!/usr/bin/env bash
# The test command: install what is missing, build, run every test, then
# build again with AddressSanitizer + UndefinedBehaviorSanitizer and rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

run_suite() { # build dir, meson options...
  local dir=$1
  shift
  [ -d "$dir" ] || meson setup "$dir" "$@" >/dev/null
  ninja -C "$dir"
  meson test -C "$dir" --print-errorlogs
}

status=0
run_suite build || status=1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -Db_sanitize=address,undefined -Dbuildtype=debugoptimized || status=1

passed=0 failed=0
for log in build/meson-logs/testlog.json build-asan/meson-logs/testlog.json; do
  [ -f "$log" ] || continue
  passed=$((passed + $(grep -c '"result": "OK"' "$log" || true)))
  failed=$((failed + $(grep -vc '"result": "\(OK\|SKIP\)"' "$log" || true)))
done
echo "tests: $passed passed, $failed failed"
exit $status
