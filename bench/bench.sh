#!/usr/bin/env bash
# make bench: throughput and memory of build/passagent, printed as a table.
#   - requests/s of GET /healthz (unauthenticated, one SELECT 1) and of an
#     authenticated GET /api/user-integrations (session lookup + list), with
#     rate limiting on (every request counts a hit in the database) and off;
#   - resident memory idle and under 64 connections;
#   - OAuth: list latency while 100 callbacks wait 2 s on the token endpoint.
# wrk -t1 -c64 on loopback; server and wrk share this machine's cores, so
# compare the ratios measured in one run rather than absolute figures.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${PASSAGENT_BIN:-build/passagent}
DURATION=${BENCH_SECONDS:-10}
CONNS=64
work=$(mktemp -d)
pid=""
pg_dir=$(mktemp -d /tmp/passagent-bench-pg-XXXXXX)
# nginx workers run unprivileged and buffer large bodies under the prefix:
# it must be reachable by them, so not inside the private $work.
nginx_prefix=$(mktemp -d /tmp/passagent-bench-nginx-XXXXXX); chmod 755 "$nginx_prefix"
# Runs on every exit, failures included: nothing may be left running.
cleanup() {
    set +e
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    if [ -f "$nginx_prefix/nginx.pid" ]; then kill "$(cat "$nginx_prefix/nginx.pid")" 2>/dev/null; fi
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    tests/peers/pg-cluster.sh stop "$pg_dir" >/dev/null 2>&1
    rm -rf "$work" "$pg_dir" "$nginx_prefix"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
              node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# launch NAME RATE_LIMITS [extra env...]: starts an instance, sets port and pid.
launch() {
    local name=$1 limits=$2; shift 2
    port=$(free_port)
    rm -rf "$work/$name"
    env PASSAGENT_LISTEN="127.0.0.1:$port" PASSAGENT_DATA_DIR="$work/$name" PASSAGENT_RATE_LIMITS="$limits" \
        PASSAGENT_LOG_LEVEL=warn "$@" "$BIN" serve >"$work/$name.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
    echo "bench: instance $name did not start"; cat "$work/$name.log"; exit 1
}
register() { # base URL -> token
    curl -fs -X POST "$1/api/auth/register" -H 'Content-Type: application/json' \
        -d "{\"email\":\"bench$RANDOM$RANDOM@example.com\",\"password\":\"bench-password-1\"}" |
        sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
pids=()
start_server() { # $1 = rate-limit setting
    launch sqlite "$1"
    token=$(register "http://127.0.0.1:$port")
    [ -n "$token" ] || { echo "bench: could not register"; exit 1; }
}
stop_all() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done; pids=(); pid=""; }
stop_server() { stop_all; }

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

# ---- Password import (issue 5): end to end over HTTP, and raw CSV parsing.
# Each run imports a generated Chrome CSV for a fresh user (so nothing is a
# duplicate); the figure is the median of IMPORT_RUNS runs of curl's total
# time for POST /api/passwords/import (upload, parse, seal, one transaction).
IMPORT_RUNS=${IMPORT_RUNS:-7}
chrome_csv() { # rows
    awk -v n="$1" 'BEGIN { print "name,url,username,password,note";
        for (i = 0; i < n; i++) printf "site%d,https://site%d.example/login,user%d,pw-%d-%d,note %d\n", i, i, i, i, n, i }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
import_ms() { # rows -> median milliseconds
    local rows=$1 file="$work/import-$1.json"
    chrome_csv "$rows" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.stringify({format:"chrome",data:s})))' >"$file"
    for r in $(seq "$IMPORT_RUNS"); do
        local tok csrf
        tok=$(curl -fs -X POST "http://127.0.0.1:$port/api/auth/register" -H 'Content-Type: application/json' \
            -d "{\"email\":\"imp$rows-$r@example.com\",\"password\":\"bench-password-1\"}" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
        csrf=$(curl -fs "http://127.0.0.1:$port/api/auth/csrf-token" -H "Authorization: Bearer $tok" | sed -n 's/.*"csrfToken":"\([^"]*\)".*/\1/p')
        rm -f "$work/import-reply" # a failed request must not leave the last run's reply
        curl -s -o "$work/import-reply" -w '%{time_total}\n' -X POST "http://127.0.0.1:$port/api/passwords/import" \
            -H "Authorization: Bearer $tok" -H "x-csrf-token: $csrf" -H 'Content-Type: application/json' \
            --data-binary "@$file"
        grep -q "\"imported\":$rows" "$work/import-reply" || { echo "bench: import of $rows failed: $(head -c 300 "$work/import-reply")" >&2; echo FAILED; }
    done | awk '$1 == "FAILED" { failed = 1 } { printf "%.1f\n", $1 * 1000 } END { exit failed }' | median
}

# ---- scale-out: PostgreSQL, one instance and two behind nginx ----
raised="auth=1000000/60,reveal=1000000/60,general=1000000000/60"
admin=$(tests/peers/pg-cluster.sh start "$pg_dir")
pgdb() { psql "$admin" -qc "CREATE DATABASE $1" && echo "${admin%/postgres}/$1"; }
key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

