#!/usr/bin/env bash
# ci/nightly-merge.sh — puts what one nightly run found into its allocator's
# persistent corpus: the run's libFuzzer corpus and the queue of every AFL++
# instance, through libFuzzer's merge (an input goes in when it adds coverage).
# On success it leaves OUT/merged, the mark that lets ci/nightly.sh replace
# OUT/corpus; on failure it removes nothing.
#
#   ci/nightly-merge.sh BUILD OUT PERSISTENT ALLOC
#
# BUILD holds fuzz/libfuzzer-none, OUT is the run's directory, PERSISTENT the
# corpus directory it goes into. Exit 0 merged (or nothing to merge); 2 the
# merge failed (OUT/merge.log says why).
set -uo pipefail
[ $# -eq 4 ] || { echo "usage: ci/nightly-merge.sh BUILD OUT PERSISTENT ALLOC" >&2; exit 2; }
build=$1 out=$2 persistent=$3 alloc=$4

sources=()
[ -d "$out/corpus" ] && sources+=("$out/corpus")
# AFL++ keeps its own state beside the inputs (queue/.state/), which are not
# programs: only the inputs (id:*) are copied, each named after its instance
# too, since every instance numbers its queue from id:000000.
queue=$out/afl-queue.merge
rm -rf "$queue"
for dir in "$out"/afl/*/queue; do
  [ -d "$dir" ] || continue
  instance=$(basename "$(dirname "$dir")")
  mkdir -p "$queue" || exit 2
  find "$dir" -maxdepth 1 -type f -name 'id:*' -print0 |
    while IFS= read -r -d '' input; do cp "$input" "$queue/$instance-${input##*/}" || exit 2; done ||
    { echo "nightly: cannot copy the AFL++ queue $dir" >&2; exit 2; }
done
[ -d "$queue" ] && sources+=("$queue")

if [ ${#sources[@]} -gt 0 ]; then
  mkdir -p "$persistent" || exit 2
  # Crash files of the merge stay in the run's directory, not in the tree.
  if ! GAUNTLET_ALLOC=$alloc "$build/fuzz/libfuzzer-none" -merge=1 -timeout=30 \
    -artifact_prefix="$out/merge-" "$persistent" "${sources[@]}" > "$out/merge.log" 2>&1; then
    echo "nightly: merging $out into $persistent failed (see $out/merge.log); its corpus is kept" >&2
    exit 2
  fi
fi
rm -rf "$queue"
: > "$out/merged" || exit 2
