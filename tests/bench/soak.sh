#!/usr/bin/env bash
# soak.sh - hold many idle sessions and a steady stream of questions for a long
# time, and check that the server's memory stays flat and nothing fails.
#
# Starts one server (vigie by default, or the bare echo server with
# SERVER=echo) on a kernel-chosen loopback port, then one load generator with
# $SOAK_IDLE idle connections (they only answer the server's pings) plus
# $SOAK_ACTIVE active ones sending $SOAK_RATE questions per second in total,
# for $SOAK_SECONDS. Every 10 s it samples the server's VmRSS and open file
# descriptors (/proc/PID) next to the load generator's interval line (msgs/s,
# p99, open connections, errors so far). At the end it compares the memory of
# the first and the last third of the samples taken after the first minute
# (or the first third of the run if shorter) and prints FLAT or GROWING, and
# the error count; exit status 0 only when memory is flat and there was no error.
#
# Environment (defaults): SOAK_SECONDS=600 SOAK_IDLE=5000 SOAK_ACTIVE=50
#   SOAK_RATE=100 SAMPLE=10 SERVER=vigie BUILD=<repo>/build-bench
#   QUESTIONS=<this dir>/questions.txt VIGIE_EXTRA="" PIN=1 NICE=0
# vigie runs with --max-sessions-per-address 0 (every session comes from
# 127.0.0.1) and otherwise its defaults (rate limit included: 100 msg/s over
# 50 sessions is 2 per session per second).
# Usage: SOAK_SECONDS=60 tests/bench/soak.sh
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_IDLE=${SOAK_IDLE:-5000}
SOAK_ACTIVE=${SOAK_ACTIVE:-50}
SOAK_RATE=${SOAK_RATE:-100}
SAMPLE=${SAMPLE:-10}
SERVER=${SERVER:-vigie}
QUESTIONS=${QUESTIONS:-$HERE/questions.txt}
VIGIE_EXTRA=${VIGIE_EXTRA:-}
PIN=${PIN:-1}
NICE=${NICE:-0}

OUT=$(mktemp -d /tmp/vigie-soak.XXXXXX)
SPID=""
LPID=""

log() { printf '%s\n' "$*" >&2; }

stop() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -INT "$pid" 2>/dev/null
    for _ in $(seq 1 25); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}
