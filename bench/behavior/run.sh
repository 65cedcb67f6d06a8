#!/usr/bin/env bash
# bench/behavior/run.sh - what the behaviour engine costs: transactions and counter (bucket)
# updates per second in memory and through Redis (behavior_bench: with Redis, the gateway's one
# script per transaction, i.e. the bucket takes plus the shared counting of every key and the
# first-seen sets), and the gateway's relay rate with rate limits
# off, on with the embedded state, and on with Redis (limits, counts, first-seen shared), in one run, smtp-source -> gateway ->
# smtp-sink as bench/relay/run.sh drives it. Targets: limits cost < 10% of relay throughput
# with the embedded state, < 25% with Redis on loopback. Everything on 127.0.0.1, free ports;
# every server started here is stopped by PID on exit. See bench/README.md.
#
# Environment:
#   SW_BIN          gateway binary (default build/release/smtpwarden)
#   BENCH_TOOL      behavior_bench (default build/release/bench/behavior_bench)
#   BENCH_MESSAGES  messages per relay run (default 10000)
#   BENCH_SESSIONS  parallel smtp-source sessions (default 20)
#   BENCH_SIZE      message size (default 10240)
#   BENCH_REPEAT    rounds of (off, embedded, redis), interleaved; the best of each (default 3)
#   BENCH_WORKERS   gateway workers (default 1: a per-worker cost is what is measured)
#   BENCH_TXNS      behavior_bench transactions (default 200000)
#   BENCH_KEEP=1    keep the temporary directory
set -u -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
LIB="$ROOT/bench/relay/benchlib.py"
SMTP_SINK=/usr/sbin/smtp-sink
SMTP_SOURCE=/usr/sbin/smtp-source
REDIS_SERVER=/usr/bin/redis-server

SW_BIN="${SW_BIN:-$ROOT/build/release/smtpwarden}"
TOOL="${BENCH_TOOL:-$ROOT/build/release/bench/behavior_bench}"
MESSAGES="${BENCH_MESSAGES:-10000}"
SESSIONS="${BENCH_SESSIONS:-20}"
SIZE="${BENCH_SIZE:-10240}"
REPEAT="${BENCH_REPEAT:-3}"
WORKERS="${BENCH_WORKERS:-1}"
TXNS="${BENCH_TXNS:-200000}"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

for tool in "$PY" "$SMTP_SINK" "$SMTP_SOURCE" "$REDIS_SERVER" "$SW_BIN" "$TOOL"; do
    if [ ! -x "$tool" ]; then
        log "missing $tool (packages: postfix, redis-server; build: cmake --preset release &&" \
            "cmake --build build/release)"
        exit 2
    fi
done

TMP="$(mktemp -d /tmp/smtpwarden-bench-behavior.XXXXXX)"
chmod 755 "$TMP"
PIDS=()
stop_pid() {
    local pid="$1" i kids
    kill -0 "$pid" 2>/dev/null || return 0
    kids="$("$PY" "$LIB" pids "$pid" | tail -n +2)"
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    for i in $kids; do kill -0 "$i" 2>/dev/null && kill -KILL "$i" 2>/dev/null; done
    return 0
}
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

read -r SINK_PORT REDIS_PORT < <("$PY" "$LIB" freeport 2 | tr '\n' ' ')
"$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize no --dir "$TMP" >"$TMP/redis.log" 2>&1 &
PIDS+=($!)
sink_user=()
[ "$(id -u)" = 0 ] && sink_user=(-u nobody)
"$SMTP_SINK" "${sink_user[@]}" -c "127.0.0.1:$SINK_PORT" 1024 >"$TMP/sink.count" 2>"$TMP/sink.err" &
PIDS+=($!)
"$PY" "$LIB" wait-smtp "127.0.0.1:$SINK_PORT" 10 || { log "smtp-sink did not start"; exit 2; }
for i in $(seq 50); do
    "$PY" -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$REDIS_PORT),1); \
s.sendall(b'PING\r\n'); sys.exit(0 if s.recv(16).startswith(b'+PONG') else 1)" 2>/dev/null && break
    sleep 0.1
done

# ------------------------------------------------------------------ 1. counter updates
log "behavior_bench: $TXNS transactions in memory, $((TXNS / 10)) through Redis"
"$TOOL" -n "$TXNS" -r "127.0.0.1:$REDIS_PORT" --json >"$TMP/engine.jsonl" || exit 2

