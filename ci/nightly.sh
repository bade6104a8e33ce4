#!/usr/bin/env bash
# ci/nightly.sh — the nightly fuzzing campaign: every allocator under every
# configuration, one `gauntlet fuzz` run each, within a time budget, filed by
# night. This file owns the options, the plan and the steps of each run;
# ci/nightly-merge.sh puts a run's finds into the persistent corpus and
# ci/nightly-report.sh writes the night's report and decides the exit status.
set -uo pipefail

usage() {
  cat <<'EOF'
usage: ci/nightly.sh [--budget MINUTES | --run-seconds S] [--dir DIR] [--night YYYY-MM-DD]
                     [--configs "ENGINE:SAN ..."] [--allocs "NAME ..."] [--build DIR]

Fuzzes every allocator under every configuration (one `gauntlet fuzz` run
each), merges what each run found into the allocator's persistent corpus, and
writes the night's report: DIR/report.md and DIR/report.json.

  --budget MINUTES  the night's fuzzing time, shared equally by its runs, at
                    least 10 s a run (default 60)
  --run-seconds S   each run's time instead (1..604800)
  --dir DIR         where everything is kept (default build/nightly)
  --night DATE      the night the runs belong to (default: today, UTC); give
                    it to finish a night after midnight
  --configs LIST    ENGINE:SAN pairs: ENGINE libfuzzer or afl, SAN none, asan
                    or tsan, AFL++ with none only (default
                    "libfuzzer:none libfuzzer:asan libfuzzer:tsan afl:none")
  --allocs LIST     allocators by name (default: every one `gauntlet list` finds)
  --build DIR       use DIR/gauntlet and DIR/fuzz/ as they are; by default both
                    are built first (make, fuzzers/build.sh) in build/

DIR/corpus/ALLOC/         the persistent corpus (CI caches it): each run starts
                          from a copy of it and is merged back into it, libFuzzer
                          corpus and AFL++ queues alike
DIR/runs/NIGHT/NAME/      one run (NAME is ALLOC-ENGINE-SAN): corpus/, findings/,
                          summary.txt (gauntlet's output), progress.log
DIR/runs/NIGHT/NAME.done  the run's exit status, when it finished, and a note

Started again on the same night, it fuzzes only the runs without a .done; the
report gives the finishing time of each run done by an earlier start. A new
night fuzzes every run again. The corpus of a run that was killed is merged
into the persistent corpus before anything replaces it. Progress goes to
stderr: a line as each run starts and as it ends.

Exit status, over every run of the night (also those of an earlier start):
1 if any run found something; otherwise 2 if any run could not fuzz or could
not be merged, or the options or the set-up are wrong; otherwise 0. A finding
comes first because it is what the night is for: a set-up error elsewhere
must not hide it (the report lists both).
EOF
}

die() {
  echo "nightly: $*" >&2
  exit 2
}
# Paths given relative to where the script was started, before it moves to
# the tree's root.
absolute() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
whole_number() { [[ $1 =~ ^[1-9][0-9]{0,5}$ ]]; }
clock() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
outcome() { case $1 in 0) echo "no finding" ;; 1) echo "FINDING" ;; *) echo "set-up error" ;; esac; }

budget=60 run_seconds="" dir="" night="" build="" allocs_given=""
configs="libfuzzer:none libfuzzer:asan libfuzzer:tsan afl:none"
while [ $# -gt 0 ]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --budget | --run-seconds | --dir | --night | --configs | --allocs | --build)
      [ $# -ge 2 ] || die "$1 needs a value (see --help)"
      case $1 in
        --budget) budget=$2 ;;
        --run-seconds) run_seconds=$2 ;;
        --dir) [ -n "$2" ] || die "--dir needs a directory"; dir=$(absolute "$2") ;;
        --night) night=$2 ;;
        --configs) configs=$2 ;;
        --allocs) allocs_given=$2; [ -n "$2" ] || die "--allocs needs at least one allocator" ;;
        --build) [ -n "$2" ] || die "--build needs a directory"; build=$(absolute "$2") ;;
      esac
      shift 2 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
whole_number "$budget" || die "--budget needs a whole number of minutes above 0, not '$budget'"
if [ -n "$run_seconds" ]; then
  whole_number "$run_seconds" && [ "$run_seconds" -le 604800 ] ||
    die "--run-seconds needs 1..604800, not '$run_seconds'"
fi
[ -n "$night" ] || night=$(date -u +%F)
[[ $night =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]] && [ "$(date -u -d "$night" +%F 2>/dev/null)" = "$night" ] ||
  die "--night needs a date YYYY-MM-DD, not '$night'"
read -r -a config_list <<< "$configs"
[ ${#config_list[@]} -gt 0 ] || die "--configs needs at least one ENGINE:SAN"
declare -A seen=()
for config in "${config_list[@]}"; do
  case $config in
    libfuzzer:none | libfuzzer:asan | libfuzzer:tsan | afl:none) ;;
    afl:asan | afl:tsan) die "configuration '$config': the AFL++ build is unsanitized, use afl:none" ;;
    *) die "configuration '$config' is not ENGINE:SAN (ENGINE libfuzzer|afl, SAN none|asan|tsan)" ;;
  esac
  [ -z "${seen[$config]:-}" ] || die "configuration '$config' is listed twice"
  seen[$config]=1
done

cd "$(dirname "$0")/.." || exit 2
[ -n "$dir" ] || dir=$PWD/build/nightly
if [ -z "$build" ]; then
  make -s all >&2 || die "make failed"
  bash fuzzers/build.sh >&2 || die "fuzzers/build.sh failed"
  build=$PWD/build
