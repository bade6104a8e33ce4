#!/usr/bin/env bash
# ci/nightly.sh — the nightly fuzzing campaign. Builds every configuration,
# fuzzes every installed allocator under each configuration within the
# budget, merges what each run found into the persistent corpus, confirms and
# triages findings, and writes a report (Markdown and JSON) per allocator x
# configuration: executions, exec/s, coverage, findings.
#
#   ci/nightly.sh [--budget MINUTES] [--dir DIR] [--configs "libfuzzer:none libfuzzer:asan ..."]
#
# DIR (default build/nightly) keeps corpus/<allocator>/ between runs: a killed
# campaign resumes from it, and CI caches it. Runs already finished tonight
# (DIR/runs/*.done) are skipped when the script is started again.
# Exit status: 0 no finding; 1 a finding (see DIR/report.md); 2 set-up error.
set -uo pipefail
cd "$(dirname "$0")/.."

budget=60
dir=build/nightly
configs="libfuzzer:none libfuzzer:asan libfuzzer:tsan afl:none"
while [ $# -gt 0 ]; do
  case "$1" in
    --budget) budget="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --configs) configs="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "nightly: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$budget" in ''|*[!0-9]*) echo "nightly: --budget needs minutes" >&2; exit 2 ;; esac

make -s all || exit 2
bash fuzzers/build.sh || exit 2

mapfile -t allocs < <(build/gauntlet list | awk '/^[a-z]/ && $2 != "not" && $1 != "so:PATH" {print $1}')
[ ${#allocs[@]} -gt 0 ] || { echo "nightly: no allocator available" >&2; exit 2; }
read -r -a config_list <<< "$configs"
runs=$(( ${#allocs[@]} * ${#config_list[@]} ))
seconds=$(( budget * 60 / runs ))
[ "$seconds" -ge 10 ] || seconds=10
mkdir -p "$dir/runs" "$dir/corpus"
echo "nightly: ${#allocs[@]} allocators x ${#config_list[@]} configurations, ${seconds} s each" >&2

finding=0
for alloc in "${allocs[@]}"; do
  for config in "${config_list[@]}"; do
    engine=${config%%:*} san=${config##*:} name="$alloc-$engine-$san"
    out="$dir/runs/$name"
    if [ -f "$out.done" ]; then echo "nightly: $name already done" >&2; continue; fi
    mkdir -p "$out" "$dir/corpus/$alloc"
    # Each run starts from the allocator's persistent corpus.
    rm -rf "$out/corpus" && cp -r "$dir/corpus/$alloc" "$out/corpus"
    build/gauntlet fuzz --alloc "$alloc" --engine "$engine" --san "$san" --time "$seconds" \
      --corpus "$out/corpus" --out "$out" > "$out/summary.txt" 2> "$out/progress.log"
    status=$?
    [ $status -eq 1 ] && finding=1
    # New coverage goes back into the persistent corpus (libFuzzer's merge).
    if [ -d "$out/corpus" ] && [ -x build/fuzz/libfuzzer-none ]; then
      GAUNTLET_ALLOC="$alloc" build/fuzz/libfuzzer-none -merge=1 -artifact_prefix="$out/" "$dir/corpus/$alloc" "$out/corpus" \
        > "$out/merge.log" 2>&1 || true
    fi
    echo "$status" > "$out.done.tmp" && mv "$out.done.tmp" "$out.done"
  done
done

# The report: one row per allocator x configuration, from each run's summary line.
md="$dir/report.md.tmp" json="$dir/report.json.tmp"
{
  echo "# Gauntlet nightly fuzzing — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "| allocator | engine | sanitizer | executions | exec/s | coverage | findings |"
  echo "|---|---|---|---|---|---|---|"
} > "$md"
echo '{"date": "'"$(date -u +%Y-%m-%dT%H:%M:%SZ)"'", "runs": [' > "$json"
first=1
for summary in "$dir"/runs/*/summary.txt; do
  [ -f "$summary" ] || continue
  name=$(basename "$(dirname "$summary")")
  line=$(grep '^summary:' "$summary" | tail -1)
  execs=$(echo "$line" | sed -n 's/.*: \([0-9?]*\) executions.*/\1/p')
  rate=$(echo "$line" | sed -n 's/.*, \([0-9.?]*\) exec\/s.*/\1/p')
  cov=$(echo "$line" | sed -n 's/.*coverage \([^,]*\),.*/\1/p')
  found=$(echo "$line" | sed -n 's/.*findings \([0-9]*\) confirmed.*/\1/p')
  IFS=- read -r alloc engine san <<< "$name"
  echo "| $alloc | $engine | $san | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${found:-?} |" >> "$md"
  [ $first -eq 1 ] || echo ',' >> "$json"
  first=0
  printf '{"allocator": "%s", "engine": "%s", "sanitizer": "%s", "executions": "%s", "exec_per_sec": "%s", "coverage": "%s", "findings": %s}' \
    "$alloc" "$engine" "$san" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${found:-0}" >> "$json"
done
echo ']}' >> "$json"
{
  echo
  echo "## Findings"
  ls "$dir"/runs/*/findings/*.report 2>/dev/null | sed 's/^/- /' || true
} >> "$md"
mv "$md" "$dir/report.md" && mv "$json" "$dir/report.json"
cat "$dir/report.md"
exit $finding
