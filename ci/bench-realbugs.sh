#!/usr/bin/env bash
# ci/bench-realbugs.sh — `make bench-realbugs`: a benchmark, not a test (it prints, it does not
# judge). Real, publicly fixed allocator bugs put back into today's Debian sources, one patch per
# bug (ci/realbugs/FAMILY-NAME.patch, whose header names the package, the upstream issue and fix,
# the kind of bug and what goes wrong), each with a direct C program (FAMILY-NAME.c: exit 0 when
# the allocator behaves, 1 when the bug shows). For each bug:
#   build    the fixed library (the Debian source as it is) and the buggy one (patched), each
#            also with the allocator's branches instrumented (`build-alloc --with coverage`);
#   proof    the direct program must fail on the buggy build and pass on the fixed one, or the
#            bug is left out ("not proved") and nothing else is run for it;
#   seeds    the seed corpus alone (corpus/seeds and corpus/regressions, what a campaign starts
#            from by default), each program run once against the buggy build;
#   gen+run  generated programs (`gen --alloc`, a fixed sequence of seeds: 1, 2 and 4 threads,
#            32 and 256 slots, short and long, one in four with `--fail-maps`) run against the
#            buggy build until one fails there and passes on the fixed build, or SECONDS pass;
#   fuzz     `gauntlet fuzz` for SECONDS on the buggy build, uninstrumented and instrumented
#            (the campaign steered by the allocator's own branches), each starting from one
#            plain program rather than the seed corpus, so that what it finds its search found;
#            the bug is found by the first finding that passes on the fixed build (an
#            instrumented build is clang's: when the direct program does not tell the two
#            instrumented builds apart, that campaign is not run);
#   fixed    every generated program, and a campaign of SECONDS, on the fixed build: what fails
#            there is listed by signature (a bug the Debian version has, or a false alarm: read
#            the reports in OUT/BUG/), a bug a regression names for that version apart;
#   finding  the bug's first finding (fuzz's, else gen+run's): replayed by `run`, shrunk by
#            `minimize`, its C reproducer written, compiled and run on both builds (it must
#            fail on the buggy one and pass on the fixed one).
# A finding that fails on the fixed build too is not counted as finding the bug: it met a bug
# both builds have, which would otherwise pass for this one.
# Seconds to find count from the start of the search, the fuzz target's start-up included.
#   ci/bench-realbugs.sh [--quick] [SECONDS] [BUG...]   (default 120, every bug in ci/realbugs/)
# --quick: no instrumented builds and no campaigns (the fuzz columns say "-"): the proof,
# gen+run, the fixed build's run of the same programs and the finding followed (make check's
# short form).
# Progress goes to stderr; the table to stdout and to OUT/table.md, OUT being $REALBUGS_OUT
# (default build/realbugs), where each bug's builds, programs, reports and campaigns stay.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
quick=0
[ "${1:-}" = --quick ] && { quick=1; shift; }
seconds=${1:-120}
shift || true
case $seconds in '' | *[!0-9]*) echo "bench-realbugs: SECONDS must be a number" >&2; exit 2 ;; esac
g=$root/build/gauntlet
make -s all > /dev/null || exit 2
# The campaigns' target, built now so that no campaign's time includes its build.
[ $quick = 1 ] || bash fuzzers/build.sh libfuzzer-none > /dev/null || exit 2
out=${REALBUGS_OUT:-$root/build/realbugs}
mkdir -p "$out"

