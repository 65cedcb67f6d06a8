#!/usr/bin/env bash
# bench/sensor/run.sh - the passive sensor's throughput and memory on a large SMTP capture, in
# one run: the line rate (a minimal libpcap read loop, sensor_pcap_loop), `smtpwarden sensor -r`
# with DLP on (the embedded configuration: sensor.dlp true, every built-in detector) writing its
# JSON lines to /dev/null, and tshark dissecting SMTP and printing its fields. Peak RSS of each
# from /usr/bin/time -v. Then the memory bound: a capture of BENCH_OPEN_FLOWS sessions that all
# stay open. Targets (issue 5): >= 20x tshark's rate, >= 470 MB/s, < 100 MB for the capture,
# bounded under 1 million concurrent flows. See bench/README.md, "bench/sensor/run.sh".
#
# The capture is made by sensor_gen (deterministic: the same arguments give the same file) under
# a temporary folder in /tmp, deleted at the end (BENCH_KEEP=1 keeps it).
#
# Environment:
#   BENCH_BUILD          build folder (default build/release: cmake --preset release)
#   SW_BIN               smtpwarden binary (default $BENCH_BUILD/smtpwarden)
#   BENCH_BYTES          capture size (default 1100000000, >= 1 GB)
#   BENCH_CONCURRENT     sessions interleaved in the capture (default 200)
#   BENCH_TSHARK_PACKETS tshark reads this prefix of the capture, its rate is scaled from it
#                        (default 400000 packets, ~400 MB; 0 = the whole file)
#   BENCH_OPEN_FLOWS     sessions of the memory-bound capture (default 1000000; 0 = skip)
#   BENCH_KEEP=1         keep the temporary folder
set -u -o pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="${BENCH_BUILD:-$ROOT/build/release}"
SW_BIN="${SW_BIN:-$BUILD/smtpwarden}"
GEN="$BUILD/bench/sensor_gen"
LOOP="$BUILD/bench/sensor_pcap_loop"
BYTES="${BENCH_BYTES:-1100000000}"
CONC="${BENCH_CONCURRENT:-200}"
TSHARK_PACKETS="${BENCH_TSHARK_PACKETS:-400000}"
OPEN_FLOWS="${BENCH_OPEN_FLOWS:-1000000}"
TIME=/usr/bin/time

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

for tool in "$SW_BIN" "$GEN" "$LOOP" "$TIME"; do
    if [ ! -x "$tool" ]; then
        log "missing $tool (build: cmake --preset release && cmake --build build/release;" \
            "package: time)"
        exit 2
    fi
done
HAVE_TSHARK=1
for tool in tshark editcap; do
    command -v "$tool" >/dev/null 2>&1 || HAVE_TSHARK=0
done
[ "$HAVE_TSHARK" = 1 ] || log "tshark/editcap not installed (scripts/install-deps.sh): no reference"

