#!/usr/bin/env bash
# ci/bench-mutants.sh — `make bench-mutants`: a benchmark, not a test (it
# prints, it does not judge). Faults injected into mimalloc's source (the
# Debian source package `gauntlet build-alloc` fetches), one single-line
# mutant at a time from ci/mutate.py's fixed random sample, each judged by
#   Gauntlet: PROGRAMS generated programs (`gen --alloc`, 3,000 operations,
#             1, 2 and 4 threads) run against the mutant (`run --alloc so:`),
#             lock-step, then those with threads free-running (`--mode free
#             --repeat FREE_REPEAT`, default 5: races lock-step cannot make);
#             then every program made ROUNDS times in one process (`--rounds`,
#             default 32: whether freed memory is reused, rules.h rule_reuse);
#             then every program lock-step under each setting `gauntlet list
#             --settings` suggests for mimalloc (`--alloc-env`: an arena
#             reserved at start, memory committed and purged at once: paths
#             the defaults never take; SETTINGS=0 leaves this out). A failure
#             is a kill only once the original build passes the program that
#             failed, judged the same way (free-running: 4 x FREE_REPEAT runs;
#             otherwise 4), so that a bug of the original met by chance is no
#             kill; after such a failure the next judges still run;
#             then, for a mutant no program failed, the upgrade from the
#             original to the mutant (`gauntlet upgrade --time 0`: the
#             regression corpus and the seeds, then the stress workloads
#             MEMORY_WORKLOADS beside the original): NOT SAFE twice in a row is
#             a kill (a fault that keeps memory it should reuse or return is a
#             regression a team upgrading would want flagged). The upgrade of
#             the original to a copy of itself must come out SAFE first, or
#             the bench stops. MEMORY=0 leaves this out;
#   mimalloc's own suite: its test-api, test-api-fill and test-stress (8
#             threads, scale 50, 10 iterations: its default of 32 threads
#             takes minutes on 2 cores), built from the same tree.
# A mutant whose library has the same machine code as the original is
# equivalent and not counted; one whose library does not load, or does not
# build, is counted apart. Prints a line per mutant and the table.
#   ci/bench-mutants.sh [MUTANTS] [SEED] [PROGRAMS] [GEN FLAG...]   (defaults: 40, 1, 8)
# GEN FLAG: more flags for `gauntlet gen`, e.g. --fail-maps (the OS refusing
# the allocator memory now and then: its out-of-memory paths).
set -uo pipefail
cd "$(dirname "$0")/.."
mutants=${1:-40} seed=${2:-1} programs=${3:-8}
gen_flags=("${@:4}")
make -s all > /dev/null || exit 2
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The source, as build-alloc fetched it (a plain build also warms its cache).
build/gauntlet build-alloc mimalloc > "$work/plain.txt" 2> "$work/plain.log" || {
  cat "$work/plain.log" >&2
  exit 2
}
src=$(ls -d build/allocs/src/bookworm/mimalloc-*/ | head -n 1)
cp -a "$src" "$work/tree"
tree=$work/tree
files=(src/alloc.c src/alloc-aligned.c src/alloc-posix.c src/heap.c src/page.c src/page-queue.c
  src/segment.c src/segment-cache.c src/arena.c src/os.c src/bitmap.c src/region.c src/init.c)

build() {
  make -C "$tree/out" -j"$(nproc)" mimalloc mimalloc-test-api mimalloc-test-api-fill \
    mimalloc-test-stress > "$work/build.log" 2>&1
}
text_of() { objcopy -O binary --only-section=.text "$tree/out/libmimalloc.so" "$1"; }

(cd "$tree" && cmake -S . -B out -DCMAKE_BUILD_TYPE=Release -DMI_BUILD_TESTS=ON \
  -DMI_BUILD_STATIC=OFF -DMI_BUILD_OBJECT=OFF > "$work/cmake.log" 2>&1) || { cat "$work/cmake.log" >&2; exit 2; }
build || { tail "$work/build.log" >&2; exit 2; }
text_of "$work/original.text"
cp -L "$tree/out/libmimalloc.so" "$work/original.so"

# The programs, aimed at the original's size classes.
for s in $(seq 1 "$programs"); do
  threads=$(( (s % 3 == 0) ? 4 : (s % 3 == 1) ? 1 : 2 ))
  build/gauntlet gen --seed "$s" --ops 3000 --threads "$threads" "${gen_flags[@]}" \
    --alloc "so:$tree/out/libmimalloc.so" -o "$work/p$s.bin" 2> /dev/null
