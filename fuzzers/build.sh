#!/usr/bin/env bash
# fuzzers/build.sh — builds every engine/configuration of the one fuzz target
# (fuzzers/fuzz_program.c, plus the whole harness) into one output directory.
#
# usage: fuzzers/build.sh [-o OUTDIR] [CONFIG...]        (OUTDIR default build/fuzz)
#
#   CONFIG          binary OUTDIR/CONFIG                      built with
#   libfuzzer-none  libFuzzer, no sanitizer, -O2 (fastest;     clang -fsanitize=fuzzer
#                   the one so:PATH libraries run in)
#   libfuzzer-asan  libFuzzer + ASan + UBSan (aborting)       clang -fsanitize=fuzzer,address,undefined
#   libfuzzer-tsan  libFuzzer + TSan (run it with             clang -fsanitize=fuzzer,thread
#                   GAUNTLET_MODE=free on threaded programs)
#   afl             AFL++ persistent mode, shared-memory      afl-clang-lto (else afl-clang-fast)
#                   test cases (fuzzers/afl_main.c)
#   afl-driver      AFL++ through the libFuzzer-compatible    the same + /usr/lib/afl/libAFLDriver.a
#                   driver
#   afl-mutator     AFL++'s custom mutator library:           cc -shared
#                   afl-mutator.so (fuzzers/afl_mutator.c)
#   replay          plain main(): replays crash files from    cc
#                   any engine through the same entry point
# No CONFIG: all of them (an AFL++ configuration is skipped, with a note, when
# AFL++ is not installed). Also written to OUTDIR: gauntlet.dict, one
# CONFIG.options per libFuzzer binary, and seeds/ (corpus/seeds/*.txt in the
# binary form, when build/gauntlet exists: run `make` first).
#
# Running (environment: GAUNTLET_ALLOC=glibc|jemalloc|mimalloc|tcmalloc|so:PATH,
# GAUNTLET_MODE=lockstep|free, GAUNTLET_CAP=SIZE; see fuzz_program.c):
#   GAUNTLET_ALLOC=mimalloc build/fuzz/libfuzzer-none -dict=build/fuzz/gauntlet.dict \
#       -max_len=3072 -timeout=30 CORPUS_DIR build/fuzz/seeds
#   ASAN_OPTIONS=detect_leaks=0 GAUNTLET_ALLOC=jemalloc build/fuzz/libfuzzer-asan ...
#   GAUNTLET_MODE=free GAUNTLET_ALLOC=glibc build/fuzz/libfuzzer-tsan ...
#   AFL_SKIP_CPUFREQ=1 GAUNTLET_ALLOC=glibc afl-fuzz -i build/fuzz/seeds -o OUT \
#       -x build/fuzz/gauntlet.dict -- build/fuzz/afl
#   GAUNTLET_ALLOC=glibc build/fuzz/replay crash-...       (exit 1: still a violation)
# A violation prints the report and abort()s, so the engine saves the input;
# `build/gauntlet run --alloc NAME CRASH_FILE` replays it too (exit 1).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/fuzz
if [ "${1:-}" = "-o" ]; then
    [ $# -ge 2 ] || { echo "build.sh: -o needs a directory" >&2; exit 2; }
    out=$2
    shift 2
fi
case "${1:-}" in -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac

all_configs=(libfuzzer-none libfuzzer-asan libfuzzer-tsan afl afl-driver afl-mutator replay)
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=("${all_configs[@]}")

clang=${CLANG:-$(command -v clang-14 || command -v clang || true)}
cc=${CC:-cc}
afl_cc=$(command -v afl-clang-lto || command -v afl-clang-fast || true)
afl_driver=${AFL_DRIVER:-/usr/lib/afl/libAFLDriver.a}

# The library (harness/), compiled anew for each configuration's
# instrumentation, except reproducer.c: it needs the texts the Makefile
# embeds, and no fuzz run writes reproducers.
harness=()
for f in "$root"/harness/*.c; do
    case "$(basename "$f")" in reproducer.c) ;; *) harness+=("$f") ;; esac
done
# EXTRA_CFLAGS: more compiler flags, split on blanks (e.g. "-DNDEBUG -O3").
read -r -a extra <<<"${EXTRA_CFLAGS:-}"
common=(-std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -pthread -g
    -I"$root/harness" -I"$root/harness/include" -I"$root/fuzzers" "${extra[@]}")
# The mapping calls fail_maps refuses, exported (harness/map_faults.c.in).
libs=(-ldl -pthread -Wl,--dynamic-list="$root/harness/map_faults.dynlist")
target=("$root/fuzzers/fuzz_program.c" "$root/fuzzers/young_process.c")
mutator=("$root/fuzzers/fuzz_mutator.c" "$root/fuzzers/mutator_env.c")

mkdir -p "$out"
logs=$out/.logs
mkdir -p "$logs"

# Each configuration: its compiler, flags and main; written to a temporary
# name and renamed, so a failed build never leaves a stale-but-new binary.
build_one() {
    local name=$1 compiler=$2
    shift 2
    "$compiler" "${common[@]}" "$@" "${harness[@]}" -o "$out/$name.tmp.$$" "${libs[@]}" &&
        mv "$out/$name.tmp.$$" "$out/$name"
}

need_clang() {
    [ -n "$clang" ] || { echo "build.sh: $1 needs clang (set CLANG=...)" >&2; return 1; }
}

build_config() {
    case "$1" in
    libfuzzer-none)
        need_clang "$1" && build_one "$1" "$clang" -O2 -fsanitize=fuzzer "${target[@]}" "${mutator[@]}" ;;
    libfuzzer-asan)
        # UBSan findings must stop the run like ASan's, so the engine keeps them.
        need_clang "$1" && build_one "$1" "$clang" -O1 -fno-omit-frame-pointer \
            -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all "${target[@]}" "${mutator[@]}" ;;
    libfuzzer-tsan)
        need_clang "$1" && build_one "$1" "$clang" -O1 -fsanitize=fuzzer,thread "${target[@]}" "${mutator[@]}" ;;
    afl)
        [ -n "$afl_cc" ] || { echo "build.sh: note: AFL++ not installed, $1 skipped" >&2; return 0; }
        AFL_QUIET=1 build_one "$1" "$afl_cc" -O2 "${target[@]}" "$root/fuzzers/afl_main.c" ;;
    afl-driver)
        if [ -z "$afl_cc" ] || [ ! -f "$afl_driver" ]; then
            echo "build.sh: note: AFL++ or its driver missing, $1 skipped" >&2
            return 0
        fi
        AFL_QUIET=1 build_one "$1" "$afl_cc" -O2 "${target[@]}" "$afl_driver" ;;
    afl-mutator)
        build_one "$1.so" "$cc" -O2 -fPIC -shared -Wl,--no-undefined "$root/fuzzers/afl_mutator.c" \
            "$root/fuzzers/mutator_env.c" ;;
    replay)
        build_one "$1" "$cc" -O2 "${target[@]}" "$root/fuzzers/replay_main.c" ;;
    *)
        echo "build.sh: unknown configuration '$1' (known: ${all_configs[*]})" >&2
        return 2 ;;
    esac
}

for c in "${configs[@]}"; do
    case " ${all_configs[*]} " in *" $c "*) ;; *)
        echo "build.sh: unknown configuration '$c' (known: ${all_configs[*]})" >&2
        exit 2 ;;
    esac
done

# Configurations build in parallel; each one's compiler output goes to its log.
pids=()
for c in "${configs[@]}"; do
    build_config "$c" >"$logs/$c.log" 2>&1 &
    pids+=($!)
done
status=0
for i in "${!configs[@]}"; do
    if wait "${pids[$i]}"; then
        grep -h '^build.sh: note' "$logs/${configs[$i]}.log" >&2 || true
        for built in "$out/${configs[$i]}" "$out/${configs[$i]}.so"; do
            if [ -x "$built" ]; then echo "built $built"; fi
        done
    else
        echo "build.sh: FAILED to build ${configs[$i]}:" >&2
        cat "$logs/${configs[$i]}.log" >&2
        status=1
    fi
done

cp "$root/fuzzers/gauntlet.dict" "$out/gauntlet.dict"
for c in "${configs[@]}"; do
    case "$c" in libfuzzer-*) cp "$root/fuzzers/fuzz_program.options" "$out/$c.options" ;; esac
done

# Seeds: the hand-written text programs in the binary form the target reads.
if [ -x "$root/build/gauntlet" ] && [ -d "$root/corpus/seeds" ]; then
    mkdir -p "$out/seeds"
    for t in "$root"/corpus/seeds/*.txt; do
        [ -e "$t" ] || continue
        "$root/build/gauntlet" encode "$t" -o "$out/seeds/$(basename "$t" .txt).bin" ||
            { echo "build.sh: cannot encode $t" >&2; status=1; }
    done
fi
exit $status
