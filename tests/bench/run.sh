#!/usr/bin/env bash
# run.sh - vigie against the bare libwebsockets echo server, in the same run.
#
# Builds (cmake --build, a no-op when up to date) echo, loadgen and vigie in
# $BUILD, starts the echo server once per event loop (poll, uv, ev) and one
# vigie process, all on loopback with kernel-chosen ports, then for every
# scenario runs the load generator against each server in turn:
#   100x1   100 connections, 1 message in flight each
#   1000x8  1000 connections, 8 in flight each
#   idle    100 x 1 while $IDLE idle connections are also open
#   (optional) msg100 / msg2k: 100 x 1 with every text padded to 100 B / 2 KiB
# and the memory per idle session: VmRSS (/proc/PID/status) before and while
# `loadgen --idle-only $IDLE` holds the connections. Where the machine has two
# or more cores the servers run on core 0 and the load generator on core 1
# (taskset). Prints msgs/s, p50/p99 and the vigie/echo ratios; every process it
# started is stopped at the end. Every run is bounded (warm-up + duration).
#
# Environment (defaults):
#   BUILD=<repo>/build-bench  DURATION=10  WARMUP=2  IDLE=10000
#   SCENARIOS="100x1 1000x8 idle"  (add msg100 msg2k for the size comparison)
#   ECHO_LOOPS="poll uv ev"        echo servers to start
#   ECHO_REF=poll                  the echo the ratios are computed against
#   VIGIE_LOOPS=""                 e.g. "poll uv ev" to run one vigie per loop
#                                  (--event-loop); empty = vigie's default loop
#   SERVERS="echo vigie"           which servers to measure
#   QUESTIONS=<this dir>/questions.txt
#   VIGIE_EXTRA=""                 more vigie options
#   REPEAT=1                       runs per scenario and server (alternating);
#                                  the best msgs/s is kept (shared, noisy machines)
#   PIN=1                          0 = no taskset
#   NICE=0                         e.g. -10 (root) on a busy shared machine
# Usage: tests/bench/run.sh            (about 3 minutes with the defaults)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
IDLE=${IDLE:-10000}
SCENARIOS=${SCENARIOS:-"100x1 1000x8 idle"}
ECHO_LOOPS=${ECHO_LOOPS:-"poll uv ev"}
ECHO_REF=${ECHO_REF:-poll}
VIGIE_LOOPS=${VIGIE_LOOPS:-}
SERVERS=${SERVERS:-"echo vigie"}
QUESTIONS=${QUESTIONS:-$HERE/questions.txt}
VIGIE_EXTRA=${VIGIE_EXTRA:-}
REPEAT=${REPEAT:-1}
PIN=${PIN:-1}
NICE=${NICE:-0}

OUT=$(mktemp -d /tmp/vigie-bench.XXXXXX)
RESULTS=$OUT/results.txt
: >"$RESULTS"
PIDS=()
NAMES=()
PORTS=()

log() { printf '%s\n' "$*" >&2; }

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -INT "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build
log "== build ($BUILD)"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$OUT/cmake.log" 2>&1 ||
        { cat "$OUT/cmake.log" >&2; exit 1; }
fi
cmake --build "$BUILD" -j"$(nproc)" --target echo loadgen >"$OUT/build.log" 2>&1 ||
    { tail -30 "$OUT/build.log" >&2; exit 1; }
ECHO=$BUILD/bench/echo
LOADGEN=$BUILD/bench/loadgen
VIGIE=$BUILD/vigie
case " $SERVERS " in
    *" vigie "*)
        if ! cmake --build "$BUILD" -j"$(nproc)" --target vigie >"$OUT/build-vigie.log" 2>&1; then
            log "vigie does not build (see $OUT/build-vigie.log): measuring echo only"
            SERVERS="echo"
        fi
        ;;
esac

# ---- machine, pinning, descriptors
NCPU=$(nproc)
if [ "$PIN" = 1 ] && [ "$NCPU" -ge 2 ] && command -v taskset >/dev/null; then
    PIN_SERVER="taskset -c 0"
    PIN_LOAD="taskset -c 1"
    PINNING="servers on core 0, loadgen on core 1"
else
    PIN_SERVER=""
    PIN_LOAD=""
    PINNING="not pinned ($NCPU core)"
fi
if [ "$NICE" != 0 ]; then
    # on a shared machine, a higher priority keeps other jobs from skewing the figures
    PIN_SERVER="nice -n $NICE $PIN_SERVER"
    PIN_LOAD="nice -n $NICE $PIN_LOAD"
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null
NEED=$((IDLE + 1200))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$NEED" ]; then
    ulimit -n "$NEED" 2>/dev/null ||
        log "warning: ulimit -n is $(ulimit -n), $NEED wanted for $IDLE idle connections"
fi
log "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $NCPU cores," \
    "$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)," \
    "$PINNING, ulimit -n $(ulimit -n), load average $(cut -d' ' -f1-3 /proc/loadavg)"
log "== results in $OUT"

