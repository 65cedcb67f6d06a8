#!/usr/bin/env bash
# bench/relay/run.sh - relay throughput, added latency and idle-connection memory of the
# smtpwarden gateway, against Postfix's smtp-sink directly, Postfix as a plain relay and
# Haraka. Everything runs on 127.0.0.1 on free high ports; every server is started here and
# stopped by PID on exit. See bench/README.md.
#
# Environment:
#   SW_BIN            gateway binary (default: build/release/smtpwarden)
#   BENCH_MESSAGES    messages per throughput run (default 10000)
#   BENCH_SESSIONS    parallel smtp-source sessions (default 20)
#   BENCH_SIZE        message size in bytes (default 10240)
#   BENCH_LAT_N       messages per latency series (default 200)
#   BENCH_IDLE_CONNS  idle connections to hold (default 2000)
#   BENCH_TIMEOUT     seconds one throughput run may take at most (default 300)
#   BENCH_WARMUP      unmeasured messages sent to each target before its run (default 500)
#   BENCH_REPEAT      measured runs per target; the best end-to-end one is reported (default 1)
#   BENCH_PARTS       which parts to run (default "direct gateway postfix haraka latency idle")
#   BENCH_WORKERS     gateway workers for the throughput part (default: unset = one per core)
#   HARAKA_NODES      Haraka's smtp.ini nodes= (default 1; "cpus" = one per core)
#   HARAKA_DIR        where Haraka is installed (default bench/.cache/haraka)
#   BENCH_KEEP=1      keep the temporary directory (configs, logs, results)
#   BENCH_GATEWAY_YAML  top-level YAML added to the gateway's config, e.g.
#                     "content: {enabled: false}" to measure what content inspection costs
#
# Exit status: 0 unless a part that was asked for could not run at all (2). Figures that miss
# their targets print MISS but never fail the script.
set -u -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
LIB="$HERE/benchlib.py"
SMTP_SINK=/usr/sbin/smtp-sink
SMTP_SOURCE=/usr/sbin/smtp-source
POSTFIX=/usr/sbin/postfix

SW_BIN="${SW_BIN:-$ROOT/build/release/smtpwarden}"
MESSAGES="${BENCH_MESSAGES:-10000}"
SESSIONS="${BENCH_SESSIONS:-20}"
SIZE="${BENCH_SIZE:-10240}"
LAT_N="${BENCH_LAT_N:-200}"
IDLE_CONNS="${BENCH_IDLE_CONNS:-2000}"
RUN_TIMEOUT="${BENCH_TIMEOUT:-300}"
WARMUP="${BENCH_WARMUP:-500}"
REPEAT="${BENCH_REPEAT:-1}"
PARTS="${BENCH_PARTS:-direct gateway postfix haraka latency idle}"
HARAKA_NODES="${HARAKA_NODES:-1}"
HARAKA_DIR="${HARAKA_DIR:-$ROOT/bench/.cache/haraka}"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
want() { case " $PARTS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

FAILED=()   # parts that could not run at all
fail_part() { FAILED+=("$1"); log "ERROR: $1: $2"; }

for tool in "$PY" "$SMTP_SINK" "$SMTP_SOURCE"; do
    if [ ! -x "$tool" ]; then
        log "missing $tool (Debian packages: postfix, python3)"
        exit 2
    fi
done

TMP="$(mktemp -d /tmp/smtpwarden-bench.XXXXXX)"
chmod 755 "$TMP"        # Postfix daemons and smtp-sink run as other users
RESULTS="$TMP/results"
mkdir -p "$RESULTS"

# ------------------------------------------------------------------ process bookkeeping
PIDS=()            # servers started here, stopped by PID on exit
PF_CONF=""         # Postfix instance's config_directory, once started
HELPER_PID=""      # the measuring helper now running, if any

# helper CMD...: run a (long) measuring command in the background and wait for it, so that
# a signal to this script is handled at once (bash defers traps while a foreground child runs)
helper() {
    "$@" &
    HELPER_PID=$!
    wait "$HELPER_PID"
    local rc=$?
    HELPER_PID=""
    return "$rc"
}

stop_pid() {       # stop_pid PID: TERM, wait up to 5 s, KILL; then KILL leftover descendants
    local pid="$1" i kids
    kill -0 "$pid" 2>/dev/null || return 0
    kids="$("$PY" "$LIB" pids "$pid" | tail -n +2)"   # workers forked by the server
    kill -TERM "$pid" 2>/dev/null
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    for i in $kids; do
        kill -0 "$i" 2>/dev/null && sleep 0.5 && kill -KILL "$i" 2>/dev/null
    done
    return 0
}

stop_postfix() {
    [ -n "$PF_CONF" ] || return 0
    local pidfile="$TMP/postfix/queue/pid/master.pid" mpid="" i
    [ -r "$pidfile" ] && mpid="$(tr -dc 0-9 <"$pidfile")"
    "$POSTFIX" -c "$PF_CONF" stop >>"$TMP/postfix/control.log" 2>&1
    if [ -n "$mpid" ]; then
        for i in $(seq 50); do
            kill -0 "$mpid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$mpid" 2>/dev/null
    fi
    PF_CONF=""
}

cleanup() {
    local pid
    [ -n "$HELPER_PID" ] && stop_pid "$HELPER_PID"
    stop_postfix
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    PIDS=()
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        log "kept $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Idle-connection part needs ~2 fds per connection here plus the gateway's own.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true
log "open files limit: $(ulimit -n)"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
case "$LOAD_START" in
    0.[0-4]*) ;;
    *) log "WARNING: load average is $LOAD_START: other work on this machine will lower" \
        "every figure (and not equally)" ;;
