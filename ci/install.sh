#!/usr/bin/env bash
# ci/install.sh — `make install`: puts what a built tree holds where an
# installed gauntlet finds it (cli/locations.c):
#   PREFIX/bin/gauntlet
#   PREFIX/lib/gauntlet/fuzz/      the fuzz targets, their options, dictionary and seeds
#   PREFIX/lib/gauntlet/libgauntlet-record.so  the recording library (`gauntlet record`)
#   PREFIX/share/gauntlet/corpus/  the seed and regression programs
#   PREFIX/share/gauntlet/fuzzers/ the dictionary and libFuzzer options
#   PREFIX/share/gauntlet/alloc-builds/ build-alloc.sh (`gauntlet build-alloc`)
#   PREFIX/share/doc/gauntlet/     README.md, FORMAT.md, SEMANTICS.md, SCHEMA.md
# usage: ci/install.sh DESTDIR PREFIX   (DESTDIR may be empty; PREFIX absolute)
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 DESTDIR PREFIX" >&2; exit 2; }
destdir=$1 prefix=$2
case $prefix in /*) ;; *) echo "install: PREFIX must be absolute, not '$prefix'" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -x build/gauntlet ] || { echo "install: build/gauntlet is missing: run make first" >&2; exit 2; }
[ -d build/fuzz ] || { echo "install: build/fuzz is missing: run make fuzz-build first" >&2; exit 2; }
top=$destdir$prefix
install -d "$top/bin" "$top/lib/gauntlet/fuzz/seeds" "$top/share/gauntlet/fuzzers" \
  "$top/share/gauntlet/corpus/seeds" "$top/share/gauntlet/corpus/regressions" \
  "$top/share/gauntlet/alloc-builds" \
  "$top/share/doc/gauntlet"
install -m 755 build/gauntlet "$top/bin/gauntlet"
install -m 755 build/libgauntlet-record.so "$top/lib/gauntlet/"
for f in build/fuzz/*; do
  [ -f "$f" ] || continue
  if [ -x "$f" ]; then install -m 755 "$f" "$top/lib/gauntlet/fuzz/"; else install -m 644 "$f" "$top/lib/gauntlet/fuzz/"; fi
done
install -m 644 build/fuzz/seeds/* "$top/lib/gauntlet/fuzz/seeds/"
install -m 644 fuzzers/gauntlet.dict fuzzers/fuzz_program.options "$top/share/gauntlet/fuzzers/"
install -m 644 corpus/seeds/* "$top/share/gauntlet/corpus/seeds/"
install -m 755 alloc-builds/build-alloc.sh "$top/share/gauntlet/alloc-builds/"
install -m 644 corpus/regressions/* "$top/share/gauntlet/corpus/regressions/"
install -m 644 README.md harness/FORMAT.md harness/SEMANTICS.md stress/SCHEMA.md trace/TRACE.md "$top/share/doc/gauntlet/"
echo "installed gauntlet in $top (bin, lib/gauntlet/fuzz, share/gauntlet, share/doc/gauntlet)"
