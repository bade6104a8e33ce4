#!/usr/bin/env bash
# ci/test-clusterfuzzlite.sh — runs .clusterfuzzlite/build.sh the way
# OSS-Fuzz's base-builder would (no Docker engine here): the environment
# variables set by hand, a copy of the tree as $SRC/gauntlet, an empty $OUT.
# Then checks what OSS-Fuzz expects in $OUT and runs each fuzzer briefly on
# its own seed corpus. Exit 0 when all of that holds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export SRC=$work/src OUT=$work/out WORK=$work/work
mkdir -p "$SRC" "$OUT" "$WORK"
git -C "$root" ls-files -z | (cd "$root" && xargs -0 tar cf -) | (mkdir -p "$SRC/gauntlet" && cd "$SRC/gauntlet" && tar xf -)
export CC=clang CXX=clang++
export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
export CXXFLAGS="$CFLAGS" LIB_FUZZING_ENGINE=-fsanitize=fuzzer SANITIZER=address FUZZING_ENGINE=libfuzzer
bash "$SRC/gauntlet/.clusterfuzzlite/build.sh"

status=0
for fuzzer in "$OUT"/fuzz_program_*; do
  case "$fuzzer" in *.dict | *.options | *.zip) continue ;; esac
  name=$(basename "$fuzzer")
  for f in "$OUT/$name.dict" "$OUT/$name.options" "$OUT/${name}_seed_corpus.zip"; do
    [ -s "$f" ] || { echo "test-clusterfuzzlite: missing $f" >&2; status=1; }
  done
  seeds=$work/seeds-$name
  mkdir -p "$seeds" && unzip -q -o "$OUT/${name}_seed_corpus.zip" -d "$seeds"
  # As ClusterFuzz runs it: from $OUT, with the .options' flags, no extra environment.
  if (cd "$OUT" && ASAN_OPTIONS=detect_leaks=0 "./$name" -seed=1 -runs=300 -dict="$name.dict" "$seeds" \
        > "$work/$name.log" 2>&1); then
    echo "test-clusterfuzzlite: $name ran $(grep -c . "$work/$name.log") log lines, no finding"
  else
    echo "test-clusterfuzzlite: $name FAILED" >&2
    tail -20 "$work/$name.log" >&2
    status=1
  fi
done
ls "$OUT"/fuzz_program_* > /dev/null 2>&1 || { echo "test-clusterfuzzlite: no fuzzer built" >&2; status=1; }
exit $status