bugs=("$@")
if [ ${#bugs[@]} = 0 ]; then
  for p in ci/realbugs/*.patch; do bugs+=("$(basename "$p" .patch)"); done
fi
say() { echo "bench-realbugs: $*" >&2; }
field() { sed -n "s/^# $2: *//p" "ci/realbugs/$1.patch" | head -n 1; } # BUG FIELD
last_line() { tail -n 1 "$1" | sed -n 's/^so://p'; }

# A library from build-alloc (ARGS: NAME@SUITE, or --src TREE), plain or WITH options; its
# log is OUT/BUG/build-LABEL.log. build-alloc also unpacks a Debian source it fetches.
build_lib() { # BUG LABEL WITH ARGS... -> so path on stdout
  local log=$out/$1/build-$2$3.log with=$3
  shift 3
  "$g" build-alloc "$@" ${with:+--with "$with"} > "$log" 2>&1 || { tail -n 5 "$log" >&2; return 1; }
  last_line "$log"
}

# The patched tree is kept (OUT/BUG/tree) while the patch is unchanged, so that
# build-alloc's cache, keyed by the tree's files, finds the same build again.
patched_tree() { # BUG PACKAGE@SUITE -> tree path on stdout
  local bug=$1 name=${2%@*} suite=${2#*@} dir=$out/$1 src
  case $name in gperftools | tcmalloc) name=google-perftools ;; esac
  src=$(ls -dt build/allocs/src/"$suite"/"$name"-*/ 2> /dev/null | head -n 1)
  [ -n "$src" ] || { say "$bug: no unpacked source of $2"; return 1; }
  local sum
  sum=$(md5sum < "ci/realbugs/$bug.patch" | cut -c1-12)-$(basename "$src")
  if [ "$(cat "$dir/tree.stamp" 2> /dev/null)" != "$sum" ]; then
    rm -rf "$dir/tree" "$dir/tree.stamp"
    cp -a "$src" "$dir/tree"
    (cd "$dir/tree" && patch -s -p1 < "$root/ci/realbugs/$bug.patch") > "$dir/patch.log" 2>&1 ||
      { say "$bug: the patch does not apply to $(basename "$src"): $(head -n 3 "$dir/patch.log")"; return 1; }
    echo "$sum" > "$dir/tree.stamp"
  fi
  echo "$dir/tree"
}

# Whether the direct program passes on LIB (a failure, a crash or a hang is the bug).
proof_passes() { # BUG LIB
  timeout 20 env LD_PRELOAD="$2" "$out/$1/proof" >> "$out/$1/proof.out" 2>&1
}
secs() { case $1 in [0-9]*) echo "$1 s" ;; *) echo "$1" ;; esac; }

# Program number K of the fixed sequence, aimed at LIB's size classes; one in four makes the
# OS refuse the allocator memory now and then (its out-of-memory paths).
gen_program() { # K LIB FILE
  local k=$1 threads=(1 2 4) slots=(32 256) ops=(300 3000) faults=()
  [ $((k % 4)) = 3 ] && faults=(--fail-maps)
  "$g" gen --seed "$k" --threads "${threads[$((k % 3))]}" --slots "${slots[$((k % 2))]}" \
    --ops "${ops[$((k / 2 % 2))]}" "${faults[@]}" --alloc "so:$2" -o "$3" 2> /dev/null
}

# Whether PROGRAM fails on LIB (exit 1); its report goes to REPORT.
fails_on() { # LIB PROGRAM REPORT [CAP]
  timeout 300 "$g" run --quiet --timeout 10 ${4:+--cap "$4"} --alloc "so:$1" "$2" \
    > /dev/null 2> "$3"
  [ $? = 1 ]
}

# gen+run on the buggy build until a program fails there and passes on the fixed build (one
# that fails on both met a bug the fixed build has too: not this one), or the time is up.
# Sets gen_found (seconds, or -), gen_programs and gen_finding (the program, or empty).
gen_search() { # BUG BUGGY FIXED
  local dir=$out/$1/gen start k=0
  rm -rf "$dir" && mkdir -p "$dir"
  start=$(date +%s)
  gen_found=- gen_finding=""
  while [ $(($(date +%s) - start)) -lt "$seconds" ]; do
    k=$((k + 1))
    gen_program "$k" "$2" "$dir/p$k.bin" || continue
    if fails_on "$2" "$dir/p$k.bin" "$dir/p$k.report" &&
      ! fails_on "$3" "$dir/p$k.bin" "$dir/p$k.fixed-report"; then
      gen_found=$(($(date +%s) - start)) gen_finding=$dir/p$k.bin
      break
    fi
  done
  gen_programs=$k
}

# The signatures of the regressions (corpus/regressions) that fail on LIB and name its version
# on an `# affects:` line: real bugs of that version, which campaigns pass over too.
known_on() { # LIB
  local r v report=$out/known.report
  for r in corpus/regressions/*.txt; do
    fails_on "$1" "$r" "$report" || continue
    while IFS= read -r v; do
      grep "allocator:" "$report" | grep -qF "$v" && { sed -n 's/^ *signature: *//p' "$report"; break; }
    done < <(sed -n 's/^# affects: *//p' "$r")
  done
}

# Every program gen_search made, on the fixed build: the signatures of those that fail there.
gen_on_fixed() { # BUG FIXED
  local f
  for f in "$out/$1"/gen/p*.bin; do
    fails_on "$2" "$f" "$f.fixed-report" && sed -n 's/^ *signature: *//p' "$f.fixed-report"
  done
}

