#!/usr/bin/env bash
# ci/nightly-report.sh — the report of one night of ci/nightly.sh, read from
# the runs' stored statuses (DIR/runs/NIGHT/NAME.done) and gauntlet's output
# (NAME/summary.txt): DIR/report.md and DIR/report.json, each written whole
# and then renamed, the Markdown also on stdout. It owns the night's exit
# status, so that every start of a night answers the same.
#
#   ci/nightly-report.sh DIR NIGHT START
#
# START is the mark ci/nightly.sh gave the runs it fuzzed this time (the
# start= line of their .done): a row of any other run was done by an earlier
# start of the night, and says so beside its finishing time.
# Exit status, over every run of the night: 1 if any stored status is 1 (a
# finding); otherwise 2 if any is not 0 (a set-up error), or none is stored;
# otherwise 0.
set -uo pipefail
[ $# -eq 3 ] || { echo "usage: ci/nightly-report.sh DIR NIGHT START" >&2; exit 2; }
dir=$1 night=$2 start=$3
nightdir=$dir/runs/$night

json_string() {
  local s
  s=$(printf '%s' "$1" | tr -d '\000-\037')
  s=${s//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}
json_text() { if [ -n "$1" ]; then json_string "$1"; else printf null; fi; }
json_number() { if [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; then printf '%s' "$1"; else printf null; fi; }
cell() { local s=${1:--}; printf '%s' "${s//|/\\|}"; }

finding=0 error=0 runs=0 ok=0 found_runs=0 failed_runs=0
table="" json_runs="" findings_md="" errors_md=""
for done in "$nightdir"/*.done; do
  [ -f "$done" ] || continue
  runs=$((runs + 1))
  out=${done%.done} name=$(basename "${done%.done}")
  san=${name##*-} rest=${name%-*}
  engine=${rest##*-} alloc=${rest%-*}
  status=$(sed -n 's/^status=//p' "$done" | head -n 1)
  finished=$(sed -n 's/^finished=//p' "$done" | head -n 1)
  note=$(sed -n 's/^note=//p' "$done" | head -n 1)
  run_start=$(sed -n 's/^start=//p' "$done" | head -n 1)
  case $status in
    0) word=ok ok=$((ok + 1)) ;;
    1) word=finding finding=1 found_runs=$((found_runs + 1)) ;;
    2) word=error error=1 failed_runs=$((failed_runs + 1)) ;;
    *) word=error error=1 failed_runs=$((failed_runs + 1)) status=2
       note="unreadable status in $done${note:+; $note}" ;;
  esac
  summary=$(grep '^summary:' "$out/summary.txt" 2>/dev/null | tail -n 1)
  executions=$(sed -n 's/.*): \([0-9][0-9]*\) executions,.*/\1/p' <<< "$summary")
  rate=$(sed -n 's/.*, \([0-9][0-9.]*\) exec\/s,.*/\1/p' <<< "$summary")
  coverage=$(sed -n 's/.*, coverage \([^,]*\),.*/\1/p' <<< "$summary")
  mapfile -t found < <(sed -n 's/^finding: //p' "$out/summary.txt" 2>/dev/null)
  # An error row counts no findings: the run did not get to look.
  findings=${#found[@]} found_json=""
  [ "$word" != error ] || findings=""
  for f in "${found[@]}"; do found_json+="${found_json:+, }$(json_string "$f")"; done
  reused=false when=${finished:-unknown}
  if [ "$run_start" != "$start" ]; then
    reused=true when="$when (done by an earlier start)"
  fi

  table+="| $alloc | $engine | $san | $word | $(cell "$executions") | $(cell "$rate") |"
  table+=" $(cell "$coverage") | $(cell "$findings") | $(cell "$when") | $(cell "$note") |"$'\n'
  json_runs+="${json_runs:+,$'\n'}  {\"allocator\": $(json_string "$alloc"), \"engine\": $(json_string "$engine"),"
  json_runs+=" \"sanitizer\": $(json_string "$san"), \"status\": \"$word\", \"exit_status\": $status,"
  json_runs+=" \"executions\": $(json_number "$executions"), \"exec_per_sec\": $(json_number "$rate"),"
  json_runs+=" \"coverage\": $(json_text "$coverage"), \"findings\": $(json_number "$findings"),"
  json_runs+=" \"found\": [$found_json], \"finished\": $(json_text "$finished"), \"reused\": $reused,"
  json_runs+=" \"note\": $(json_text "$note")}"
  for f in "${found[@]}"; do findings_md+="- $name: $f"$'\n'; done
  while IFS= read -r report; do
    findings_md+="  - report: $report"$'\n'
  done < <(find "$out/findings" -name '*.report' 2>/dev/null | sort)
  if [ "$word" = error ]; then
    errors_md+="- $name: ${note:-gauntlet fuzz could not run}; the end of $out/progress.log:"$'\n'
    while IFS= read -r line; do errors_md+="      $line"$'\n'; done < <(tail -n 5 "$out/progress.log" 2>/dev/null)
  fi
done
if [ "$runs" -eq 0 ]; then
  error=1 errors_md+="- no run of night $night has a stored status in $nightdir"$'\n'
fi
exit_status=0
[ "$error" -eq 0 ] || exit_status=2
[ "$finding" -eq 0 ] || exit_status=1
written=$(date -u +%FT%TZ)

md=$dir/report.md.tmp json=$dir/report.json.tmp
{
  echo "# Gauntlet nightly fuzzing — night $night"
  echo
  echo "Written $written: $runs runs, $ok without finding, $found_runs with findings," \
    "$failed_runs set-up errors; exit status $exit_status."
  echo
  echo "| allocator | engine | sanitizer | status | executions | exec/s | coverage | findings | finished (UTC) | note |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  printf '%s' "$table"
  echo
  echo "## Findings"
  echo
  printf '%s' "${findings_md:-none
}"
  echo
  echo "## Set-up errors"
  echo
  printf '%s' "${errors_md:-none
}"
} > "$md" &&
  printf '{"night": "%s", "written": "%s", "exit_status": %s, "runs": [\n%s\n]}\n' \
    "$night" "$written" "$exit_status" "$json_runs" > "$json" &&
  mv "$md" "$dir/report.md" && mv "$json" "$dir/report.json" && cat "$dir/report.md" ||
  { echo "nightly: cannot write the report in $dir" >&2; [ "$exit_status" -ne 0 ] || exit_status=2; }
exit "$exit_status"
