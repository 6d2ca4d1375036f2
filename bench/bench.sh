#!/usr/bin/env bash
# make bench: throughput and memory of build/passagent, printed as a table.
#   - requests/s of GET /healthz (unauthenticated, one SELECT 1) and of an
#     authenticated GET /api/user-integrations (session lookup + list), with
#     rate limiting on (every request counts a hit in the database) and off;
#   - resident memory idle and under 64 connections.
# wrk -t1 -c64 on loopback; server and wrk share this machine's cores, so
# compare the ratios measured in one run rather than absolute figures.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${PASSAGENT_BIN:-build/passagent}
DURATION=${BENCH_SECONDS:-10}
CONNS=64
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
              node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

start_server() { # $1 = rate-limit setting
    port=$(free_port)
    rm -rf "$work/data"
    PASSAGENT_LISTEN="127.0.0.1:$port" PASSAGENT_DATA_DIR="$work/data" PASSAGENT_RATE_LIMITS="$1" \
        PASSAGENT_LOG_LEVEL=warn "$BIN" serve >"$work/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    token=$(curl -fs -X POST "http://127.0.0.1:$port/api/auth/register" -H 'Content-Type: application/json' \
        -d '{"email":"bench@example.com","password":"bench-password-1"}' | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
    [ -n "$token" ] || { echo "bench: could not register"; cat "$work/server.log"; exit 1; }
}
stop_server() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

rps() { # url [header]
    local out
    if [ $# -gt 1 ]; then out=$(wrk -t1 -c$CONNS -d"${DURATION}s" -H "$2" "$1"); else out=$(wrk -t1 -c$CONNS -d"${DURATION}s" "$1"); fi
    if echo "$out" | grep -q 'Non-2xx'; then echo "bench: non-2xx replies during the run" >&2; echo "$out" >&2; fi
    echo "$out" | awk '/Requests\/sec/ {printf "%d", $2}'
}

printf 'passagent bench (%s, wrk -t1 -c%d, %ss per run, %s cores)\n\n' "$BIN" $CONNS "$DURATION" "$(nproc)"

start_server "auth=1000000/60,reveal=1000000/60,general=1000000000/60"
sleep 1
idle=$(rss_kib "$pid")
trivial=$(rps "http://127.0.0.1:$port/healthz")
( sleep $((DURATION / 2)); rss_kib "$pid" >"$work/rss" ) &
sampler=$!
auth_rl=$(rps "http://127.0.0.1:$port/api/user-integrations" "Authorization: Bearer $token")
wait "$sampler"
busy=$(cat "$work/rss")
stop_server

start_server off
auth_off=$(rps "http://127.0.0.1:$port/api/user-integrations" "Authorization: Bearer $token")
stop_server

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
printf '%-58s %10s\n' "measure" "value"
printf '%-58s %10d\n' "GET /healthz (trivial, unauthenticated) req/s" "$trivial"
printf '%-58s %10d\n' "GET /api/user-integrations, rate limits on, req/s" "$auth_rl"
printf '%-58s %10d\n' "GET /api/user-integrations, rate limits off, req/s" "$auth_off"
printf '%-58s %10s\n' "ratio authenticated/trivial, limits on (target >= 0.5)" "$(ratio "$auth_rl" "$trivial")"
printf '%-58s %10s\n' "ratio authenticated/trivial, limits off" "$(ratio "$auth_off" "$trivial")"
printf '%-58s %10s\n' "RSS idle, MiB (target <= 16)" "$(awk -v k="$idle" 'BEGIN{printf "%.1f", k/1024}')"
printf '%-58s %10s\n' "RSS under $CONNS connections, MiB" "$(awk -v k="$busy" 'BEGIN{printf "%.1f", k/1024}')"

# IMAP: connect (TLS handshake + login + seal + store) against a local Dovecot.
PASSAGENT_BIN="$BIN" node bench/imap-bench.mjs
