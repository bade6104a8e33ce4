#!/usr/bin/env bash
# ci/redis-memory.sh — the seed's question for a real server (make redis-memory): how much
# memory does redis-server hold at start-up and after N requests, per allocator?
#   1. the real process (gauntlet stress --cmd), under each allocator, 5 steps of
#      redis-benchmark (60,000 requests each: SET, LPUSH, GET of 200-byte values), medians of 3;
#   2. redis recorded once (gauntlet record, a mark at ready and after each step) and the
#      trace replayed under each allocator (--workload trace:redis.trace), medians of 3: this
#      one also answers for glibc, which the real process cannot (Debian's redis-server links
#      jemalloc, and keeps it when nothing else is preloaded).
# Tables on stdout, pictures and JSON in OUT (build/redis-memory).
# usage: ci/redis-memory.sh [OUT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
g=$root/build/gauntlet
out=${1:-$root/build/redis-memory}
port=${REDIS_PORT:-16391}
for p in redis-server redis-benchmark redis-cli; do
  command -v "$p" >/dev/null || { echo "redis-memory: $p is missing (apt-get install redis-server redis-tools)" >&2; exit 2; }
done
mkdir -p "$out"
load="redis-benchmark -p $port -q -n 20000 -r 200000 -d 200 -t set,lpush,get"
server="redis-server --port $port --save '' --appendonly no"

echo "== the real process, under each allocator"
"$g" stress --alloc all --cmd "exec $server" --ready "$port" --load "$load" --steps 5 --repeat 3 \
  --json "$out/real.json" --plot "$out/real"

echo
echo "== recorded once, replayed under each allocator"
"$g" record -o "$out/redis.trace" --mark-signal USR2 -- sh -c "exec $server" >/dev/null 2>"$out/record.log" &
pid=$!
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
kill -USR2 "$pid"; sleep 0.3
for step in 1 2 3 4 5; do $load >/dev/null; sleep 0.3; kill -USR2 "$pid"; sleep 0.3; done
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
wait "$pid"
cd "$out"
"$g" stress --alloc all --workload trace:redis.trace --repeat 3 --json "$out/replay.json" \
  --plot "$out/replay"