# ---- servers
# start_server NAME CMD...: starts it on core 0, waits for "listening on", records the port.
start_server() {
    local name=$1 err=$OUT/$1.err pid port=""
    shift
    $PIN_SERVER "$@" 2>"$err" >"$OUT/$name.out" &
    pid=$!
    for _ in $(seq 1 150); do
        port=$(sed -n 's/.*listening on https\?:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$err" | head -1)
        [ -n "$port" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        log "$name did not start:"
        tail -5 "$err" >&2
        kill -KILL "$pid" 2>/dev/null
        return 1
    fi
    PIDS+=("$pid")
    NAMES+=("$name")
    PORTS+=("$port")
    log "   $name pid $pid port $port"
}

log "== starting servers"
for s in $SERVERS; do
    case $s in
        echo)
            for l in $ECHO_LOOPS; do
                start_server "echo-$l" "$ECHO" --port 0 --loop "$l"
            done
            ;;
        vigie)
            help=$("$VIGIE" --help 2>&1)
            args=(--port 0 --rate-limit 0 --max-sessions-per-address 0)
            # the idle scenario needs more than the default 10,000 sessions
            case $help in *max-sessions\ *|*max-sessions=*) args+=(--max-sessions 0) ;; esac
            case $help in *--workers*) args+=(--workers 1) ;; esac
            # shellcheck disable=SC2206
            args+=($VIGIE_EXTRA)
            if [ -z "$VIGIE_LOOPS" ]; then
                start_server vigie "$VIGIE" "${args[@]}" || true
            else
                for l in $VIGIE_LOOPS; do
                    start_server "vigie-$l" "$VIGIE" "${args[@]}" --event-loop "$l" || true
                done
            fi
            log "   vigie options: ${args[*]}"
            ;;
    esac
done
[ "${#PIDS[@]}" -gt 0 ] || { log "no server started"; exit 1; }

rss_kib() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null; }

# ---- memory per idle session
# measured first, on fresh processes, one server at a time
MEMORY=$OUT/memory.txt
: >"$MEMORY"
log "== memory per idle session ($IDLE connections)"
for i in "${!PIDS[@]}"; do
    name=${NAMES[$i]} pid=${PIDS[$i]} port=${PORTS[$i]}
    # one short round of traffic first, so lazily allocated buffers are counted in "before"
    $PIN_LOAD "$LOADGEN" --port "$port" --connections 10 --duration 0.5 --warmup 0.2 \
        --questions "$QUESTIONS" >/dev/null 2>&1
    before=$(rss_kib "$pid")
    $PIN_LOAD "$LOADGEN" --port "$port" --idle-only "$IDLE" --hold 0 >"$OUT/idle-$name.out" \
        2>"$OUT/idle-$name.err" &
    lpid=$!
    held=""
    for _ in $(seq 1 600); do
        grep -q '^holding' "$OUT/idle-$name.err" && { held=1; break; }
        kill -0 "$lpid" 2>/dev/null || break
        sleep 0.1
    done
    after=$(rss_kib "$pid")
    opened=$(sed -n 's/^holding \([0-9]*\).*/\1/p' "$OUT/idle-$name.err")
    kill -INT "$lpid" 2>/dev/null
    wait "$lpid" 2>/dev/null
    if [ -z "$held" ] || [ -z "$opened" ] || [ "$opened" -eq 0 ]; then
        log "   $name: idle connections not held:"
        tail -3 "$OUT/idle-$name.err" >&2
        continue
    fi
    per=$(awk -v a="$after" -v b="$before" -v n="$opened" 'BEGIN{printf "%.2f", (a-b)/n}')
    printf '%s %s %s %s %s\n' "$name" "$before" "$after" "$opened" "$per" >>"$MEMORY"
    log "   $name: VmRSS $before -> $after KiB with $opened idle connections: $per KiB each"
done

# ---- throughput and latency
# run_load SCENARIO NAME PID PORT LOADGEN-ARGS...
run_load() {
    local sc=$1 name=$2 spid=$3 port=$4 line rc
    shift 4
    line=$($PIN_LOAD "$LOADGEN" --port "$port" --questions "$QUESTIONS" --duration "$DURATION" \
        --warmup "$WARMUP" --server-pid "$spid" "$@" 2>"$OUT/$sc-$name.err")
    rc=$?
    line=$(printf '%s\n' "$line" | grep '^RESULT' | tail -1)
    if [ -z "$line" ]; then
        log "   $sc $name: no result (exit $rc):"
        tail -3 "$OUT/$sc-$name.err" >&2
        printf '%s %s 0 0 0 0 failed 0 0 0\n' "$sc" "$name" >>"$RESULTS"
        return
    fi
    # shellcheck disable=SC2086
    set -- $line
    local mps=0 p50=0 p99=0 mx=0 errs=0 scpu=0 us=0 lcpu=0
    for kv in "$@"; do
        case $kv in
            msgs_per_s=*) mps=${kv#*=} ;;
            p50_ms=*) p50=${kv#*=} ;;
            p99_ms=*) p99=${kv#*=} ;;
            max_ms=*) mx=${kv#*=} ;;
            errors=*) errs=${kv#*=} ;;
            server_cpu_pct=*) scpu=${kv#*=} ;;
            server_us_per_msg=*) us=${kv#*=} ;;
            loadgen_cpu_pct=*) lcpu=${kv#*=} ;;
        esac
    done
    printf '%s %s %s %s %s %s %s %s %s %s\n' "$sc" "$name" "$mps" "$p50" "$p99" "$mx" "$errs" \
        "$scpu" "$us" "$lcpu" >>"$RESULTS"
    printf '   %-7s %-11s %9s msg/s p50 %7s p99 %7s max %8s ms, err %s, server CPU %s%% %s us/msg, loadgen CPU %s%%\n' \
        "$sc" "$name" "$mps" "$p50" "$p99" "$mx" "$errs" "$scpu" "$us" "$lcpu" >&2
}

