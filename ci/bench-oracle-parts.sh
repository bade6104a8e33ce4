#!/usr/bin/env bash
# ci/bench-oracle-parts.sh — `make bench-parts`: where the oracle's time goes
# on small blocks, the figures behind the README's account of `make bench`.
# A benchmark, not a test (it prints, it does not judge).
#
# Builds three extra copies of gauntlet under build/ablation/, each without
# one part of the oracle (compile-time switches that exist for this script
# only, and that no other build uses): the content pattern
# (GAUNTLET_ABLATE_PATTERN: nothing written, nothing verified), the overlap
# map (GAUNTLET_ABLATE_MAP: nothing inserted, no overlap found), and both.
# Each copy runs `gauntlet bench --mix small` in turn with the full build,
# ROUNDS times (default 5); a part's cost is the checked time per operation
# it adds, the median over the rounds. "floor" is the checked/raw ratio
# with both parts gone: what is left of the oracle (executor, judging,
# usable size, errno, statistics) against the raw calls.
#   ci/bench-oracle-parts.sh [ROUNDS] [ALLOCATORS]
set -uo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
allocs=${2:-all}
make -s all >/dev/null || exit 2
declare -A flags=([full]="" [no-pattern]="-DGAUNTLET_ABLATE_PATTERN" [no-map]="-DGAUNTLET_ABLATE_MAP"
                  [neither]="-DGAUNTLET_ABLATE_PATTERN -DGAUNTLET_ABLATE_MAP")
variants=(full no-pattern no-map neither)
for v in "${variants[@]}"; do
  if [ "$v" = full ]; then continue; fi
  make -s BUILD=build/ablation/$v build/ablation/$v/gauntlet CFLAGS="-O2 -g ${flags[$v]}" \
    >/dev/null || exit 2
done
bin() { if [ "$1" = full ]; then echo build/gauntlet; else echo "build/ablation/$1/gauntlet"; fi; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for r in $(seq 1 "$rounds"); do
  echo "round $r of $rounds" >&2
  for v in "${variants[@]}"; do
    "$(bin "$v")" bench --alloc "$allocs" --mix small --repeat 3 2>/dev/null |
      awk -v v="$v" -v r="$r" '$2 == "small" {print $1, v, r, $4, $5}' >> "$work/rates"
  done
done

# rates: allocator variant round checked_Mops raw_Mops -> ns per operation.
python3 - "$work/rates" <<'EOF'
import collections, statistics, sys
ns = collections.defaultdict(lambda: collections.defaultdict(dict))
raw = collections.defaultdict(list)
for line in open(sys.argv[1]):
    a, v, r, checked, rawrate = line.split()
    ns[a][v][r] = 1e3 / float(checked)
    raw[a].append(1e3 / float(rawrate))
print("allocator  checked ns/op  raw ns/op  pattern ns  map ns  both ns  floor (neither/raw)")
for a in ns:
    full = ns[a]["full"]
    def cost(v):
        return statistics.median(full[r] - ns[a][v][r] for r in full if r in ns[a][v])
    neither = statistics.median(ns[a]["neither"].values())
    rawns = statistics.median(raw[a])
    print("%-10s %13.1f %10.1f %11.1f %7.1f %8.1f %12.2fx" % (
        a, statistics.median(full.values()), rawns, cost("no-pattern"), cost("no-map"),
        cost("neither"), neither / rawns))
EOF