fi
gauntlet=$build/gauntlet
[ -x "$gauntlet" ] || die "no gauntlet in $build"
[ -x "$build/fuzz/libfuzzer-none" ] || die "no $build/fuzz/libfuzzer-none (the corpus merges run it)"

mapfile -t installed < <("$gauntlet" list | awk '/^[a-z]/ && $2 != "not" && $1 != "so:PATH" {print $1}')
[ ${#installed[@]} -gt 0 ] || die "no allocator available (gauntlet list)"
allocs=("${installed[@]}")
if [ -n "$allocs_given" ]; then
  read -r -a allocs <<< "$allocs_given"
  declare -A named=()
  for alloc in "${allocs[@]}"; do
    [[ " ${installed[*]} " == *" $alloc "* ]] ||
      die "allocator '$alloc' is not available here (gauntlet list: ${installed[*]})"
    [ -z "${named[$alloc]:-}" ] || die "allocator '$alloc' is listed twice"
    named[$alloc]=1
  done
fi

mkdir -p "$dir/corpus" "$dir/runs/$night" || die "cannot create $dir"
# One nightly per directory. The lock is inherited by the campaigns, so a
# campaign left running by a killed nightly keeps it too.
exec 9> "$dir/lock"
flock -n 9 || die "another ci/nightly.sh (or a campaign it left running) is working in $dir"

# Runs of any night killed before their corpus was merged: merged now, before
# a run of the same name replaces its corpus. A failed merge removes nothing.
for out in "$dir"/runs/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]/*/; do
  out=${out%/} name=${out##*/}
  [ -d "$out" ] && [ ! -e "$out/merged" ] || continue
  echo "nightly: merging the corpus of the unfinished run $out" >&2
  bash ci/nightly-merge.sh "$build" "$out" "$dir/corpus/${name%-*-*}" "${name%-*-*}"
done

total=$((${#allocs[@]} * ${#config_list[@]}))
seconds=${run_seconds:-$((budget * 60 / total))}
[ -n "$run_seconds" ] || [ "$seconds" -ge 10 ] || seconds=10
# This start's mark in the runs it records: the report tells them from runs
# of earlier starts, however close in time.
start_id="$(date -u +%FT%TZ) pid $$"
echo "nightly: night $night: ${#allocs[@]} allocators x ${#config_list[@]} configurations," \
  "$seconds s each, in $dir" >&2

# The run's stored status: what the report and every later start read.
record() {
  printf 'status=%s\nfinished=%s\nstart=%s\nnote=%s\n' "$2" "$(date -u +%FT%TZ)" "$start_id" "$3" \
    > "$1.done.tmp" &&
    mv "$1.done.tmp" "$1.done"
}

# Run number $index: fuzz ALLOC under ENGINE:SAN, merge, record.
fuzz_one() {
  local alloc=$1 engine=$2 san=$3
  local name=$alloc-$engine-$san out=$dir/runs/$night/$alloc-$engine-$san
  local left=$((total - index)) begun=$SECONDS status note=""
  if [ -f "$out.done" ]; then
    echo "nightly: [$index/$total] $name: done by an earlier start" \
      "($(sed -n 's/^finished=//p' "$out.done")), not fuzzed again; $left left" >&2
    return
  fi
  echo "nightly: [$index/$total] $name: started ($seconds s); $(clock $((SECONDS - t0)))" \
    "elapsed, $left left after it" >&2
  if [ -d "$out" ] && [ ! -e "$out/merged" ]; then
    status=2 note="the corpus of an earlier start could not be merged (see $out/merge.log); kept, not fuzzed again"
  elif ! { mkdir -p "$out" "$dir/corpus/$alloc" && rm -f "$out/merged" && rm -rf "$out/corpus.new" &&
    cp -r "$dir/corpus/$alloc" "$out/corpus.new" && rm -rf "$out/corpus" &&
    mv "$out/corpus.new" "$out/corpus"; }; then
    status=2 note="cannot copy $dir/corpus/$alloc to $out/corpus"
  else
    "$gauntlet" fuzz --alloc "$alloc" --engine "$engine" --san "$san" --time "$seconds" \
      --corpus "$out/corpus" --out "$out" > "$out/summary.txt" 2> "$out/progress.log"
    status=$?
    case $status in
      0 | 1) ;;
      2) note="gauntlet fuzz: set-up error: $(tail -n 1 "$out/progress.log" | cut -c 1-200)" ;;
      *) note="gauntlet fuzz ended with status $status (killed?)" status=2 ;;
    esac
    if ! bash ci/nightly-merge.sh "$build" "$out" "$dir/corpus/$alloc" "$alloc"; then
      note="${note:+$note; }corpus not merged (see $out/merge.log), kept in $out"
      [ "$status" -eq 1 ] || status=2
    fi
  fi
  if ! record "$out" "$status" "$note"; then
    echo "nightly: cannot write $out.done: its status ($status) counts only in this start's exit status" >&2
    [ "$lost" = 1 ] || lost=$((status == 1 ? 1 : 2))
  fi
  echo "nightly: [$index/$total] $name: finished, $(outcome "$status"), in" \
    "$(clock $((SECONDS - begun))); $(clock $((SECONDS - t0))) elapsed, $left left" >&2
}

t0=$SECONDS index=0 lost=""
for alloc in "${allocs[@]}"; do
  for config in "${config_list[@]}"; do
    index=$((index + 1))
    fuzz_one "$alloc" "${config%%:*}" "${config##*:}"
  done
done
bash ci/nightly-report.sh "$dir" "$night" "$start_id"
status=$?
# A run whose status could not be stored still counts, by the same rule.
[ "$status" -eq 1 ] || [ -z "$lost" ] || status=$lost
exit "$status"
