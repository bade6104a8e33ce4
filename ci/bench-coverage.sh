#!/usr/bin/env bash
# ci/bench-coverage.sh — `make bench-coverage`: a benchmark, not a test (it
# prints, it does not judge). For each allocator family, the same version
# built twice by `gauntlet build-alloc` (with and without --with coverage),
# and the same libFuzzer campaign against each (fixed seed, RUNS executions,
# `gauntlet fuzz`): the coverage the campaign reports and the inputs it kept.
# With the allocator instrumented, its branches count as well as the
# harness's. Each build is fuzzed twice: with the target's structure-aware
# mutator (whole operations edited) and with libFuzzer's own byte-level
# mutations (`--mutator bytes`).
#   ci/bench-coverage.sh [RUNS] [FAMILIES]   (defaults: 20000, "mimalloc jemalloc gperftools")
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20000}
families=${2:-mimalloc jemalloc gperftools}
make -s all > /dev/null && bash fuzzers/build.sh > /dev/null || exit 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "| allocator | build | mutator | coverage | corpus kept | exec/s |"
echo "|---|---|---|---|---|---|"
for family in $families; do
  for with in coverage ""; do
    lib=$(build/gauntlet build-alloc "$family" ${with:+--with "$with"} 2> "$work/build.log" | tail -n 1)
    if [ "${lib#so:}" = "$lib" ]; then
      echo "| $family | ${with:-plain} | build failed: $(tail -n 1 "$work/build.log") | | |"
      continue
    fi
    version=$(basename "$(dirname "${lib#so:}")")
    for mutator in structure bytes; do
      rm -rf "$work/out"
      build/gauntlet fuzz --alloc "$lib" --mutator "$mutator" --seed 1 --runs "$runs" --time 600 \
        --out "$work/out" > "$work/fuzz.txt" 2> /dev/null
      summary=$(grep '^summary:' "$work/fuzz.txt")
      coverage=$(sed -n 's/.*, coverage \([^,]*\),.*/\1/p' <<< "$summary")
      corpus=$(sed -n 's/.*, corpus \([0-9]*\),.*/\1/p' <<< "$summary")
      rate=$(sed -n 's/.*, \([0-9]*\) exec\/s,.*/\1/p' <<< "$summary")
      echo "| $family | $version | $mutator | ${coverage:-?} | ${corpus:-?} | ${rate:-?} |"
    done
  done
done
