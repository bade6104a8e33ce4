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
# it adds, the median over the rounds. "floor" is bench's checked/raw ratio
# with both parts gone (the median over the rounds): what is left of the
# oracle (executor, judging, usable size, errno, statistics) against the
# raw calls.
#   ci/bench-oracle-parts.sh [ROUNDS] [ALLOCATORS]
set -uo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
allocs=${2:-all}
case $rounds in '' | *[!0-9]* | 0) echo "usage: $0 [ROUNDS >= 1] [ALLOCATORS]" >&2; exit 2 ;; esac
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
      awk -v v="$v" -v r="$r" '$2 == "small" {sub(/x$/, "", $6); print $1, v, r, $4, $5, $6}' \
        >> "$work/rates"
  done
done

if [ ! -s "$work/rates" ]; then
  echo "bench-oracle-parts: gauntlet bench printed no rows (try: build/gauntlet bench --alloc $allocs --mix small)" >&2
  exit 2
fi

# rates: allocator variant round checked_Mops raw_Mops ratio -> ns per operation.
python3 - "$work/rates" <<'EOF'
import collections, statistics, sys
ns = collections.defaultdict(lambda: collections.defaultdict(dict))
ratio = collections.defaultdict(lambda: collections.defaultdict(list))
raw = collections.defaultdict(list)
for line in open(sys.argv[1]):
    a, v, r, checked, rawrate, pair_ratio = line.split()
    ns[a][v][r] = 1e3 / float(checked)
    ratio[a][v].append(float(pair_ratio))
    raw[a].append(1e3 / float(rawrate))
def cost(a, v):
    full = ns[a]["full"]
    both = [full[r] - ns[a][v][r] for r in full if r in ns[a][v]]
    return "%.1f" % statistics.median(both) if both else "missing"
print("allocator  checked ns/op  raw ns/op  pattern ns  map ns  both ns  floor (neither/raw)")
for a in ns:
    full = ns[a]["full"]
    floor = ratio[a]["neither"]
    print("%-10s %13s %10.1f %11s %7s %8s %12s" % (
        a, "%.1f" % statistics.median(full.values()) if full else "missing",
        statistics.median(raw[a]), cost(a, "no-pattern"), cost(a, "no-map"), cost(a, "neither"),
        "%.2fx" % statistics.median(floor) if floor else "missing"))
EOF
