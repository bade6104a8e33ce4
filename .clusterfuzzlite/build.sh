#!/bin/bash -eu
# .clusterfuzzlite/build.sh — builds Gauntlet's fuzz target the OSS-Fuzz way:
# compiled with $CC $CFLAGS, linked with $CXX $CXXFLAGS $LIB_FUZZING_ENGINE
# into $OUT, one binary per allocator found here (fuzz_program_<allocator>,
# the allocator chosen at build time), each with its seed corpus
# ($OUT/<fuzzer>_seed_corpus.zip), dictionary and .options. The allocator
# libraries go to $OUT/lib (found through the binaries' $ORIGIN/lib runpath),
# because the runner image has nothing else.
# Tested here without Docker by ci/test-clusterfuzzlite.sh.
cd "${SRC}/gauntlet"

# A host build of the gauntlet command writes the seed corpora.
mkdir -p build && touch build/.deps-ok
env -u CFLAGS -u CXXFLAGS -u LDFLAGS make -s -j"$(nproc)" CC=cc build/gauntlet >/dev/null

work=$(mktemp -d)
# The library (harness/), as fuzzers/build.sh compiles it: reproducer.c
# needs texts the Makefile embeds, and no fuzz run writes reproducers. One
# compiler per processor: each file is compiled alone.
# shellcheck disable=SC2016 # expanded by the inner shell
ls harness/*.c | grep -v '/reproducer\.c$' | xargs -P "$(nproc)" -n 1 sh -c \
  '$CC $CFLAGS -std=c17 -D_GNU_SOURCE -pthread -Iharness -Iharness/include -c "$1" -o "$0/$(basename "$1" .c).o"' "$work"

# libFuzzer's structure-aware mutator hooks (fuzzers/fuzz_mutator.c), and
# the young-process runs every target makes (fuzzers/young_process.c).
for f in fuzzers/fuzz_mutator.c fuzzers/mutator_env.c fuzzers/young_process.c; do
  $CC $CFLAGS -std=c17 -D_GNU_SOURCE -pthread -Iharness/include -Ifuzzers -c "$f" \
    -o "$work/$(basename "$f" .c).o"
done
objects=("$work"/*.o)

mkdir -p "$OUT/lib"

# The named allocators and their libraries, from gauntlet's registry.
build/gauntlet list --registry | while read -r alloc lib; do
  if [ "$alloc" != glibc ]; then
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
    [ -n "$path" ] || { echo "build.sh: $lib not installed, fuzz_program_$alloc skipped" >&2; continue; }
    cp -L "$path" "$OUT/lib/$lib"
  fi
  fuzzer=fuzz_program_$alloc
  $CC $CFLAGS -std=c17 -D_GNU_SOURCE -pthread -Iharness/include -Ifuzzers \
    -DGAUNTLET_DEFAULT_ALLOC="\"$alloc\"" -c fuzzers/fuzz_program.c -o "$work/$fuzzer.o"
  $CXX $CXXFLAGS "$work/$fuzzer.o" "${objects[@]}" $LIB_FUZZING_ENGINE \
    -Wl,-rpath,'$ORIGIN/lib' -Wl,--dynamic-list=harness/map_faults.dynlist -ldl -pthread \
    -o "$OUT/$fuzzer"
  cp fuzzers/gauntlet.dict "$OUT/$fuzzer.dict"
  sed 's/^dict = .*/dict = '"$fuzzer"'.dict/' fuzzers/fuzz_program.options > "$OUT/$fuzzer.options"
  # The seed corpus `gauntlet fuzz` would start from on this allocator: the
  # regressions that fail on its version here are left out.
  build/gauntlet seeds --alloc "$alloc" -o "$work/seeds-$alloc"
  (cd "$work/seeds-$alloc" && zip -q -j "$OUT/${fuzzer}_seed_corpus.zip" ./*)
done
rm -rf "$work"