done
progs=("$work"/p*.bin)
threaded=()
for s in $(seq 1 "$programs"); do [ $((s % 3)) != 1 ] && threaded+=("$work/p$s.bin"); done
free_repeat=${FREE_REPEAT:-5}
rounds=${ROUNDS:-32}
memory=${MEMORY:-1}
memory_judged=""
[ "$memory" = 0 ] || memory_judged=yes
# spike is left out: its quiet window makes it the longest by far.
memory_workloads=${MEMORY_WORKLOADS:-server,fragment,realloc-growth,thread-churn,producer-consumer}
setting_lines=()
[ "${SETTINGS:-1}" = 0 ] ||
  mapfile -t setting_lines < <(build/gauntlet list --settings | awk -F'\t' '$1 == "mimalloc" {print $2}')
# The --alloc-env options of one line of `gauntlet list --settings`.
settings_args() {
  local one
  for one in $1; do printf -- '--alloc-env\n%s\n' "$one"; done
}
# Each judge in turn: lock-step, the threaded programs free-running, every
# program in rounds, then under each setting ("settings|LINE").
judges=(lockstep)
[ ${#threaded[@]} = 0 ] || judges+=(free)
[ "$rounds" = 0 ] || judges+=(rounds)
for line in "${setting_lines[@]}"; do judges+=("settings|$line"); done
# One judge against so:LIB: its status, judged_mode and judged_settings set.
judge_once() {
  local lib=$1 how=()
  judged_mode=${2%%|*} judged_settings=""
  [ "$judged_mode" = "$2" ] || judged_settings=${2#*|}
  case $judged_mode in
    lockstep) how=("${progs[@]}") ;;
    free) how=(--mode free --repeat "$free_repeat" "${threaded[@]}") ;;
    rounds) how=(--rounds "$rounds" "${progs[@]}") ;;
    settings) mapfile -t how < <(settings_args "$judged_settings") && how+=("${progs[@]}") ;;
  esac
  build/gauntlet run --quiet --timeout 10 --alloc "so:$lib" "${how[@]}" > "$work/run.txt" 2>&1
}
# Whether the original build passes the program that failed, judged as it failed.
original_passes_killer() {
  local killer repeat=1
  killer=$(sed -n 's/^  program: *//p' "$work/run.txt" | head -n 1)
  [ -n "$killer" ] || return 0
  local how=(--mode "$judged_mode")
  [ "$judged_mode" = free ] && repeat=$((4 * free_repeat))
  [ "$judged_mode" = rounds ] && how=(--rounds "$rounds") repeat=4
  [ "$judged_mode" = settings ] && mapfile -t how < <(settings_args "$judged_settings") && repeat=4
  build/gauntlet run --quiet --timeout 10 "${how[@]}" --repeat "$repeat" \
    --alloc "so:$work/original.so" "$killer" > /dev/null 2>&1
}
# Every judge against so:LIB until one kills: 0 when all pass; 1 a kill (a
# failure the original build does not share: judged_mode and judged_settings
# say which judge); 3 when the only failures were ones the original shares
# (a bug of the original met by chance: the next judges still run; shared
# says which); else the status of a judge that could not judge. With a
# second argument (the original itself), any failure ends it.
gauntlet_judge() {
  local judge status
  shared=""
  for judge in "${judges[@]}"; do
    judge_once "$1" "$judge"
    status=$?
    [ $status = 0 ] && continue
    [ $status != 1 ] || [ $# -gt 1 ] && return $status
    original_passes_killer && return 1
    shared+="${shared:+, }$judged_mode${judged_settings:+ $judged_settings}"
  done
  [ -n "$shared" ] && return 3
  return 0
}

# The upgrade from the original to so:LIB, twice if the first says NOT SAFE:
# 0 SAFE, 1 NOT SAFE both times (memory_why says why, from the first), else
# the status of the upgrade that did not judge. A second SAFE clears it.
memory_judge() {
  local status
  build/gauntlet upgrade --old "so:$work/original.so" --new "so:$1" --time 0 \
    --workload "$memory_workloads" --out "$work/upgrade" > "$work/memory.txt" 2>&1
  status=$?
  [ $status = 1 ] || return $status
  memory_why=$(awk '$NF == "REGRESSED" {print $2, $3, $(NF - 2); exit}
                    / FAIL / && !/^verdict/ && !failed {failed = $0}
                    END {if (failed) {sub(/^ +/, "", failed); print failed}}' "$work/memory.txt" |
               head -n 1)
  build/gauntlet upgrade --old "so:$work/original.so" --new "so:$1" --time 0 \
    --workload "$memory_workloads" --out "$work/upgrade" > /dev/null 2>&1
}

# Both judges against the original first: a judge that fails it judges nothing.
gauntlet_judge "$tree/out/libmimalloc.so" original ||
  { echo "bench-mutants: Gauntlet fails the original build ($judged_mode)" >&2; exit 2; }
if [ "$memory" != 0 ]; then
  cp "$work/original.so" "$work/original-copy.so"
  memory_judge "$work/original-copy.so" || {
    echo "bench-mutants: upgrading the original to a copy of itself is not SAFE:" >&2
    tail -n 5 "$work/memory.txt" >&2
    exit 2
  }
fi
own_suite() {
  (cd "$tree/out" && timeout 120 ./mimalloc-test-api > /dev/null 2>&1 &&
    timeout 120 ./mimalloc-test-api-fill > /dev/null 2>&1 &&
    timeout 120 ./mimalloc-test-stress 8 50 10 > /dev/null 2>&1)
}
own_suite || { echo "bench-mutants: mimalloc's own suite fails the original build" >&2; exit 2; }

python3 ci/mutate.py list "$tree" "${files[@]}" --sample "$mutants" --seed "$seed" > "$work/mutants.txt"
equivalent=0 unbuildable=0 unconfirmed=0 judged=0 by_gauntlet=0 by_suite=0 by_both=0 survived=0
by_memory=0
echo "| mutant | operator | Gauntlet | own suite |"
echo "|---|---|---|---|"
while IFS= read -r mutant; do
  IFS=$'\t' read -r file line operator _ <<< "$mutant"
  cp "$tree/$file" "$work/backup.c"
  python3 ci/mutate.py apply "$tree" "$mutant"
  verdict_g="" verdict_s=""
  if ! build; then
    unbuildable=$((unbuildable + 1)) verdict_g="does not build" verdict_s="-"
  else
    text_of "$work/mutant.text"
    if cmp -s "$work/original.text" "$work/mutant.text"; then
      equivalent=$((equivalent + 1)) verdict_g="equivalent (same code)" verdict_s="-"
    else
      judged=$((judged + 1))
      gauntlet_judge "$tree/out/libmimalloc.so"
      status=$?
      if [ "$memory" != 0 ] && { [ $status = 0 ] || [ $status = 3 ]; }; then
        memory_judge "$tree/out/libmimalloc.so"
        memory_status=$?
        case $memory_status in
          0) ;;
          1) status=4 ;;
          *) verdict_g="upgrade could not judge (exit $memory_status); " ;;
        esac
      fi
      if [ $status = 4 ]; then
        verdict_g="killed (upgrade NOT SAFE: $memory_why)"
        by_memory=$((by_memory + 1))
      elif [ $status = 3 ]; then
        verdict_g="survived (a failure the original shares: $shared)"
        unconfirmed=$((unconfirmed + 1))
      elif [ $status = 1 ]; then
        verdict_g="killed ($judged_mode${judged_settings:+ $judged_settings}): $(grep -m1 -o 'signature: [^ ]*\|FINDING `[a-z]*`' "$work/run.txt" | head -n 1)"
      elif [ $status = 0 ]; then verdict_g="${verdict_g}survived"
      else verdict_g="could not judge (exit $status)"
      fi
      if own_suite; then verdict_s="survived"; else verdict_s="killed"; fi
      g=0 o=0
      [ "${verdict_g#killed}" != "$verdict_g" ] && g=1
      [ "$verdict_s" = killed ] && o=1
      by_gauntlet=$((by_gauntlet + g)) by_suite=$((by_suite + o)) by_both=$((by_both + g * o))
      [ $g = 0 ] && [ $o = 0 ] && survived=$((survived + 1))
    fi
  fi
  cp "$work/backup.c" "$tree/$file"
  echo "| $file:$line | $operator | $verdict_g | $verdict_s |"
