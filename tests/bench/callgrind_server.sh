#!/usr/bin/env bash
# callgrind_server.sh - instructions per message of the running server.
#
# Starts vigie under callgrind with instrumentation off (loading the
# catalogue is not counted), sends every question once to warm it up (the
# answer cache fills as in a long run), switches instrumentation on, has the
# load generator send questions at a fixed rate for a fixed time, switches it
# off and prints the user-space instructions the server process executed per
# message answered (libwebsockets, the event loop, JSON, the engine: all but
# the kernel). A fixed rate keeps the event loop's work per message the same
# from run to run, so two binaries compare on instructions alone, whatever
# else the machine is doing. Takes about 4 minutes (callgrind loads the
# catalogue some 50 times slower than native).
#
# Environment (defaults):
#   BUILD=<repo>/build-bench  INTENTS=<repo>/intents  VIGIE=$BUILD/vigie
#   CONNECTIONS=20  RATE=400 (messages/s, all connections)  DURATION=10
#   QUESTIONS=<this dir>/questions.txt  VIGIE_EXTRA="" (more vigie options)
# Usage: tests/bench/callgrind_server.sh
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
VIGIE=${VIGIE:-$BUILD/vigie}
INTENTS=${INTENTS:-$ROOT/intents}
CONNECTIONS=${CONNECTIONS:-20}
RATE=${RATE:-400}
DURATION=${DURATION:-10}
QUESTIONS=${QUESTIONS:-$HERE/questions.txt}
VIGIE_EXTRA=${VIGIE_EXTRA:-}
LOADGEN=$BUILD/bench/loadgen

command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
[ -f "$BUILD/CMakeCache.txt" ] ||
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
cmake --build "$BUILD" -j"$(nproc)" --target vigie loadgen >/dev/null || exit 1

OUT=$(mktemp -d /tmp/vigie-callgrind.XXXXXX)
# shellcheck disable=SC2086
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/callgrind.out" \
    "$VIGIE" --port 0 --rate-limit 0 --max-sessions-per-address 0 --workers 1 \
    --intents "$INTENTS" $VIGIE_EXTRA 2>"$OUT/vigie.err" >/dev/null &
PID=$!
trap 'kill -KILL $PID 2>/dev/null' EXIT
PORT=""
for _ in $(seq 1 1200); do
    PORT=$(sed -n 's/.*listening on https\?:\/\/[^ ]*:\([0-9][0-9]*\).*/\1/p' "$OUT/vigie.err" | head -1)
    [ -n "$PORT" ] && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.5
done
[ -n "$PORT" ] || { echo "vigie did not start:" >&2; tail -5 "$OUT/vigie.err" >&2; exit 1; }

n_questions=$(grep -c . "$QUESTIONS")
"$LOADGEN" --port "$PORT" --connections "$CONNECTIONS" --rate "$RATE" \
    --duration $(( n_questions / RATE + 2 )) --warmup 0.5 --questions "$QUESTIONS" >/dev/null 2>&1
callgrind_control -i on "$PID" >/dev/null
"$LOADGEN" --port "$PORT" --connections "$CONNECTIONS" --rate "$RATE" --duration "$DURATION" \
    --warmup 0.2 --questions "$QUESTIONS" >"$OUT/loadgen.out" 2>&1
callgrind_control -i off "$PID" >/dev/null
kill -INT "$PID"
wait "$PID"
trap - EXIT

msgs=$(grep -o 'msgs=[0-9]*' "$OUT/loadgen.out" | cut -d= -f2)
ir=$(callgrind_annotate "$OUT"/callgrind.out* 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
[ -n "$msgs" ] && [ "$msgs" -gt 0 ] && [ -n "$ir" ] ||
    { echo "no measurement (see $OUT)" >&2; exit 1; }
echo "$msgs messages at $RATE/s over $CONNECTIONS connections: $ir instructions," \
    "$(( ir / msgs )) per message (server user space; details in $OUT)"
