#!/usr/bin/env bash
# ci/bench-fuzz.sh — `make bench-fuzz`: a benchmark, not a test (it prints,
# it does not judge). Three tables:
#  1. exec/s of each fuzz target configuration on each installed allocator,
#     SECONDS (default 20) of libFuzzer (or AFL++) from the seed corpus with
#     the 32 MiB live cap `gauntlet fuzz` uses, and for the unsanitized
#     libFuzzer build a campaign started from 20 generated 64-operation
#     single-thread programs (corpus gen64; mutations soon add threads,
#     operations and larger blocks);
#  2. exec/s of fixed 64-operation single-thread programs, without mutation
#     (the figure the 10,000 exec/s target is about): small blocks, and the
#     default size mix (the gen64 programs), on each installed allocator and
#     on each family's build with the allocator instrumented (`build-alloc
#     --with coverage`, the libraries allocator-guided campaigns run);
#  3. time for `gauntlet fuzz` to find each defective test allocator, median
#     of 3 campaigns of at most 60 s on one core (a campaign that could not
#     run, exit 2, shows as an error with its message), with the
#     structure-aware mutator and with the engine's byte mutations only.
#   ci/bench-fuzz.sh [SECONDS]      (DEFECTS="a b": only those defects' rows;
#                                    TABLES="2": only those tables, default "1 2 3")
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
tables=" ${TABLES:-1 2 3} "
wants() { case "$tables" in *" $1 "*) return 0 ;; esac; return 1; }
make -s all >/dev/null && bash fuzzers/build.sh >/dev/null || exit 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t allocs < <(build/gauntlet list | awk '/^[a-z]/ && $2 != "not" && $1 != "so:PATH" {print $1}')

rate_of() { sed -n 's/.*exec\/s: \([0-9]*\).*/\1/p' "$1" | tail -1; }

mkdir -p "$work/gen64"
for s in $(seq 1 20); do build/gauntlet gen --seed "$s" --ops 64 -o "$work/gen64/$s.bin"; done

wants 1 && echo "| allocator | configuration | corpus | exec/s |" && echo "|---|---|---|---|"
for alloc in "${allocs[@]}"; do
  wants 1 || break
  for config in libfuzzer-none libfuzzer-asan libfuzzer-tsan; do
    mode=lockstep; [ "$config" = libfuzzer-tsan ] && mode=free
    for corpus in seeds gen64; do
      [ "$corpus" = gen64 ] && [ "$config" != libfuzzer-none ] && continue
      dir=$work/c-$alloc-$config-$corpus && mkdir -p "$dir"
      src=build/fuzz/seeds; [ "$corpus" = gen64 ] && src=$work/gen64
      GAUNTLET_ALLOC=$alloc GAUNTLET_MODE=$mode GAUNTLET_CAP=32MiB ASAN_OPTIONS=detect_leaks=0 \
        TSAN_OPTIONS=report_thread_leaks=0 build/fuzz/$config -max_total_time="$seconds" \
        -max_len=768 -artifact_prefix="$work/" "$dir" "$src" > "$work/log" 2>&1
      echo "| $alloc | $config | $corpus | $(rate_of "$work/log") |"
    done
  done
  if [ -x build/fuzz/afl ] && command -v afl-fuzz >/dev/null; then
    rm -rf "$work/afl"
    GAUNTLET_ALLOC=$alloc GAUNTLET_CAP=32MiB AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
      timeout $((seconds + 30)) afl-fuzz -i build/fuzz/seeds -o "$work/afl" -V "$seconds" \
      -- build/fuzz/afl > /dev/null 2>&1
    rate=$(sed -n 's/^execs_per_sec *: *\([0-9.]*\).*/\1/p' "$work"/afl/default/fuzzer_stats 2>/dev/null)
    echo "| $alloc | afl | seeds | ${rate:-?} |"
  fi
done

