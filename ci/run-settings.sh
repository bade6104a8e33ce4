#!/usr/bin/env bash
# ci/run-settings.sh — part of `make run`: PROGRAM against each named
# allocator under each setting `gauntlet list --settings` suggests for it
# (`gauntlet run --alloc-env`: paths the defaults never take).
# Exit status: that of the first run that did not pass, else 0.
#   ci/run-settings.sh GAUNTLET PROGRAM [RUN OPTION...]
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: ci/run-settings.sh GAUNTLET PROGRAM [RUN OPTION...]" >&2; exit 2; }
gauntlet=$1 program=$2
shift 2
listed=$("$gauntlet" list --settings) || exit 2
status=0
while IFS=$'\t' read -r alloc settings; do
  how=()
  for one in $settings; do how+=(--alloc-env "$one"); done
  echo "gauntlet run --alloc $alloc ${how[*]} $*"
  "$gauntlet" run --alloc "$alloc" "${how[@]}" "$@" "$program"
  run_status=$?
  [ $status != 0 ] || status=$run_status
done <<< "$listed"
exit $status
