#!/usr/bin/env bash
# ci/bench-fidelity.sh — make bench-fidelity: does replaying a recorded trace tell the memory
# the real program has under each allocator?
# For each real program (sqlite3 running ci/real/sqlite.sh's SQL; python3 serving
# ci/real/requests.py's requests; redis-server under redis-benchmark's load, memcached under
# memcaslap's, each when installed):
#   1. record it once on glibc (its own allocator): the trace replayed;
#   2. for each allocator, run the real program on it (`gauntlet record --alloc`, whose RSS
#      samples are the real process's) and replay the trace on it (`gauntlet stress
#      --workload trace:FILE`);
#   3. ci/fidelity-table.py sets the replay's RSS at each mark beside the real one (a real run
#      that another allocator served, one the program links itself, is shown and left out; one
#      where that linked allocator ran beside the preloaded one is shown and counted apart).
# The real runs are REAL_RUNS per allocator (default 3), the table taking the median at each mark:
# one real start-up can hold a few MiB more than the next (seen here: memcached on tcmalloc, 12.7
# MiB once and 10.7 the other times).
# usage: [REAL_RUNS=N] ci/bench-fidelity.sh [ALLOCS] [OUT] [PROGRAMS]
#   (defaults: all installed; a temporary directory; every program that is installed)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
g=$root/build/gauntlet
allocs=${1:-glibc,jemalloc,mimalloc,tcmalloc}
out=${2:-$(mktemp -d /tmp/gauntlet-fidelity-XXXXXX)}
mkdir -p "$out"
export PYTHONMALLOC=malloc
sh "$root/ci/real/sqlite.sh" 20000 > "$out/q.sql"
port=${FIDELITY_PORT:-16379}
real_runs=${REAL_RUNS:-3}

record() { # program, allocator, trace, then the command
  local program=$1 alloc=$2 trace=$3; shift 3
  case $program in
    sqlite3) "$g" record --alloc "$alloc" -o "$trace" --mark-every 40000 -- "$@" < "$out/q.sql" \
               >/dev/null 2>"$trace.log" ;;
    python3) "$g" record --alloc "$alloc" -o "$trace" -- "$@" >/dev/null 2>"$trace.log" ;;
    redis | memcached) record_server "$program" "$alloc" "$trace" ;;
  esac
}

# A server on its own port: a mark when it answers (start-up) and after each of 4 steps of its
# own load generator; then it is stopped so that the trace ends whole.
#   redis:     redis-server under redis-benchmark (SET, LPUSH, GET of 200-byte values)
#   memcached: memcached under memcaslap (its default mix: 1 set to 9 gets)
record_server() {
  local program=$1 alloc=$2 trace=$3 server ready load stop
  case $program in
    redis)
      server=(redis-server --port "$port" --save "" --appendonly no --daemonize no)
      ready() { redis-cli -p "$port" ping; }
      load() { redis-benchmark -p "$port" -q -n 20000 -r 200000 -d 200 -t set,lpush,get; }
      stop() { redis-cli -p "$port" shutdown nosave; } ;;
    memcached)
      server=(memcached -l 127.0.0.1 -p "$port" -U 0 -u "$(id -un)")
      ready() { memcstat --servers="127.0.0.1:$port"; }
      load() { memcaslap -s "127.0.0.1:$port" -x 50000 -c 4 -T 1; }
      stop() { kill -TERM "$(pgrep -P "$pid" -x memcached || echo "$pid")"; } ;;
  esac
  "$g" record --alloc "$alloc" -o "$trace" --mark-signal USR2 -- "${server[@]}" \
    >/dev/null 2>"$trace.log" &
  local pid=$!
  for _ in $(seq 100); do ready >/dev/null 2>&1 && break; sleep 0.1; done
  sleep 0.3; kill -USR2 "$pid"; sleep 0.3
  for step in 1 2 3 4; do
    load >/dev/null 2>&1
    sleep 0.3; kill -USR2 "$pid"; sleep 0.3
  done
  stop >/dev/null 2>&1 || true
  wait "$pid"
}

programs=(sqlite3 python3)
server_needs=("redis redis-server redis-benchmark redis-cli (apt-get install redis-server redis-tools)"
  "memcached memcached memcaslap memcstat (apt-get install memcached libmemcached-tools)")
for need in "${server_needs[@]}"; do
  read -r program commands <<< "$need"
  missing=""
  for c in ${commands%% (*}; do command -v "$c" >/dev/null || missing+=" $c"; done
  if [ -z "$missing" ]; then
    programs+=("$program")
  else
    echo "gauntlet bench-fidelity: SKIP $program:$missing not installed (${commands#* (}" >&2
  fi
done
if [ -n "${3:-}" ]; then
  wanted=()
  for program in "${programs[@]}"; do
    case ",$3," in *",$program,"*) wanted+=("$program") ;; esac
  done
  programs=("${wanted[@]}")
fi
for program in "${programs[@]}"; do
  case $program in
    sqlite3) cmd=(sqlite3 :memory:) ;;
    python3) cmd=(/usr/bin/python3 "$root/ci/real/requests.py" 20000 4) ;;
    redis | memcached) cmd=() ;;
  esac
  echo "gauntlet bench-fidelity: $program: recording on glibc" >&2
  record "$program" glibc "$out/$program.trace" "${cmd[@]}"
  for alloc in ${allocs//,/ }; do
    echo "gauntlet bench-fidelity: $program on $alloc: $real_runs real runs, then the replay" >&2
    for run in $(seq "$real_runs"); do
      record "$program" "$alloc" "$out/$program-real-$alloc-$run.trace" "${cmd[@]}"
      "$g" trace --info "$out/$program-real-$alloc-$run.trace" > "$out/$program-real-$alloc-$run.info"
    done
    "$g" stress-one --alloc "$alloc" --workload "trace:$out/$program.trace" \
      --json "$out/$program-replay-$alloc.json" >/dev/null 2>&1
  done
  "$g" trace --info "$out/$program.trace" > "$out/$program.info"
done
python3 "$root/ci/fidelity-table.py" "$out" "$allocs" "${programs[@]}"