cleanup() {
    stop "$LPID"
    stop "$SPID"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$OUT/cmake.log" 2>&1 ||
        { cat "$OUT/cmake.log" >&2; exit 1; }
fi
targets="--target loadgen --target echo"
[ "$SERVER" = vigie ] && targets="$targets --target vigie"
# shellcheck disable=SC2086
cmake --build "$BUILD" -j"$(nproc)" $targets >"$OUT/build.log" 2>&1 ||
    { tail -30 "$OUT/build.log" >&2; exit 1; }

if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    PIN_SERVER="taskset -c 0"
    PIN_LOAD="taskset -c 1"
else
    PIN_SERVER=""
    PIN_LOAD=""
fi
if [ "$NICE" != 0 ]; then
    # on a shared machine, a higher priority keeps other jobs from skewing the figures
    PIN_SERVER="nice -n $NICE $PIN_SERVER"
    PIN_LOAD="nice -n $NICE $PIN_LOAD"
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null

if [ "$SERVER" = vigie ]; then
    # shellcheck disable=SC2206
    cmd=("$BUILD/vigie" --port 0 --max-sessions-per-address 0 $VIGIE_EXTRA)
else
    cmd=("$BUILD/bench/echo" --port 0)
fi
$PIN_SERVER "${cmd[@]}" >"$OUT/server.out" 2>"$OUT/server.err" &
SPID=$!
port=""
for _ in $(seq 1 150); do
    port=$(sed -n 's/.*listening on https\?:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$OUT/server.err" | head -1)
    [ -n "$port" ] && break
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$port" ]; then
    log "server did not start:"
    tail -5 "$OUT/server.err" >&2
    exit 1
fi
log "== soak: $SERVER (pid $SPID, port $port, ${cmd[*]})"
log "   $SOAK_IDLE idle + $SOAK_ACTIVE active sessions, $SOAK_RATE questions/s, $SOAK_SECONDS s," \
    "sample every $SAMPLE s; files in $OUT"

rss() { awk '/^VmRSS/{print $2}' "/proc/$SPID/status" 2>/dev/null; }
fds() { find "/proc/$SPID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

rss0=$(rss)
fds0=$(fds)
$PIN_LOAD "$BUILD/bench/loadgen" --port "$port" --questions "$QUESTIONS" \
    --connections "$SOAK_ACTIVE" --inflight 1 --idle "$SOAK_IDLE" --rate "$SOAK_RATE" \
    --warmup 0 --duration "$SOAK_SECONDS" --report-every "$SAMPLE" --server-pid "$SPID" \
    >"$OUT/loadgen.out" 2>"$OUT/loadgen.err" &
LPID=$!
for _ in $(seq 1 600); do
    grep -q 'measuring' "$OUT/loadgen.err" && break
    kill -0 "$LPID" 2>/dev/null || break
    sleep 0.1
done
log "   before: VmRSS $rss0 KiB, $fds0 fds; with the sessions open: VmRSS $(rss) KiB, $(fds) fds"

SAMPLES=$OUT/samples.txt
: >"$SAMPLES"
t=0
printf '%6s %10s %7s  %s\n' "t(s)" "VmRSS KiB" "fds" "load generator (last interval)" >&2
while kill -0 "$LPID" 2>/dev/null; do
    sleep "$SAMPLE"
    t=$((t + SAMPLE))
    kill -0 "$LPID" 2>/dev/null || break # the run is over: connections are closing
    kill -0 "$SPID" 2>/dev/null || { log "server died"; break; }
    r=$(rss)
    f=$(fds)
    grep -q '^RESULT' "$OUT/loadgen.out" && break # finished while we slept
    printf '%s %s %s\n' "$t" "$r" "$f" >>"$SAMPLES"
    printf '%6s %10s %7s  %s\n' "$t" "$r" "$f" "$(tail -1 "$OUT/loadgen.out" | sed 's/^INTERVAL //')" >&2
done
wait "$LPID"
lrc=$?
LPID=""
result=$(grep '^RESULT' "$OUT/loadgen.out" | tail -1)
tail -1 "$OUT/loadgen.err" >&2
log "   $result"

server_alive=1
kill -0 "$SPID" 2>/dev/null || server_alive=0
verdict=$(awk -v skip=60 -v dur="$SOAK_SECONDS" '
    { t[NR] = $1; r[NR] = $2 }
    END {
        if (skip > dur / 3) skip = dur / 3
        n = 0
        for (i = 1; i <= NR; i++) if (t[i] >= skip) v[++n] = r[i]
        if (n < 3) { print "UNKNOWN (too few samples)"; exit }
        k = int(n / 3); if (k < 1) k = 1
        a = 0; b = 0
        for (i = 1; i <= k; i++) { if (v[i] > a) a = v[i]; if (v[n - k + i] > b) b = v[n - k + i] }
        tol = a * 0.02 + 512
        printf "%s: max VmRSS %d KiB in the first third, %d KiB in the last third (%+d KiB, tolerance %d)\n",
            (b <= a + tol ? "FLAT" : "GROWING"), a, b, b - a, tol
    }' "$SAMPLES")
errors=$(printf '%s\n' "$result" | sed -n 's/.*errors=\([0-9]*\).*/\1/p')
log "== memory: $verdict"
log "== errors: ${errors:-unknown} (load generator exit $lrc), server $([ $server_alive = 1 ] && echo alive || echo DEAD)"
case $verdict in FLAT*) ;; *) exit 1 ;; esac
[ "${errors:-1}" = 0 ] && [ "$lrc" = 0 ] && [ $server_alive = 1 ]
