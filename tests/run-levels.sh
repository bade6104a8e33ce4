#!/usr/bin/env bash
# tests/run-levels.sh — runs the test levels given (each a Check runner:
# build/tests/unit, system, long), shows their output as it comes, and ends
# with one closing line for all of them in Check's own form, then the skips
# (tests that could not run here; each printed by its test, counted here).
# Exit status: 0 when every level passed.
#   tests/run-levels.sh RUNNER...
set -uo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
for runner in "$@"; do
  "$runner" 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
done
checks=0 failures=0 errors=0
while read -r c f e; do
  checks=$((checks + c)) failures=$((failures + f)) errors=$((errors + e))
done < <(sed -n 's/^[0-9]*%: Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\)$/\1 \2 \3/p' "$log")
levels=$(grep -c '^[0-9]*%: Checks: ' "$log")
if [ "$levels" -ne $# ]; then
  echo "run-levels: $(($# - levels)) of $# levels printed no closing line (crashed?)" >&2
  status=1
fi
skips=$(grep -c '^gauntlet-test: SKIP ' "$log")
percent=100
[ "$checks" -gt 0 ] && percent=$(((checks - failures - errors) * 100 / checks))
echo
echo "all levels ($*):"
echo "${percent}%: Checks: $checks, Failures: $failures, Errors: $errors"
echo "skipped: $skips"
grep '^gauntlet-test: SKIP ' "$log" | sed 's/^/  /'
exit $status