done < "$work/mutants.txt"
build > /dev/null 2>&1

pct() { [ "$2" -gt 0 ] && echo "$((100 * $1 / $2)) %" || echo "-"; }
echo
echo "| mimalloc $(basename "$src") | mutants |"
echo "|---|---|"
echo "| sampled | $mutants (seed $seed) |"
echo "| equivalent (same machine code) | $equivalent |"
echo "| do not build | $unbuildable |"
echo "| judged | $judged |"
echo "| killed by Gauntlet (gen ${gen_flags[*]:+${gen_flags[*]} }+ run, $programs programs, the threaded ones also free-running ×$free_repeat, then each in $rounds rounds, then under each of ${#setting_lines[@]} suggested settings${memory_judged:+, then the upgrade from the original}) | $by_gauntlet ($(pct "$by_gauntlet" "$judged")) |"
[ "$memory" = 0 ] ||
  echo "| of them by the upgrade from the original alone (\`upgrade --time 0\`: corpus, seeds, $memory_workloads) | $by_memory |"
echo "| failed by Gauntlet only on programs the original fails too (not counted as kills) | $unconfirmed |"
echo "| killed by mimalloc's test-api, test-api-fill and test-stress | $by_suite ($(pct "$by_suite" "$judged")) |"
echo "| killed by both | $by_both |"
echo "| survived both | $survived |"
