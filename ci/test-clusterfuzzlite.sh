#!/usr/bin/env bash
# ci/test-clusterfuzzlite.sh — runs .clusterfuzzlite/build.sh the way
# OSS-Fuzz's base-builder would (no Docker engine here): the environment
# variables set by hand, a copy of the tree as $SRC/gauntlet, an empty $OUT.
# Then checks what OSS-Fuzz expects in $OUT and runs each fuzzer briefly on
# its own seed corpus. Exit 0 when all of that holds.
#
#   ci/test-clusterfuzzlite.sh [address|undefined]...
#
# Each sanitizer (default address) is one of those ci/github/cflite_*.yml
# fuzz with, its flags those of OSS-Fuzz's base-builder image; `make check`
# runs both, in one call.
set -euo pipefail
sanitizers=("${@:-address}")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SRC=$work/src WORK=$work/work
mkdir -p "$SRC" "$WORK"
git -C "$root" ls-files -z | (cd "$root" && xargs -0 tar cf -) | (mkdir -p "$SRC/gauntlet" && cd "$SRC/gauntlet" && tar xf -)
export CC=clang CXX=clang++ LIB_FUZZING_ENGINE=-fsanitize=fuzzer FUZZING_ENGINE=libfuzzer

status=0
for sanitizer in "${sanitizers[@]}"; do
  case $sanitizer in
    address) flags="-fsanitize=address -fsanitize-address-use-after-scope" ;;
    undefined)
      checks=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null
      checks=$checks,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow
      checks=$checks,unreachable,vla-bound,vptr
      flags="-fsanitize=$checks,unsigned-integer-overflow -fno-sanitize-recover=$checks" ;;
    *) echo "usage: ci/test-clusterfuzzlite.sh [address|undefined]..." >&2; exit 2 ;;
  esac
  # One $OUT per sanitizer, as OSS-Fuzz builds each apart; the one $SRC keeps
  # build.sh's host build of the gauntlet command from the first.
  export OUT=$work/out-$sanitizer SANITIZER=$sanitizer
  mkdir -p "$OUT"
  export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only $flags -fsanitize=fuzzer-no-link"
  export CXXFLAGS="$CFLAGS"
  bash "$SRC/gauntlet/.clusterfuzzlite/build.sh"

  for fuzzer in "$OUT"/fuzz_program_*; do
    case "$fuzzer" in *.dict | *.options | *.zip) continue ;; esac
    name=$(basename "$fuzzer")
    for f in "$OUT/$name.dict" "$OUT/$name.options" "$OUT/${name}_seed_corpus.zip"; do
      [ -s "$f" ] || { echo "test-clusterfuzzlite: missing $f" >&2; status=1; }
    done
    seeds=$work/seeds-$sanitizer-$name
    mkdir -p "$seeds" && unzip -q -o "$OUT/${name}_seed_corpus.zip" -d "$seeds"
    # As ClusterFuzz runs it: from $OUT, with the .options' flags; UBSan as
    # OSS-Fuzz's runner sets it (wrapping unsigned arithmetic is the harness's
    # hashing and size arithmetic, not a defect), any other report a failure.
    if (cd "$OUT" && ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:silence_unsigned_overflow=1 \
          "./$name" -seed=1 -runs=300 -dict="$name.dict" "$seeds" > "$work/$name.log" 2>&1) &&
      ! grep -q 'runtime error:' "$work/$name.log"; then
      echo "test-clusterfuzzlite: $sanitizer: $name ran $(grep -c . "$work/$name.log") log lines, no finding"
    else
      echo "test-clusterfuzzlite: $sanitizer: $name FAILED" >&2
      tail -20 "$work/$name.log" >&2
      status=1
    fi
  done
  ls "$OUT"/fuzz_program_* > /dev/null 2>&1 || { echo "test-clusterfuzzlite: $sanitizer: no fuzzer built" >&2; status=1; }
done
exit $status