esac

ports() { "$PY" "$LIB" freeport "$1"; }

# ------------------------------------------------------------------ the sink
# One sink for the whole run; each run reads its count before and waits for +N (deltas).
SINK_PORT="$(ports 1)"
SINK_OUT="$TMP/sink.count"
sink_user=()
[ "$(id -u)" = 0 ] && sink_user=(-u nobody)
"$SMTP_SINK" "${sink_user[@]}" -c "127.0.0.1:$SINK_PORT" 1024 >"$SINK_OUT" 2>"$TMP/sink.err" &
SINK_PID=$!
PIDS+=("$SINK_PID")
if ! "$PY" "$LIB" wait-smtp "127.0.0.1:$SINK_PORT" 10; then
    log "smtp-sink did not start: $(cat "$TMP/sink.err")"
    exit 2
fi
log "smtp-sink pid $SINK_PID on 127.0.0.1:$SINK_PORT"

# load LABEL PORT: the standard smtp-source load against 127.0.0.1:PORT, counted at the sink,
# after an unmeasured warm-up of $WARMUP messages (same load shape) that must also reach the sink.
load() {
    local label="$1" port="$2"
    if [ "$WARMUP" -gt 0 ]; then
        helper "$PY" "$LIB" load --label "$label-warmup" --target "127.0.0.1:$port" \
            --sink-out "$SINK_OUT" --messages "$WARMUP" --sessions "$SESSIONS" --size "$SIZE" \
            --timeout "$RUN_TIMEOUT" --smtp-source "$SMTP_SOURCE" \
            --stderr-file "$TMP/$label.warmup.log" --json "$TMP/$label.warmup.json" >/dev/null
    fi
    local r
    for r in $(seq "$REPEAT"); do
        log "$label: smtp-source -s $SESSIONS -m $MESSAGES -l $SIZE -> 127.0.0.1:$port" \
            "(run $r of $REPEAT)"
        helper "$PY" "$LIB" load --label "$label" --target "127.0.0.1:$port" --sink-out "$SINK_OUT" \
            --messages "$MESSAGES" --sessions "$SESSIONS" --size "$SIZE" \
            --timeout "$RUN_TIMEOUT" --smtp-source "$SMTP_SOURCE" \
            --stderr-file "$TMP/$label.source.$r.log" --json "$RESULTS/$label.run$r.json" >&2
        if [ -s "$TMP/$label.source.$r.log" ]; then
            log "$label: smtp-source said (last lines):"
            tail -n 3 "$TMP/$label.source.$r.log" | sed 's/^/    /' >&2
        fi
    done
    # the figure reported is the best end-to-end run (least disturbed by other load)
    "$PY" "$LIB" best "$RESULTS/$label.json" "$RESULTS/$label".run*.json
}

# ------------------------------------------------------------------ 1. direct
if want direct; then
    load direct "$SINK_PORT"
fi