# The seed corpus alone (corpus/seeds, corpus/regressions: what a campaign starts from by
# default) against the buggy build: the first seed that fails there and passes on the fixed
# build, or nothing.
seeds_alone() { # BUG BUGGY FIXED
  local seed
  for seed in corpus/seeds/*.txt corpus/regressions/*.txt; do
    fails_on "$2" "$seed" "$out/$1/seed.report" && ! fails_on "$3" "$seed" "$out/$1/seed.report" &&
      basename "$seed" .txt && return
  done
}

# A campaign of SECONDS on LIB (it goes on past each finding); then its findings in the order
# they were saved, the first that passes on the fixed build being this bug's. Sets fuzz_found
# (seconds from the start, - or "error (STATUS)") and fuzz_finding (its program, or empty).
# The campaign starts from one plain program, not from the seed corpus (seeds_alone judges
# that): what it finds, its search found.
fuzz_search() { # BUG LIB FIXED LABEL
  local dir=$out/$1/fuzz-$4 start status f
  fuzz_found="error (no start program)" fuzz_finding=""
  rm -rf "$dir" && mkdir -p "$dir/corpus"
  printf 't0 malloc s0 16\nt0 free s0\n' > "$dir/start.txt"
  "$g" encode "$dir/start.txt" -o "$dir/corpus/start.bin" || return 0
  start=$(date +%s)
  timeout $((seconds + 300)) "$g" fuzz --alloc "so:$2" --time "$seconds" --seed 1 \
    --corpus "$dir/corpus" --out "$dir" > "$dir.log" 2>&1
  status=$?
  fuzz_found=-
  [ $status = 0 ] || [ $status = 1 ] || fuzz_found="error ($status)"
  # The text form: the engine's own file has no header to say it is a binary program.
  for f in $(ls -tr "$dir"/findings/*.txt 2> /dev/null); do
    if [ -z "$3" ] || ! fails_on "$3" "$f" "$f.fixed-report" 32MiB; then
      fuzz_found=$(($(stat -c %Y "$f") - start)) fuzz_finding=$f
      break
    fi
  done
}

# Replay, minimize and the reproducer of FINDING; echoes "replay | minimized | reproducer".
follow_finding() { # BUG FINDING BUGGY FIXED CAP
  local dir=$out/$1/finding cap=(${5:+--cap "$5"})
  rm -rf "$dir" && mkdir -p "$dir"
  local replay=fails minimized reproducer
  "$g" run --quiet --timeout 10 "${cap[@]}" --alloc "so:$3" "$2" > /dev/null 2>&1
  [ $? = 1 ] || replay="passed (not reproduced)"
  if "$g" minimize "${cap[@]}" --alloc "so:$3" "$2" -o "$dir/min.txt" > "$dir/minimize.log" 2>&1; then
    minimized="$(grep -c '^t[0-9]' "$dir/min.txt") ops"
  else
    minimized="failed (see $dir/minimize.log)"
    cp "$2" "$dir/min.txt"
  fi
  if ! "$g" reproducer "${cap[@]}" --alloc "so:$3" "$dir/min.txt" -o "$dir/repro.c" > /dev/null 2>&1 ||
    ! cc -std=c17 -O1 -pthread -rdynamic "$dir/repro.c" -o "$dir/repro" 2> "$dir/repro.cc.log"; then
    reproducer="not built"
  else
    local on_buggy=passes on_fixed=fails
    timeout 60 env LD_PRELOAD="$3" "$dir/repro" > /dev/null 2>&1 || on_buggy=fails
    timeout 60 env LD_PRELOAD="$4" "$dir/repro" > /dev/null 2>&1 && on_fixed=passes
    reproducer="buggy: $on_buggy, fixed: $on_fixed"
  fi
  echo "$replay | $minimized | $reproducer"
}

rows=() proved=0 cov_proved_total=0 by_seeds=0 by_gen=0 by_fuzz=0 by_cov=0 with_fixed_findings=0
for bug in "${bugs[@]}"; do
  [ -f "ci/realbugs/$bug.patch" ] && [ -f "ci/realbugs/$bug.c" ] ||
    { say "$bug: ci/realbugs/$bug.patch and .c are needed"; exit 2; }
  package=$(field "$bug" package) kind=$(field "$bug" kind) upstream=$(field "$bug" upstream)
  upstream=${upstream%% *}
  mkdir -p "$out/$bug"
  say "$bug ($package): building fixed and buggy$([ $quick = 1 ] || echo ", plain and with coverage")"
  fixed=$(build_lib "$bug" fixed "" "$package") && tree=$(patched_tree "$bug" "$package") &&
    buggy=$(build_lib "$bug" buggy "" --src "$tree") &&
    { [ $quick = 1 ] || { fixed_cov=$(build_lib "$bug" fixed coverage "$package") &&
      buggy_cov=$(build_lib "$bug" buggy coverage --src "$tree"); }; } || {
    rows+=("| $bug | $kind | $upstream | does not build | | | | | | | | |")
    continue
  }
  # With the coverage calls' no-op answers (cli/coverage_stubs.c), exported, so that the
  # instrumented builds load in it too.
  cc -std=c17 -D_GNU_SOURCE -O1 -pthread -rdynamic "ci/realbugs/$bug.c" cli/coverage_stubs.c \
    -o "$out/$bug/proof" -ldl || { say "$bug: the direct program does not compile"; exit 2; }
  rm -f "$out/$bug/proof.out"
  if proof_passes "$bug" "$fixed" && ! proof_passes "$bug" "$buggy"; then
    proved=$((proved + 1))
    # The instrumented builds come from another compiler (clang): a bug that rests on undefined
    # behaviour may not show there. The program must tell those two builds apart too, or that
    # campaign is not run.
    cov_proved=1
    [ $quick = 1 ] || { proof_passes "$bug" "$fixed_cov" && ! proof_passes "$bug" "$buggy_cov"; } ||
      cov_proved=0
  else
    rows+=("| $bug | $kind | $upstream | not proved | | | | | | | | |")
    say "$bug: the direct program does not tell the builds apart; left out"
    continue
  fi
  say "$bug: the seed corpus alone"
  by_seed=$(seeds_alone "$bug" "$buggy" "$fixed")
  say "$bug: gen+run for up to ${seconds}s"
  gen_search "$bug" "$buggy" "$fixed"
  fuzz_plain=- fuzz_cov=- finding="" cap=32MiB
  rm -rf "$out/$bug"/fuzz-*
  if [ $quick = 0 ]; then
    say "$bug: fuzz for ${seconds}s, uninstrumented build"
    fuzz_search "$bug" "$buggy" "$fixed" plain
    fuzz_plain=$fuzz_found finding=$fuzz_finding
    fuzz_cov="not shown by the instrumented build"
    if [ $cov_proved = 1 ]; then
      say "$bug: fuzz for ${seconds}s, allocator instrumented"
      fuzz_search "$bug" "$buggy_cov" "$fixed" coverage
      fuzz_cov=$fuzz_found
      [ -n "$finding" ] || finding=$fuzz_finding
    fi
    say "$bug: the fixed build: gen+run's programs, and fuzz for ${seconds}s"
    fuzz_search "$bug" "$fixed_cov" "" fixed
  fi
  [ -n "$finding" ] || { finding=$gen_finding; cap=""; }
  on_fixed=$( { gen_on_fixed "$bug" "$fixed"; for f in $(ls "$out/$bug"/fuzz-fixed/findings/*.report 2> /dev/null); do
    sed -n 's/^ *signature: *//p' "$f" | head -n 1; done; } | sort -u)
  # A known bug of the version (a regression names it) is listed apart: not a false alarm.
  known=$(known_on "$fixed" | sort -u)
  known_met=$(comm -12 <(echo "$on_fixed") <(echo "$known") | paste -sd' ')
  new_on_fixed=$(comm -23 <(echo "$on_fixed") <(echo "$known") | paste -sd' ')
  on_fixed=${new_on_fixed:-none}
  [ -n "$known_met" ] && on_fixed="$on_fixed (known bugs of this version: $known_met)"
  follow="- | - | -"
  [ -n "$finding" ] && follow=$(follow_finding "$bug" "$finding" "$buggy" "$fixed" "$cap")
  [ -n "$by_seed" ] && by_seeds=$((by_seeds + 1))
  [ "$gen_found" != - ] && by_gen=$((by_gen + 1))
  case $fuzz_plain in [0-9]*) by_fuzz=$((by_fuzz + 1)) ;; esac
  case $fuzz_cov in [0-9]*) by_cov=$((by_cov + 1)) ;; esac
  [ $quick = 0 ] && cov_proved_total=$((cov_proved_total + cov_proved))
  [ -n "$new_on_fixed" ] && with_fixed_findings=$((with_fixed_findings + 1))
  rows+=("| $bug | $kind | $upstream | proved | ${by_seed:--} | $(secs "$gen_found") ($gen_programs programs) | $(secs "$fuzz_plain") | $(secs "$fuzz_cov") | $on_fixed | $follow |")
  say "$bug: ${rows[-1]}"
done

{
  echo "| bug | kind | upstream | proof | seed corpus alone | gen+run | fuzz | fuzz, allocator instrumented | findings on the fixed build | replay | minimized | reproducer |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  campaigns="fuzz $by_fuzz, fuzz with the allocator instrumented $by_cov (of the $cov_proved_total its instrumented build shows)"
  [ $quick = 1 ] && campaigns="no campaigns (--quick)"
  echo "Within ${seconds} s each, of $proved proved bugs: the seed corpus alone finds $by_seeds, gen+run $by_gen, $campaigns; fixed builds with findings of their own: $with_fixed_findings."
} > "$out/table.md.tmp" && mv "$out/table.md.tmp" "$out/table.md"
cat "$out/table.md"
