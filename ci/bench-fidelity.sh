#!/usr/bin/env bash
# ci/bench-fidelity.sh — make bench-fidelity: does replaying a recorded trace tell the memory
# the real program has under each allocator?
# For each real program (sqlite3 running ci/real/sqlite.sh's SQL; python3 serving
# ci/real/requests.py's requests; redis-server under redis-benchmark's load):
#   1. record it once on glibc (its own allocator): the trace replayed;
#   2. for each allocator, run the real program on it (`gauntlet record --alloc`, whose RSS
#      samples are the real process's) and replay the trace on it (`gauntlet stress
#      --workload trace:FILE`);
#   3. ci/fidelity-table.py sets the replay's RSS at each mark beside the real one (a real run
#      that another allocator served, one the program links itself, is shown and left out).
# usage: ci/bench-fidelity.sh [ALLOCS] [OUT]   (all installed; a temporary directory)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
g=$root/build/gauntlet
allocs=${1:-glibc,jemalloc,mimalloc,tcmalloc}
out=${2:-$(mktemp -d /tmp/gauntlet-fidelity-XXXXXX)}
mkdir -p "$out"
export PYTHONMALLOC=malloc
sh "$root/ci/real/sqlite.sh" 20000 > "$out/q.sql"
port=${FIDELITY_PORT:-16379}

record() { # program, allocator, trace, then the command
  local program=$1 alloc=$2 trace=$3; shift 3
  case $program in
    sqlite3) "$g" record --alloc "$alloc" -o "$trace" --mark-every 40000 -- "$@" < "$out/q.sql" \
               >/dev/null 2>"$trace.log" ;;
    python3) "$g" record --alloc "$alloc" -o "$trace" -- "$@" >/dev/null 2>"$trace.log" ;;
    redis)   record_server "$alloc" "$trace" ;;
  esac
}

# redis-server on its own port, a mark when it answers (start-up) and after each of 4 steps
# of redis-benchmark; then shut down so that the trace ends whole.
record_server() {
  local alloc=$1 trace=$2
  "$g" record --alloc "$alloc" -o "$trace" --mark-signal USR2 -- redis-server --port "$port" \
    --save "" --appendonly no --daemonize no >/dev/null 2>"$trace.log" &
  local pid=$!
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  sleep 0.3; kill -USR2 "$pid"; sleep 0.3
  for step in 1 2 3 4; do
    redis-benchmark -p "$port" -q -n 20000 -r 200000 -d 200 -t set,lpush,get >/dev/null
    sleep 0.3; kill -USR2 "$pid"; sleep 0.3
  done
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  wait "$pid"
}

programs=(sqlite3 python3)
if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
  programs+=(redis)
else
  echo "gauntlet bench-fidelity: SKIP redis: redis-server and redis-benchmark are not installed" \
    "(apt-get install redis-server redis-tools)" >&2
fi
for program in "${programs[@]}"; do
  case $program in
    sqlite3) cmd=(sqlite3 :memory:) ;;
    python3) cmd=(/usr/bin/python3 "$root/ci/real/requests.py" 20000 4) ;;
    redis)   cmd=() ;;
  esac
  echo "gauntlet bench-fidelity: $program: recording on glibc" >&2
  record "$program" glibc "$out/$program.trace" "${cmd[@]}"
  for alloc in ${allocs//,/ }; do
    echo "gauntlet bench-fidelity: $program on $alloc: the real run, then the replay" >&2
    record "$program" "$alloc" "$out/$program-real-$alloc.trace" "${cmd[@]}"
    "$g" trace --info "$out/$program-real-$alloc.trace" > "$out/$program-real-$alloc.info"
    "$g" stress-one --alloc "$alloc" --workload "trace:$out/$program.trace" \
      --json "$out/$program-replay-$alloc.json" >/dev/null 2>&1
  done
  "$g" trace --info "$out/$program.trace" > "$out/$program.info"
done
python3 "$root/ci/fidelity-table.py" "$out" "$allocs" "${programs[@]}"