# ------------------------------------------------------------------ 2. gateway
GW_PID=""
GW_PORT=""
# start_gateway NAME WORKERS EXTRA_LIMITS_YAML: writes CONFIG, starts, waits for the greeting
start_gateway() {
    local name="$1" workers="$2" limits="$3"
    local dir="$TMP/$name"
    mkdir -p "$dir"
    GW_PORT="$(ports 1)"
    {
        echo "gateway:"
        echo "  listen:"
        echo "    - address: \"127.0.0.1:$GW_PORT\""
        echo "      tls: none"
        echo "  hostname: gw.bench.test"
        [ -n "$workers" ] && echo "  workers: $workers"
        echo "  next_hop: \"127.0.0.1:$SINK_PORT\""
        if [ -n "$limits" ]; then
            echo "  limits:"
            printf '%s\n' "$limits"
        fi
        # the load generator as one identity owning its sender domain (envelope and From)
        echo "identities:"
        echo "  - { name: bench, network: [127.0.0.0/8], domains: [bench.test] }"
        echo "events:"
        echo "  file: \"$dir/events.jsonl\""
        echo "log_level: warning"
        [ -n "${BENCH_GATEWAY_YAML:-}" ] && printf '%s\n' "$BENCH_GATEWAY_YAML"
    } >"$dir/smtpwarden.yaml"
    "$SW_BIN" gateway -c "$dir/smtpwarden.yaml" >"$dir/stdout.log" 2>"$dir/stderr.log" &
    GW_PID=$!
    PIDS+=("$GW_PID")
    if ! "$PY" "$LIB" wait-smtp "127.0.0.1:$GW_PORT" 15; then
        log "gateway ($name) did not greet on 127.0.0.1:$GW_PORT; stderr:"
        tail -n 20 "$dir/stderr.log" | sed 's/^/    /' >&2
        stop_pid "$GW_PID"
        GW_PID=""
        return 1
    fi
    log "gateway ($name) pid $GW_PID on 127.0.0.1:$GW_PORT," \
        "$("$PY" "$LIB" pids "$GW_PID" | wc -l) processes"
    return 0
}

gw_usable() {
    if [ ! -x "$SW_BIN" ]; then
        log "no gateway binary at $SW_BIN (build: cmake --preset release &&" \
            "cmake --build build/release, or set SW_BIN)"
        return 1
    fi
    return 0
}

if want gateway; then
    if gw_usable && start_gateway gateway "${BENCH_WORKERS:-}" ""; then
        load gateway "$GW_PORT"
        # keep it running for the latency part
    else
        fail_part gateway "gateway could not run"
    fi
fi

# ------------------------------------------------------------------ 3. latency
if want latency; then
    if [ -z "$GW_PID" ] && gw_usable; then
        start_gateway gateway "${BENCH_WORKERS:-}" "" || true
    fi
    if [ -n "$GW_PID" ]; then
        log "latency: $LAT_N sequential messages direct and $LAT_N through the gateway, alternating"
        helper "$PY" "$LIB" latency --direct "127.0.0.1:$SINK_PORT" --via "127.0.0.1:$GW_PORT" \
            -n "$LAT_N" --size "$SIZE" --json "$RESULTS/latency.json" >&2
    else
        fail_part latency "no gateway to measure"
    fi
fi
if [ -n "$GW_PID" ]; then
    stop_pid "$GW_PID"
    GW_PID=""
fi

# ------------------------------------------------------------------ 4. idle connections
if want idle; then
    if gw_usable && start_gateway idle 1 "    max_connections: $((IDLE_CONNS + 1000))"; then
        log "idle: $IDLE_CONNS idle connections to the gateway (workers: 1)"
        helper "$PY" "$LIB" idle --target "127.0.0.1:$GW_PORT" --pid "$GW_PID" \
            --count "$IDLE_CONNS" --json "$RESULTS/idle.json" >&2
        stop_pid "$GW_PID"
        GW_PID=""
    else
        fail_part idle "gateway could not run"
    fi
fi