# ------------------------------------------------------------------ 2. relay rate
GW_PID=""
GW_PORT=""
start_gateway() { # start_gateway MODE: off | embedded | redis
    local mode="$1" dir="$TMP/gw-$1"
    mkdir -p "$dir"
    GW_PORT="$("$PY" "$LIB" freeport 1)"
    {
        echo "gateway:"
        echo "  listen: [{address: \"127.0.0.1:$GW_PORT\", tls: none}]"
        echo "  hostname: gw.bench.test"
        echo "  workers: $WORKERS"
        echo "  next_hop: \"127.0.0.1:$SINK_PORT\""
        echo "identities:"
        echo "  - { name: bench, network: [127.0.0.0/8], domains: [bench.test] }"
        echo "content: { enabled: false }"
        echo "behavior:"
        if [ "$mode" = off ]; then
            echo "  enabled: false"
        else
            [ "$mode" = redis ] && echo "  state: redis://127.0.0.1:$REDIS_PORT"
            # three limits far above the traffic: every bucket is asked and charged
            echo "  limits:"
            echo "    - {key: identity, messages: 1000000000, per: 1h}"
            echo "    - {key: sender, messages: 1000000000, per: 1h}"
            echo "    - {key: rcpt_domain, recipients: 1000000000, per: 1h}"
        fi
        echo "events: { file: \"$dir/events.jsonl\" }"
        echo "log_level: warning"
    } >"$dir/smtpwarden.yaml"
    "$SW_BIN" gateway -c "$dir/smtpwarden.yaml" >"$dir/stdout.log" 2>"$dir/stderr.log" &
    GW_PID=$!
    PIDS+=("$GW_PID")
    "$PY" "$LIB" wait-smtp "127.0.0.1:$GW_PORT" 15 || {
        log "gateway ($mode) did not start"; tail -5 "$dir/stderr.log" >&2; return 1; }
}

for r in $(seq "$REPEAT"); do
    for mode in off embedded redis; do
        start_gateway "$mode" || exit 2
        log "$mode (round $r of $REPEAT): smtp-source -s $SESSIONS -m $MESSAGES -l $SIZE"
        "$PY" "$LIB" load --label "$mode" --target "127.0.0.1:$GW_PORT" \
            --sink-out "$TMP/sink.count" --messages 500 --sessions "$SESSIONS" --size "$SIZE" \
            --smtp-source "$SMTP_SOURCE" >/dev/null # warm-up
        "$PY" "$LIB" load --label "$mode" --target "127.0.0.1:$GW_PORT" \
            --sink-out "$TMP/sink.count" --messages "$MESSAGES" --sessions "$SESSIONS" \
            --size "$SIZE" --smtp-source "$SMTP_SOURCE" --json "$TMP/$mode.run$r.json" >/dev/null
        stop_pid "$GW_PID"
        if grep -q '"verdict": "defer"\|"verdict":"defer"' "$TMP/gw-$mode/events.jsonl"; then
            log "WARNING: $mode deferred some messages: the figures are not comparable"
        fi
    done
done
for mode in off embedded redis; do
    "$PY" "$LIB" best "$TMP/$mode.json" "$TMP/$mode".run*.json
done

# ------------------------------------------------------------------ 3. report
"$PY" - "$TMP" <<'PYEOF'
import json, sys
d = sys.argv[1]
eng = {}
for ln in open(d + "/engine.jsonl"):
    o = json.loads(ln)
    eng[o["part"]] = o
print("behaviour engine (3 limits: identity, sender, recipient domain; 2 recipients;"
      " with Redis also 5 counted keys and 2 first-seen sets per transaction)")
for part in ("memory", "redis-pipelined", "redis-round-trip"):
    o = eng.get(part)
    if o:
        print("  %-18s %10.0f transactions/s %12.0f bucket updates/s"
              % (part, o["txns_per_s"], o["updates_per_s"]))
runs = {m: json.load(open("%s/%s.json" % (d, m))) for m in ("off", "embedded", "redis")}
off = runs["off"]["e2e_msgs"] or 0
print("gateway relay rate, end to end (best of %d)" % runs["off"]["runs"])
for m, target in (("off", None), ("embedded", 0.10), ("redis", 0.25)):
    r = runs[m]
    rate = r["e2e_msgs"] or 0
    line = "  limits %-9s %8.0f msg/s" % (m, rate)
    if target is not None and off:
        cost = 1 - rate / off
        line += "   ratio %.3f  cost %+.1f%%  (target < %d%%: %s)" % (
            rate / off, cost * 100, target * 100, "OK" if cost < target else "MISS")
    if r["counted"] != r["messages"] or r["timed_out"]:
        line += "  INCOMPLETE (%s of %s)" % (r["counted"], r["messages"])
    print(line)
PYEOF
