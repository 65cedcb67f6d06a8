#!/usr/bin/env bash
# run.sh - build the release binary and run the gateway with its embedded default
# configuration, in the foreground, with Postfix's smtp-sink on 127.0.0.1:2526 as the next hop.
#
#   listens on 127.0.0.1:2525 (STARTTLS) and 127.0.0.1:4650 (implicit TLS)
#   relays to   127.0.0.1:2526 (smtp-sink; each message dumped to ./smtpwarden-state/sink/)
#   events      on stdout, diagnostics on stderr; Ctrl-C or SIGTERM stops both.
#
# Extra arguments go to `smtpwarden gateway` (e.g. `-c my.yaml`, `--workers 2`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh >/dev/null
cmake --preset release >/dev/null
cmake --build build/release -j "${JOBS:-2}" --target smtpwarden >/dev/null

STATE="$PWD/smtpwarden-state"
SINK_DIR="$STATE/sink"
mkdir -p "$SINK_DIR"

if ss -Hltn 'sport = :2526' 2>/dev/null | grep -q .; then
    echo "run.sh: port 2526 is already in use; stop whatever listens there first" >&2
    exit 1
fi

# smtp-sink must drop root privileges (-u); use nobody when nobody can write the dump folder
SINK_ARGS=()
if [ "$(id -u)" -eq 0 ]; then
    chmod 0777 "$SINK_DIR"
    if runuser -u nobody -- test -w "$SINK_DIR" 2>/dev/null; then
        SINK_ARGS=(-u nobody)
    else
        SINK_ARGS=(-u root)
    fi
fi
/usr/sbin/smtp-sink "${SINK_ARGS[@]}" -d "$SINK_DIR/%Y%m%d-%H%M%S." 127.0.0.1:2526 256 &
SINK_PID=$!
trap 'kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null || true' EXIT

cat >&2 <<'EOF'
smtpwarden gateway: 127.0.0.1:2525 (STARTTLS), 127.0.0.1:4650 (TLS), next hop smtp-sink :2526
Send a test mail from another terminal:
    swaks --server 127.0.0.1:2525 --from a@example.com --to b@example.net
    swaks --server 127.0.0.1:2525 -tls --from a@example.com --to b@example.net
Delivered messages land in ./smtpwarden-state/sink/. Ctrl-C stops the gateway and the sink.

EOF

# The gateway runs attached to this terminal (events on stdout); this script stays its parent
# so that Ctrl-C or a SIGTERM to the script stops the gateway (SIGTERM: drain, exit 0) and the
# EXIT trap then stops the sink.
build/release/smtpwarden gateway "$@" &
GW_PID=$!
trap 'kill -TERM "$GW_PID" 2>/dev/null || true' INT TERM
status=0
wait "$GW_PID" || status=$?
while kill -0 "$GW_PID" 2>/dev/null; do # wait was interrupted by a signal: wait for the exit
    status=0
    wait "$GW_PID" || status=$?
done
exit "$status"