# ------------------------------------------------------------------ 5. Postfix relay
if want postfix; then
    if [ ! -x "$POSTFIX" ]; then
        fail_part postfix "no $POSTFIX (Debian package postfix)"
    else
        PFD="$TMP/postfix"
        mkdir -p "$PFD/conf" "$PFD/queue" "$PFD/data"
        chown postfix "$PFD/data" 2>/dev/null
        PF_PORT="$(ports 1)"
        sed -e "s|@SINK_PORT@|$SINK_PORT|g" -e "s|@QUEUE@|$PFD/queue|g" \
            -e "s|@DATA@|$PFD/data|g" -e "s|@MAILLOG@|$PFD/maillog|g" \
            "$HERE/postfix/main.cf.in" >"$PFD/conf/main.cf"
        sed -e "s|@RELAY_PORT@|$PF_PORT|g" "$HERE/postfix/master.cf.in" >"$PFD/conf/master.cf"
        PF_CONF="$PFD/conf"
        if "$POSTFIX" -c "$PF_CONF" start >>"$PFD/control.log" 2>&1 \
            && "$PY" "$LIB" wait-smtp "127.0.0.1:$PF_PORT" 20; then
            log "postfix relay (master pid $(tr -dc 0-9 <"$PFD/queue/pid/master.pid"))" \
                "on 127.0.0.1:$PF_PORT -> sink"
            load postfix "$PF_PORT"
        else
            fail_part postfix "private Postfix instance did not start; see below"
            tail -n 20 "$PFD/control.log" "$PFD/maillog" 2>/dev/null | sed 's/^/    /' >&2
        fi
        stop_postfix
    fi
fi

# ------------------------------------------------------------------ 6. Haraka
if want haraka; then
    HARAKA_JS="$HARAKA_DIR/node_modules/Haraka/bin/haraka"
    if [ ! -f "$HARAKA_JS" ]; then
        if command -v npm >/dev/null && command -v node >/dev/null; then
            log "installing Haraka into $HARAKA_DIR (npm install Haraka)"
            mkdir -p "$HARAKA_DIR"
            (cd "$HARAKA_DIR" && timeout 600 npm install --no-audit --no-fund --loglevel=error \
                Haraka >"$TMP/npm-install.log" 2>&1) \
                || log "npm install failed: $(tail -n 5 "$TMP/npm-install.log")"
        else
            log "SKIP haraka: node/npm not installed (Debian packages nodejs npm)"
        fi
    fi
    if [ -f "$HARAKA_JS" ]; then
        HKD="$TMP/haraka"
        node "$HARAKA_JS" -i "$HKD" >"$TMP/haraka-init.log" 2>&1
        HK_PORT="$(ports 1)"
        cfg="$HKD/config"
        printf 'listen=127.0.0.1:%s\nnodes=%s\ninactivity_timeout=60\n' \
            "$HK_PORT" "$HARAKA_NODES" >"$cfg/smtp.ini"
        printf '[main]\nlevel=warn\ntimestamps=false\nformat=default\n' >"$cfg/log.ini"
        echo "relay.bench.test" >"$cfg/me"
        echo "bench.test" >"$cfg/host_list"
        printf 'rcpt_to.in_host_list\nqueue/smtp_forward\n' >"$cfg/plugins"
        printf 'host=127.0.0.1\nport=%s\nenable_tls=false\n' "$SINK_PORT" >"$cfg/smtp_forward.ini"
        node "$HARAKA_JS" -c "$HKD" >"$HKD/haraka.log" 2>&1 &
        HK_PID=$!
        PIDS+=("$HK_PID")
        if "$PY" "$LIB" wait-smtp "127.0.0.1:$HK_PORT" 30; then
            log "haraka pid $HK_PID (nodes=$HARAKA_NODES) on 127.0.0.1:$HK_PORT -> sink"
            load haraka "$HK_PORT"
        else
            fail_part haraka "Haraka did not start"
            tail -n 20 "$HKD/haraka.log" | sed 's/^/    /' >&2
        fi
        stop_pid "$HK_PID"
    else
        fail_part haraka "Haraka is not installed (npm unavailable or offline)"
    fi
fi

# ------------------------------------------------------------------ table
echo
echo "smtpwarden relay benchmark: $MESSAGES messages of $SIZE bytes, $SESSIONS sessions," \
    "best of $REPEAT, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "load average at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" "$LIB" table "$RESULTS"
if [ "${#FAILED[@]}" -gt 0 ]; then
    echo "could not run: ${FAILED[*]}"
    exit 2
fi
exit 0
