#!/usr/bin/env bash
# ci/bench-record.sh — make bench-record: what recording costs a real program, and how fast
# a long trace converts and replays, in how much memory.
#   1. sqlite3 running ci/real/sqlite.sh's SQL, python3 serving ci/real/requests.py's
#      requests (PYTHONMALLOC=malloc): wall time unrecorded and recorded, alternating, median
#      of RUNS each.
#   2. a trace of about 10 million calls (requests.py with 2.5x the requests): `gauntlet trace`
#      to a program and the trace: workload's replay on glibc (no oracle), with their maximum RSS.
# usage: ci/bench-record.sh [RUNS]     (5)
set -euo pipefail
runs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
g=$root/build/gauntlet
work=$(mktemp -d /tmp/gauntlet-bench-record-XXXXXX)
trap 'rm -rf "$work"' EXIT
export PYTHONMALLOC=malloc
sh "$root/ci/real/sqlite.sh" 20000 > "$work/q.sql"

median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
# wall seconds, then CPU seconds (user + system, the program's and gauntlet record's)
seconds() { /usr/bin/time -f '%e %U %S' "$@" 2>&1 >/dev/null | tail -1 | awk '{print $1, $2 + $3}'; }
median_cpu() { awk '{print $2}' | median; }

measure() { # name, then the command (stdin from $input)
  local name=$1; shift
  local plain recorded
  # Unrecorded and recorded runs alternate, so that the machine's moods fall on both; each
  # recorded run writes a new file (truncating the last run's is the file system's cost).
  for _ in $(seq "$runs"); do
    seconds "$@" < "$input" >> "$work/$name.plain"
    rm -f "$work/$name.trace"
    seconds "$g" record -o "$work/$name.trace" -- "$@" < "$input" >> "$work/$name.recorded"
  done
  plain=$(median < "$work/$name.plain")
  recorded=$(median < "$work/$name.recorded")
  local cpu_plain cpu_recorded
  cpu_plain=$(median_cpu < "$work/$name.plain")
  cpu_recorded=$(median_cpu < "$work/$name.recorded")
  local events
  events=$("$g" trace --info "$work/$name.trace" | awk '/^events:/ {print $2}')
  awk -v n="$name" -v p="$plain" -v r="$recorded" -v e="$events" -v b="$(stat -c %s "$work/$name.trace")" \
    -v cp="$cpu_plain" -v cr="$cpu_recorded" \
    'BEGIN {printf "%-8s %8.2f s %9.2f s %6.2fx %12s events %8.1f MiB   CPU %5.2f -> %5.2f s (%4.2fx)\n",
            n, p, r, r / p, e, b / 1048576, cp, cr, (cp > 0 ? cr / cp : 0)}'
}

echo "== recording overhead (median of $runs runs; wall seconds; CPU: the program's and gauntlet record's)"
echo "program  unrecorded   recorded  ratio       trace"
input=$work/q.sql measure sqlite3 sqlite3 :memory:
input=/dev/null measure python3 /usr/bin/python3 "$root/ci/real/requests.py" 20000 4

echo
echo "== a long trace: conversion and replay"
"$g" record -o "$work/long.trace" -- /usr/bin/python3 "$root/ci/real/requests.py" 50000 10 \
  >/dev/null 2>"$work/record.log"
events=$("$g" trace --info "$work/long.trace" | awk '/^events:/ {print $2}')
echo "trace: $events events, $(( $(stat -c %s "$work/long.trace") >> 20 )) MiB"
/usr/bin/time -f '%e %M' -o "$work/convert.time" "$g" trace "$work/long.trace" -o "$work/long.txt" 2>/dev/null
read -r secs kib < "$work/convert.time"
awk -v s="$secs" -v e="$events" -v k="$kib" \
  'BEGIN {printf "gauntlet trace:            %6.2f s  %6.2f M events/s  max RSS %6.1f MiB\n", s, e / s / 1e6, k / 1024}'
/usr/bin/time -f '%e %M' -o "$work/replay.time" "$g" stress-one --alloc glibc \
  --workload "trace:$work/long.trace" --json "$work/replay.json" >/dev/null 2>&1
read -r secs kib < "$work/replay.time"
calls=$(grep -o '"ops":[0-9]*' "$work/replay.json" | head -1 | cut -d: -f2)
rate=$(grep -o '"ops_per_second":[0-9.]*' "$work/replay.json" | head -1 | cut -d: -f2)
awk -v s="$secs" -v r="$rate" -v k="$kib" -v c="$calls" \
  'BEGIN {printf "trace: replay on glibc:    %6.2f s  %6.2f M calls/s   max RSS %6.1f MiB (%s calls)\n", s, r / 1e6, k / 1024, c}'