TMP="$(mktemp -d /tmp/smtpwarden-bench-sensor.XXXXXX)"
cleanup() {
    if [ "${BENCH_KEEP:-0}" = 1 ]; then
        log "kept $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT

# measure NAME CMD... - run CMD under /usr/bin/time -v; sets SECS and RSS_KB, output in $TMP/NAME.*
measure() {
    local name="$1"
    shift
    "$TIME" -v -o "$TMP/$name.time" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
    local rc=$?
    SECS=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' \
        "$TMP/$name.time")
    RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TMP/$name.time")
    return $rc
}

rate() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", (s > 0 ? b / 1e6 / s : 0) }'; }

CAP="$TMP/smtp.pcap"
log "generating $BYTES bytes of SMTP ($CONC sessions at a time)"
"$GEN" "$CAP" "$BYTES" "$CONC" >&2 || exit 2
FILE_BYTES=$(stat -c %s "$CAP")

log "line rate: sensor_pcap_loop"
"$LOOP" "$CAP" >/dev/null 2>&1 # the file into the page cache, as for every run after it
measure loop "$LOOP" "$CAP" || exit 2
LOOP_SECS=$SECS LOOP_RSS=$RSS_KB

log "smtpwarden sensor -r (DLP on, output to /dev/null)"
measure sensor "$SW_BIN" sensor --no-progress -r "$CAP" -o /dev/null
rc=$?
if [ $rc -gt 1 ]; then
    log "smtpwarden sensor failed ($rc):"
    cat "$TMP/sensor.err" >&2
    exit 2
fi
SENSOR_SECS=$SECS SENSOR_RSS=$RSS_KB
cat "$TMP/sensor.err" >&2

TS_RATE=""
if [ "$HAVE_TSHARK" = 1 ]; then
    TS_CAP="$CAP"
    if [ "$TSHARK_PACKETS" != 0 ]; then
        TS_CAP="$TMP/prefix.pcap"
        editcap -r "$CAP" "$TS_CAP" "1-$TSHARK_PACKETS" || exit 2
    fi
    TS_BYTES=$(stat -c %s "$TS_CAP")
    log "tshark -Y smtp -T fields on $TS_BYTES bytes"
    measure tshark tshark -n -r "$TS_CAP" -Y smtp -T fields -e frame.number -e ip.src \
        -e ip.dst -e smtp.req.command -e smtp.req.parameter -e smtp.response.code \
        -e smtp.rsp.parameter -e imf.from -e imf.to -e imf.subject -e imf.message_id ||
        log "tshark exited non-zero (see $TMP/tshark.err)"
    TS_SECS=$SECS TS_RSS=$RSS_KB
    TS_RATE=$(rate "$TS_BYTES" "$TS_SECS")
fi

FLOW_SECS="" FLOW_RSS=""
if [ "$OPEN_FLOWS" != 0 ]; then
    log "memory bound: $OPEN_FLOWS sessions open at once"
    "$GEN" --open-flows "$OPEN_FLOWS" "$TMP/flows.pcap" >&2 || exit 2
    rm -f "$CAP" "$TMP/prefix.pcap" # disk: the large capture is done with
    measure flows "$SW_BIN" sensor --no-progress -r "$TMP/flows.pcap" -o /dev/null
    FLOW_SECS=$SECS FLOW_RSS=$RSS_KB
    tail -2 "$TMP/flows.err" >&2
fi

LOOP_RATE=$(rate "$FILE_BYTES" "$LOOP_SECS")
SENSOR_RATE=$(rate "$FILE_BYTES" "$SENSOR_SECS")
echo
echo "capture: $FILE_BYTES bytes ($(awk -v b="$FILE_BYTES" 'BEGIN{printf "%.2f", b/1e9}') GB)," \
    "$CONC sessions at a time, $(nproc) cores"
printf '%-34s %10s %10s %12s\n' "" "seconds" "MB/s" "peak RSS MB"
printf '%-34s %10s %10s %12s\n' "libpcap read loop (line rate)" "$LOOP_SECS" "$LOOP_RATE" \
    "$((LOOP_RSS / 1024))"
printf '%-34s %10s %10s %12s\n' "smtpwarden sensor, DLP on" "$SENSOR_SECS" "$SENSOR_RATE" \
    "$((SENSOR_RSS / 1024))"
if [ -n "$TS_RATE" ]; then
    printf '%-34s %10s %10s %12s\n' "tshark -Y smtp -T fields" "$TS_SECS" "$TS_RATE" \
        "$((TS_RSS / 1024))"
    [ "$TSHARK_PACKETS" != 0 ] && echo "  (tshark on the first $TSHARK_PACKETS packets," \
        "$TS_BYTES bytes; its rate stands for the whole file)"
fi
if [ -n "$FLOW_RSS" ]; then
    printf '%-34s %10s %10s %12s\n' "sensor, $OPEN_FLOWS open sessions" "$FLOW_SECS" "-" \
        "$((FLOW_RSS / 1024))"
fi
echo
awk -v s="$SENSOR_RATE" -v t="${TS_RATE:-0}" -v l="$LOOP_RATE" -v r="$((SENSOR_RSS / 1024))" \
    -v f="${FLOW_RSS:-0}" 'BEGIN {
    if (t > 0)
        printf "sensor / tshark:     %6.1fx   (target >= 20x)   %s\n", s / t, (s / t >= 20 ? "met" : "NOT met")
    printf "sensor rate:         %6.1f MB/s (target >= 470) %s\n", s, (s >= 470 ? "met" : "NOT met")
    printf "sensor / line rate:  %6.2f\n", (l > 0 ? s / l : 0)
    printf "sensor peak RSS:     %6d MB   (target < 100)    %s\n", r, (r < 100 ? "met" : "NOT met")
    if (f > 0)
        printf "open-flows peak RSS: %6d MB   (bounded by sensor.max_flows / max_memory)\n", f / 1024
}'
