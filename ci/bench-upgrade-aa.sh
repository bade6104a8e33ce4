#!/usr/bin/env bash
# ci/bench-upgrade-aa.sh — `make bench-upgrade-aa`: how often `gauntlet
# upgrade` gives a false alarm. Each installed allocator is upgraded to its
# own library file loaded as so:PATH (glibc, whose malloc is libc itself, to
# the project's unmodified wrapper, which passes every call to glibc),
# fuzzing off (--time 0), one workload at a time, RUNS times. A benchmark,
# not a test: it prints, per allocator × workload, how many upgrades came out
# SAFE (the target is at least 95 in 100), NOT SAFE or without a verdict,
# and how many figures were too noisy to judge or not comparable.
#   ci/bench-upgrade-aa.sh [RUNS [ALLOCATORS [WORKLOADS]]]
# RUNS defaults to 100, ALLOCATORS (comma-separated) to every installed one,
# WORKLOADS to every workload but replay. AA_OPTIONS adds upgrade options
# (e.g. AA_OPTIONS="--scale 0.25"). Each NOT SAFE upgrade's output is kept
# in build/bench-upgrade-aa/. At scale 1, one upgrade of spike takes about
# 80 s (its settle windows), of the other workloads 10 to 30 s.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
if ! [[ $runs =~ ^[1-9][0-9]*$ ]]; then
  echo "bench-upgrade-aa: RUNS must be a positive count, not '$runs'" >&2
  exit 2
fi
make -s all >/dev/null || exit 2
keep=build/bench-upgrade-aa
mkdir -p "$keep"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "${2:-}" ]; then
  IFS=, read -ra allocs <<<"$2"
else
  mapfile -t allocs < <(build/gauntlet list | awk '/^[a-z]/ && $2 != "not" && $1 != "so:PATH" {print $1}')
fi
if [ -n "${3:-}" ]; then
  IFS=, read -ra workloads <<<"$3"
else
  mapfile -t workloads < <(build/gauntlet stress --help |
    awk '/--workload LIST/ {on = 1; next} on && /^      [a-z]/ {print $1; next} on {exit}' |
    grep -vx replay)
fi

# The file an allocator's name stands for, from the registry and the loader's cache.
library_of() {
  local soname
  if [ "$1" = glibc ]; then
    echo "$PWD/build/defective/libdefect_none.so"
    return
  fi
  soname=$(build/gauntlet list --registry | awk -v n="$1" '$1 == n {print $2}')
  ldconfig -p | awk -v s="$soname" '$1 == s && /x86-64|x32|64bit/ {print $NF; exit}'
}

echo "| allocator | workload | upgrades | SAFE | NOT SAFE | no verdict | SAFE rate | too noisy | not comparable |"
echo "|---|---|---|---|---|---|---|---|---|"
for alloc in "${allocs[@]}"; do
  lib=$(library_of "$alloc")
  if [ -z "$lib" ] || [ ! -r "$lib" ]; then
    echo "bench-upgrade-aa: no library file found for $alloc; skipped" >&2
    continue
  fi
  for workload in "${workloads[@]}"; do
    safe=0 unsafe=0 none=0 noisy=0 unlike=0
    for run in $(seq 1 "$runs"); do
      printf 'bench-upgrade-aa: %s -> so:%s, %s, %d/%d\r' "$alloc" "$lib" "$workload" "$run" "$runs" >&2
      # shellcheck disable=SC2086 # AA_OPTIONS is a list of options
      build/gauntlet upgrade --old "$alloc" --new "so:$lib" --time 0 --workload "$workload" \
        --out "$work/out" ${AA_OPTIONS:-} >"$work/log" 2>&1
      verdict=$(sed -n 's/^verdict: \([A-Z ]*\).*/\1/p' "$work/log")
      case "$verdict" in
        "SAFE ") safe=$((safe + 1)) ;;
        "NOT SAFE ")
          unsafe=$((unsafe + 1))
          cp "$work/log" "$keep/$alloc-$workload-$run.log"
          ;;
        *) none=$((none + 1)) ;;
      esac
      n=$(sed -n 's/.*; \([0-9]*\) too noisy to judge.*/\1/p' "$work/log" | tail -1)
      u=$(sed -n 's/.*; \([0-9]*\) not comparable (.*/\1/p' "$work/log" | tail -1)
      noisy=$((noisy + ${n:-0}))
      unlike=$((unlike + ${u:-0}))
    done
    printf '\n' >&2
    rate=$(awk -v s="$safe" -v n="$runs" 'BEGIN {printf "%.0f%%", 100 * s / n}')
    echo "| $alloc | $workload | $runs | $safe | $unsafe | $none | $rate | $noisy | $unlike |"
  done
done
echo
echo "too noisy / not comparable: figures summed over the upgrades (each upgrade lists them)."
echo "NOT SAFE logs: $keep/"