# The same fixed programs executed through the libFuzzer build, without
# mutation (file arguments run once each): what one single-thread 64-operation
# program costs, with small blocks (gen --small) and with the default size mix
# (blocks up to the 32 MiB cap). 20 programs x 100; median of 3 timings.
# An instrumented build's row is named by its directory (family-version-coverage).
mkdir -p "$work/smallmix"
for s in $(seq 1 20); do build/gauntlet gen --seed "$s" --ops 64 --small -o "$work/smallmix/$s.bin"; done
fixed_allocs=()
if wants 2; then
  fixed_allocs=("${allocs[@]}")
  for family in mimalloc jemalloc gperftools; do
    lib=$(build/gauntlet build-alloc "$family" --with coverage 2> "$work/build.log" | tail -n 1)
    if [ "${lib#so:}" = "$lib" ]; then
      echo "bench-fuzz: $family with coverage did not build ($(tail -n 1 "$work/build.log")): no row" >&2
    else
      fixed_allocs+=("$lib")
    fi
  done
  echo
  echo "| allocator | fixed programs (64 ops, 1 thread) | exec/s (median of 3) |"
  echo "|---|---|---|"
fi
for alloc in "${fixed_allocs[@]}"; do
  name=$alloc
  [ "${alloc#so:}" != "$alloc" ] && name="$(basename "$(dirname "${alloc#so:}")") (instrumented)"
  for mix in smallmix gen64; do
    files=()
    for r in $(seq 1 100); do files+=("$work/$mix"/*.bin); done
    rates=()
    for run in 1 2 3; do
      start=$(date +%s.%N)
      GAUNTLET_ALLOC=$alloc GAUNTLET_CAP=32MiB build/fuzz/libfuzzer-none "${files[@]}" > /dev/null 2>&1
      end=$(date +%s.%N)
      rates+=("$(awk -v n="${#files[@]}" -v a="$start" -v b="$end" 'BEGIN {printf "%.0f", n / (b - a)}')")
    done
    label="default mix"; [ "$mix" = smallmix ] && label="small blocks (<= 1 KiB)"
    echo "| $name | $label | $(printf '%s\n' "${rates[@]}" | sort -n | sed -n 2p) |"
  done
done

wants 3 || exit 0
echo
echo "| defective allocator | invariant | seconds to find: structure mutator | bytes only |"
echo "|---|---|---|---|"
# The median of 3 campaigns with one mutator (">60" when not found).
time_to_find() {
  local name=$1 mutator=$2 times=() errors=()
  for run in 1 2 3; do
    start=$(date +%s.%N)
    taskset -c 0 build/gauntlet fuzz --stop-at-first --mutator "$mutator" \
      --alloc "so:build/defective/libdefect_$name.so" --time 60 \
      --out "$work/d-$name-$mutator-$run" > /dev/null 2> "$work/d-$name-$run.err"
    found=$?
    end=$(date +%s.%N)
    # 1: found; 0: nothing found in 60 s; anything else (2): the campaign did not run.
    case $found in
      1) times+=("$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')") ;;
      0) times+=(">60") ;;
      *) errors+=("run $run exit $found: $(grep -m1 '^gauntlet' "$work/d-$name-$run.err")") ;;
    esac
  done
  if [ ${#errors[@]} -gt 0 ]; then
    echo "error (${errors[0]})"
  else
    printf '%s\n' "${times[@]}" | sed 's/>60/999/' | sort -n | sed -n 2p | sed 's/^999$/not found in 60/'
  fi
}
while read -r name invariant _; do
  case "$name" in ''|'#'*) continue ;; esac
  # Stress-only defects, and a leak: the reuse rule judges programs made in
  # rounds, which fuzz targets do not make.
  [ "$invariant" = "-" ] || [ "$invariant" = reuse ] && continue
  [ -n "${DEFECTS:-}" ] && case " $DEFECTS " in *" $name "*) ;; *) continue ;; esac
  echo "| $name | $invariant | $(time_to_find "$name" structure) | $(time_to_find "$name" bytes) |"
done < tests/defective/defects.list