log "== throughput ($DURATION s each after $WARMUP s warm-up)"
for sc in $SCENARIOS; do
    case $sc in
        100x1) set -- --connections 100 --inflight 1 ;;
        1000x8) set -- --connections 1000 --inflight 8 ;;
        idle) set -- --connections 100 --inflight 1 --idle "$IDLE" ;;
        msg100) set -- --connections 100 --inflight 1 --text-bytes 100 ;;
        msg2k) set -- --connections 100 --inflight 1 --text-bytes 2000 ;;
        *) log "unknown scenario $sc"; continue ;;
    esac
    for _ in $(seq 1 "$REPEAT"); do
        for i in "${!PIDS[@]}"; do
            run_load "$sc" "${NAMES[$i]}" "${PIDS[$i]}" "${PORTS[$i]}" "$@"
        done
    done
done

# ---- summary
log ""
log "== summary (msgs/s, p50 ms, p99 ms; ratios against echo-$ECHO_REF)"
awk -v ref="echo-$ECHO_REF" -v memfile="$MEMORY" '
    { key = $1 " " $2
      if (!(key in mps) || $3 + 0 > mps[key] + 0) {
          mps[key] = $3; p50[key] = $4; p99[key] = $5; us[key] = $9
      }
      if ($7 != "0") err[key] = 1
      if (!($2 in seen)) { seen[$2] = 1; names[++nn] = $2 }
      if (!($1 in sseen)) { sseen[$1] = 1; scs[++ns] = $1 } }
    END {
        printf "%-8s %-11s %10s %8s %8s %8s\n", "scenario", "server", "msgs/s", "p50 ms", "p99 ms", "us/msg"
        for (i = 1; i <= ns; i++) {
            s = scs[i]
            for (j = 1; j <= nn; j++) {
                k = s " " names[j]
                if (!(k in mps)) continue
                printf "%-8s %-11s %10.0f %8.3f %8.3f %8.2f%s\n", s, names[j], mps[k], p50[k], p99[k], us[k], (err[k] ? "  E" : "")
            }
        }
        for (j = 1; j <= nn; j++) {
            if (names[j] !~ /^vigie/) continue
            # against the reference echo, and against the echo on the same loop
            same = names[j]; sub(/^vigie/, "echo", same)
            if (same == "echo") same = ref
            for (i = 1; i <= ns; i++) {
                s = scs[i]; k = s " " names[j]
                for (q = 0; q < 2; q++) {
                    rn = (q == 0 ? ref : same)
                    if (q == 1 && rn == ref) continue
                    r = s " " rn
                    if (mps[r] > 0 && p99[r] > 0 && us[k] > 0)
                        printf "ratio %-7s %s/%s: msgs/s %.2f (target >= 0.50), p99 %.2f (target <= 2), CPU per message %.2f (echo/vigie %.2f)\n",
                            s, names[j], rn, mps[k] / mps[r], p99[k] / p99[r], us[k] / us[r], us[r] / us[k]
                }
            }
            k1 = "100x1 " names[j]; k2 = "idle " names[j]
            if (mps[k1] > 0 && (k2 in mps))
                printf "idle effect %s: %.2f of its 100x1 throughput with idle sessions (target >= 0.70)\n",
                    names[j], mps[k2] / mps[k1]
            k1 = "msg100 " names[j]; k2 = "msg2k " names[j]
            if (mps[k1] > 0 && mps[k2] > 0)
                printf "size %s: a 2 KiB message costs %.2f 100-byte ones (target <= 10)\n",
                    names[j], mps[k1] / mps[k2]
        }
        while ((getline line < memfile) > 0) {
            split(line, f, " ")
            printf "memory %-11s %8.2f KiB per idle session (VmRSS %d -> %d KiB, %d sessions)\n",
                f[1], f[5], f[2], f[3], f[4]
        }
    }' "$RESULTS"
log "load average at the end: $(cut -d" " -f1-3 /proc/loadavg)"
log "(best of $REPEAT; us/msg = server CPU time per message during the measurement, the figure"
log " to trust when other jobs share the machine: echo/vigie CPU per message is the throughput"
log " ratio the two would reach when each has a whole core;"
log " E = the load generator counted errors; details in $OUT/*.err)"