db=$(pgdb bench_one)
launch pg1 "$raised" PASSAGENT_DB="$db" PASSAGENT_MASTER_KEY="$key"
token=$(register "http://127.0.0.1:$port")
pg_one=$(rps "http://127.0.0.1:$port/api/user-integrations" "Authorization: Bearer $token")
pg_ms5000=$(import_ms 5000)
stop_all

db=$(pgdb bench_two)
launch pgA "$raised" PASSAGENT_DB="$db" PASSAGENT_MASTER_KEY="$key"; portA=$port
launch pgB "$raised" PASSAGENT_DB="$db" PASSAGENT_MASTER_KEY="$key"; portB=$port
lbport=$(free_port)
mkdir -p "$nginx_prefix"
sed -e "s|@PREFIX@|$nginx_prefix|g" -e "s|@LISTEN@|127.0.0.1:$lbport|" \
    -e "s|@UPSTREAMS@|server 127.0.0.1:$portA; server 127.0.0.1:$portB;|" \
    deploy/nginx.conf.template >"$nginx_prefix/nginx.conf"
nginx -p "$nginx_prefix" -c "$nginx_prefix/nginx.conf" &
pids+=("$!")
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$lbport/healthz" >/dev/null && break; sleep 0.1; done
token=$(register "http://127.0.0.1:$lbport")
pg_two=$(rps "http://127.0.0.1:$lbport/api/user-integrations" "Authorization: Bearer $token")
port=$lbport
pg2_ms5000=$(import_ms 5000)
stop_all

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
printf '%-58s %10s\n' "measure" "value"
printf '%-58s %10d\n' "GET /healthz (trivial, unauthenticated) req/s" "$trivial"
printf '%-58s %10d\n' "GET /api/user-integrations, rate limits on, req/s" "$auth_rl"
printf '%-58s %10d\n' "GET /api/user-integrations, rate limits off, req/s" "$auth_off"
printf '%-58s %10s\n' "ratio authenticated/trivial, limits on (target >= 0.5)" "$(ratio "$auth_rl" "$trivial")"
printf '%-58s %10s\n' "ratio authenticated/trivial, limits off" "$(ratio "$auth_off" "$trivial")"
printf '%-58s %10s\n' "RSS idle, MiB (target <= 16)" "$(awk -v k="$idle" 'BEGIN{printf "%.1f", k/1024}')"
printf '%-58s %10s\n' "RSS under $CONNS connections, MiB" "$(awk -v k="$busy" 'BEGIN{printf "%.1f", k/1024}')"
printf '%-58s %10d\n' "GET /api/user-integrations, PostgreSQL, 1 instance, req/s" "$pg_one"
printf '%-58s %10d\n' "GET /api/user-integrations, PostgreSQL, 2 behind nginx, req/s" "$pg_two"
echo "(all instances, nginx, PostgreSQL and wrk share the same $(nproc) cores)"

start_server "auth=1000000/60,reveal=1000000/60,general=1000000000/60"
ms5000=$(import_ms 5000)
ms500=$(import_ms 500)
stop_server
mbps=$(BUILD_DIR=build; "$BUILD_DIR/bench/bench_csv" 5000 200)
echo
printf '%-58s %10s\n' "password import (median of $IMPORT_RUNS runs)" "value"
printf '%-58s %10s\n' "import 5,000-entry Chrome CSV over HTTP, ms (target < 100)" "$ms5000"
printf '%-58s %10s\n' "import 500-entry Chrome CSV over HTTP, ms" "$ms500"
printf '%-58s %10s\n' "cost per entry at 5,000, microseconds" "$(awk -v a="$ms5000" 'BEGIN{printf "%.1f", a*1000/5000}')"
printf '%-58s %10s\n' "cost per entry at 500, microseconds" "$(awk -v a="$ms500" 'BEGIN{printf "%.1f", a*1000/500}')"
printf '%-58s %10s\n' "CSV reader throughput, MB/s" "$mbps"
printf '%-58s %10s\n' "import 5,000 entries, PostgreSQL, 1 instance, ms" "$pg_ms5000"
printf '%-58s %10s\n' "import 5,000 entries, PostgreSQL, 2 behind nginx, ms" "$pg2_ms5000"

# OAuth: 100 callbacks in flight against a token endpoint delayed by 2 s
# (GitHub-style peer); the list endpoint is timed meanwhile.
echo
PASSAGENT_BIN="$BIN" node bench/oauth_bench.mjs | while IFS='|' read -r name value; do
    printf '%-58s %10s\n' "$name" "$value"
done

# IMAP: connect (TLS handshake + login + seal + store) against a local Dovecot.
PASSAGENT_BIN="$BIN" node bench/imap-bench.mjs

# Dashboard (issue 7): static pages and assets are read from web/ on every
# request (no cache, so an edited page shows at once); compared with /healthz.
launch dashboard off
echo
printf '%-58s %10s\n' "dashboard files (wrk -t1 -c$CONNS, ${DURATION}s)" "req/s"
printf '%-58s %10s\n' "GET /healthz (for comparison)" "$(rps "http://127.0.0.1:$port/healthz")"
printf '%-58s %10s\n' "GET /dashboard/integrations ($(wc -c <web/integrations.html) B page)" "$(rps "http://127.0.0.1:$port/dashboard/integrations")"
printf '%-58s %10s\n' "GET /assets/style.css ($(wc -c <web/assets/style.css) B)" "$(rps "http://127.0.0.1:$port/assets/style.css")"
stop_all
